"""The pooling study (Tomasini, Petrini, Cagnetta, Wyart, arXiv:2210.01506): sensitivities against depth."""
from . import claims  # registers the study
