"""Theory: the predictions of the Wyart group's papers, encoded symbolically (sympy; no torch).

>>> from theory import get
>>> get("beta_lazy").evaluate(d=2)
0.5
"""
from .prediction import Prediction, Provenance, Relation
from .registry import REGISTRY, get, names

__all__ = ["Prediction", "Provenance", "Relation", "REGISTRY", "get", "names"]
