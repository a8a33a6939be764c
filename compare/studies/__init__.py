"""Studies: one per paper (claims at each scale and figures)."""
