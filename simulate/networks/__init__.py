"""Networks as frozen-dataclass specs with ``init(seed, device, dtype)`` and a pure ``apply(params, x)``.

One module per architecture (:mod:`.cnn`, :mod:`.lcn`, :mod:`.fcn`, :mod:`.two_layer`, :mod:`.pooling`,
:mod:`.cnn1d`, :mod:`.image`); the shared
interface, parameter stacking and the mean-field readout are in :mod:`.base`.
"""
from .base import Network, stack_params, unstack_params
from .cnn import HierarchicalCNN
from .cnn1d import ConvNet1D
from .fcn import ShallowFCN
from .image import ImageCNN, ImageFCN
from .lcn import LocallyConnected
from .pooling import IdealPoolingNet
from .two_layer import TwoLayerReLU

__all__ = ["Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "TwoLayerReLU", "IdealPoolingNet", "ConvNet1D",
           "ImageFCN", "ImageCNN", "stack_params", "unstack_params"]
