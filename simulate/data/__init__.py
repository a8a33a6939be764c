"""Data models: ``sample(n, seed, stream=...) -> (x [n, d], y [n] in {-1, +1})``.

* :class:`Stripe`, :class:`Cylinder` (arXiv:2007.11471);
* :class:`DepletedStripe` (arXiv:2202.03348).
"""
from .base import DataModel
from .cylinder import Cylinder
from .depleted_stripe import DepletedStripe
from .stripe import Stripe

__all__ = ["DataModel", "Stripe", "Cylinder", "DepletedStripe"]
