"""Data models.

Every data model meets :class:`Samples` (:mod:`.base`): ``input_shape`` and
``sample(n, seed, *, stream=0, device=None, ...) -> (x [n, *input_shape], y [n])``.

Binary tasks on R^d, ``sample(n, seed, stream=...) -> (x [n, d], y [n] in {-1, +1})``:

* :class:`Stripe`, :class:`Cylinder` (arXiv:2007.11471);
* :class:`DepletedStripe` (arXiv:2202.03348).

Hierarchical multi-class tasks, ``sample(...) -> (one-hot x [n, v, d], classes y [n])``:

* :class:`RandomHierarchyModel` (arXiv:2307.02129);
* :class:`SparseRandomHierarchyModel` (arXiv:2404.10727).

Scale detection (arXiv:2210.01506): :class:`ScaleDetection1D`, :class:`ScaleDetection2D`, two active
pixels, ``sample(...) -> (images x [n, 1, *image_shape], labels y [n] in {-1, +1})``, and ``split``.
Images for relative stability (arXiv:2105.02468): :mod:`.images`.
"""
from .base import DataModel, Samples
from .cylinder import Cylinder
from .depleted_stripe import DepletedStripe
from .rhm import RandomHierarchyModel
from .scale_detection import ScaleDetection1D, ScaleDetection2D
from .sparse_rhm import SparseRandomHierarchyModel
from .stripe import Stripe

__all__ = ["DataModel", "Samples", "Stripe", "Cylinder", "DepletedStripe", "RandomHierarchyModel",
           "SparseRandomHierarchyModel", "ScaleDetection1D", "ScaleDetection2D"]
