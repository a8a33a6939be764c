"""Feature vs lazy training of a one-hidden-layer network (Paccolat et al., arXiv:2007.11471; Geiger et al., arXiv:1906.08034)."""
from . import claims  # noqa: F401  (importing it registers the study)
