"""The Random Hierarchy Model study (Cagnetta et al., arXiv:2307.02129; Tomasini & Wyart, arXiv:2404.10727)."""
from . import claims  # noqa: F401  (importing it registers the study)
