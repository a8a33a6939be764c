"""Networks as frozen-dataclass specs with ``init(seed, device, dtype)`` and a pure ``apply(params, x)``.

One module per architecture (:mod:`.cnn`, :mod:`.lcn`, :mod:`.fcn`); the shared
interface, parameter stacking and the mean-field readout are in :mod:`.base`.
"""
from .base import Network, stack_params, unstack_params
from .cnn import HierarchicalCNN
from .fcn import ShallowFCN
from .lcn import LocallyConnected

__all__ = ["Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "stack_params", "unstack_params"]
