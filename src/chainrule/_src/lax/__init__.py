"""The primitives ("lax"): a closed set of operations with their rules."""

from .elementwise import *  # noqa: F401,F403
from .indexing import getitem, getitem_p, scatter_add_p, scatter_set_p  # noqa: F401
from .products import einsum, einsum_p, matmul, matmul_p  # noqa: F401
from .reductions import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .sorting import *  # noqa: F401,F403

import sys as _sys  # noqa: E402

from . import _rules  # noqa: E402

# ``elementwise`` is also the name of a rule helper, so look the modules up by full name.
_rules._elementwise, _rules._reductions, _rules._shape = (
    _sys.modules[f"{__name__}.{m}"] for m in ("elementwise", "reductions", "shape"))

from . import fft, linalg  # noqa: E402,F401 - FFT and linear-algebra primitives
from . import adjugate  # noqa: E402,F401 - det's derivative (needs linalg)
from . import special  # noqa: E402,F401 - scipy.special-backed primitives
from . import scipy_linalg  # noqa: E402,F401 - primitives of chainrule.scipy.linalg
