"""scalingcheck: check the scaling laws of deep-learning theory against simulation (placeholder, filled below)."""
