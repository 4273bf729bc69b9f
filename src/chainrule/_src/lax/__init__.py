"""The primitives ("lax"): a closed set of operations with their rules."""

from .elementwise import *  # noqa: F401,F403
from .indexing import getitem, getitem_p, scatter_add_p, scatter_set_p  # noqa: F401
from .products import einsum, einsum_p, matmul, matmul_p  # noqa: F401
from .reductions import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
