"""Networks as frozen-dataclass specs with ``init(seed, device, dtype)`` and a pure ``apply(params, x)``.

One module per architecture (:mod:`.cnn`, :mod:`.lcn`, :mod:`.fcn`, :mod:`.two_layer`, :mod:`.pooling`,
:mod:`.cnn1d`, :mod:`.image`), :mod:`.torch_module`, which puts a user's
``torch.nn.Module`` behind the same interface, and :mod:`.standard`, standard image
architectures (FCN, LeNet, VGG, ResNet, the pooling study's CNNs) as such modules; the shared
interface, parameter stacking and the mean-field readout are in :mod:`.base`.
"""
from .base import Network, stack_params, unstack_params
from .cnn import HierarchicalCNN
from .cnn1d import ConvNet1D
from .fcn import ShallowFCN
from .image import ImageCNN, ImageFCN
from .lcn import LocallyConnected
from .pooling import IdealPoolingNet
from .standard import FCN, VGG, LeNet, PoolingCNN, ResNet, fcn, lenet, pooling_cnn, resnet, vgg
from .torch_module import TorchNetwork
from .two_layer import TwoLayerReLU

__all__ = ["Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "TwoLayerReLU", "IdealPoolingNet", "ConvNet1D",
           "ImageFCN", "ImageCNN", "TorchNetwork", "stack_params", "unstack_params",
           "FCN", "LeNet", "VGG", "ResNet", "PoolingCNN", "fcn", "lenet", "vgg", "resnet", "pooling_cnn"]
