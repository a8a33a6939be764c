"""Networks as frozen-dataclass specs with ``init(seed, device, dtype)`` and a pure ``apply(params, x)``.

One module per architecture (:mod:`.cnn`, :mod:`.lcn`, :mod:`.fcn`, :mod:`.two_layer`, :mod:`.pooling`,
:mod:`.cnn1d`, :mod:`.image`), and :mod:`.torch_module`, which puts a user's
``torch.nn.Module`` behind the same interface; the shared
interface, parameter stacking and the mean-field readout are in :mod:`.base`.
"""
from .base import Network, stack_params, unstack_params
from .cnn import HierarchicalCNN
from .cnn1d import ConvNet1D
from .fcn import ShallowFCN
from .image import ImageCNN, ImageFCN
from .lcn import LocallyConnected
from .pooling import IdealPoolingNet
from .torch_module import TorchNetwork
from .two_layer import TwoLayerReLU

__all__ = ["Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "TwoLayerReLU", "IdealPoolingNet", "ConvNet1D",
           "ImageFCN", "ImageCNN", "TorchNetwork", "stack_params", "unstack_params"]
