"""The relative-stability study (Petrini, Favero, Geiger, Wyart, arXiv:2105.02468): diffeomorphisms and R_f."""
from . import claims  # noqa: F401  (importing it registers the study)
