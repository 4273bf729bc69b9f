"""Neural networks: Modules (immutable dataclasses that are pytrees), layers, losses,
checkpoints and a training loop, written on chainrule's public API.

A layer maps ONE example; batch with ``chainrule.vmap``.  Layers take ``key=`` to draw
their initial weights: an int seed, a ``numpy.random.Generator``, or a ``chainrule.random``
key (used as a seed); sub-layers get independent streams spawned from it.  ``Dropout``
draws its masks with ``chainrule.random``, so it works under ``jit`` and ``vmap``.

Examples
--------
>>> import numpy as np, chainrule as cr
>>> from chainrule import nn
>>> model = nn.MLP(3, 1, width_size=16, depth=2, key=0)
>>> cr.vmap(model)(np.ones((8, 3))).shape
(8, 1)
>>> nn.count_parameters(model)
353
"""

from . import init
from ._activations import (elu, gelu, identity, leaky_relu, log_softmax, relu, sigmoid,
                           silu, softmax, softplus, swish, tanh)
from ._checkpoint import (CheckpointError, load, load_metadata, load_state_dict, save,
                          state_dict)
from ._conv import Conv
from ._conv1d import Conv1d
from ._conv2d import Conv2d
from ._convtranspose import ConvTranspose
from ._convtranspose1d import ConvTranspose1d
from ._convtranspose2d import ConvTranspose2d
from ._dropout import Dropout
from ._embedding import Embedding
from ._groupnorm import GroupNorm
from ._grucell import GRUCell
from ._lambda import Lambda
from ._layernorm import LayerNorm
from ._linear import Linear
from ._lstmcell import LSTMCell
from ._losses import (accuracy, binary_cross_entropy_with_logits, cross_entropy,
                      gaussian_nll, huber, kl_divergence, mae, mse, poisson_nll)
from ._batchnorm import BatchNorm, BatchNormState
from ._callbacks import BestModel, Callback, EarlyStopping
from ._data import DataLoader, train_val_split
from ._fit import FitResult, fit
from ._mlp import MLP
from ._multihead_attention import MultiheadAttention
from ._pool import AvgPool, MaxPool
from ._pool1d import AvgPool1d, MaxPool1d
from ._pool2d import AvgPool2d, MaxPool2d
from ._module import (FrozenModuleError, Module, combine, count_parameters, field, is_array,
                      is_inexact_array, named_leaves, partition, summary, tree_at)
from ._rmsnorm import RMSNorm
from ._sequential import Sequential

__all__ = ["AvgPool", "AvgPool1d", "AvgPool2d", "BatchNorm", "BatchNormState", "BestModel",
           "Callback", "CheckpointError", "Conv", "Conv1d", "Conv2d", "ConvTranspose",
           "ConvTranspose1d", "ConvTranspose2d", "DataLoader", "Dropout",
           "EarlyStopping", "Embedding", "FitResult", "FrozenModuleError", "GRUCell",
           "GroupNorm", "LSTMCell", "Lambda", "LayerNorm", "Linear", "MLP", "MaxPool",
           "MaxPool1d", "MaxPool2d", "Module", "MultiheadAttention", "RMSNorm",
           "Sequential", "accuracy", "binary_cross_entropy_with_logits", "combine",
           "count_parameters", "cross_entropy", "elu", "field", "fit", "gaussian_nll", "gelu",
           "huber", "identity", "init", "is_array", "is_inexact_array", "kl_divergence",
           "leaky_relu", "load", "load_metadata", "load_state_dict", "log_softmax", "mae", "mse",
           "named_leaves", "partition", "poisson_nll", "relu", "save", "sigmoid", "silu",
           "softmax", "softplus", "state_dict", "summary", "swish", "tanh", "train_val_split",
           "tree_at"]
