"""Networks as frozen-dataclass specs with ``init(seed, device, dtype)`` and a pure ``apply(params, x)``.

One module per architecture (:mod:`.cnn`, :mod:`.lcn`, :mod:`.fcn`, :mod:`.two_layer`); the shared
interface, parameter stacking and the mean-field readout are in :mod:`.base`.
"""
from .base import Network, stack_params, unstack_params
from .cnn import HierarchicalCNN
from .fcn import ShallowFCN
from .lcn import LocallyConnected
from .two_layer import TwoLayerReLU

__all__ = ["Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "TwoLayerReLU", "stack_params", "unstack_params"]
