"""The pooling study (Tomasini, Petrini, Cagnetta, Wyart, arXiv:2210.01506): sensitivities against depth."""
from . import claims  # noqa: F401  (importing it registers the study)
