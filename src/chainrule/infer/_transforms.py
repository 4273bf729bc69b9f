"""Bijections from unconstrained real vectors to constrained parameters, and
:func:`constrain`, which rewrites a log-density over constrained parameters as one over
unconstrained ones, Jacobian included."""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.optimize import minimize
from chainrule.scipy.special import expit, logit

from ._ravel import ravel_params

__all__ = ["Affine", "Bijector", "ConstrainedLogDensity", "CorrCholesky", "Exp", "Identity",
           "Interval", "Softplus", "StickBreaking", "constrain", "transforms"]


def _log_sigmoid(x):
    return -cnp.logaddexp(0.0, -x)


class Bijector:
    """A smooth bijection ``forward`` from unconstrained reals onto a constrained set.

    Subclasses define ``forward(x)``, ``inverse(y)``, ``log_det_jacobian(x)`` (the log of
    the absolute Jacobian determinant of ``forward``, summed over the whole array: the
    amount added to a log-density when changing variables), ``in_support(y)`` and
    ``unconstrained_shape(shape)``.  ``event_ndim`` is the number of trailing unconstrained
    axes that ``forward`` maps as one (0: elementwise; 1: a vector, as the simplex).
    """

    support = "the real line"
    event_ndim = 0

    def unconstrained_shape(self, shape):
        return tuple(shape)

    def in_support(self, y):
        return bool(np.all(np.isfinite(y)))

    def check(self, y, name="parameter"):
        """Raise ``ValueError`` when ``y`` lies outside the support."""
        y = np.asarray(y, dtype=float)
        if not self.in_support(y):
            shown = np.array2string(y, threshold=8, separator=", ").replace("\n", "")
            raise ValueError(f"{name} = {shown} is outside its declared support "
                             f"({self.support}); give a value inside it, or change the "
                             "constraint")
        return y

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(Bijector):
    """No constraint: ``y = x``."""

    def forward(self, x):
        return x

    def inverse(self, y):
        return y

    def log_det_jacobian(self, x):
        return cnp.zeros(())


class Exp(Bijector):
    """Positive values: ``y = exp(x)``."""

    support = "(0, inf)"

    def forward(self, x):
        return cnp.exp(x)

    def inverse(self, y):
        return cnp.log(y)

    def log_det_jacobian(self, x):
        return cnp.sum(x)

    def in_support(self, y):
        return bool(np.all(np.isfinite(y)) and np.all(y > 0))


class Softplus(Exp):
    """Positive values: ``y = log(1 + exp(x))`` (grows linearly rather than exponentially)."""

    def forward(self, x):
        return cnp.logaddexp(0.0, x)

    def inverse(self, y):
        return y + cnp.log(-cnp.expm1(-y))

    def log_det_jacobian(self, x):
        return cnp.sum(_log_sigmoid(x))


class Interval(Bijector):
    """An open interval: ``y = low + (high - low) * sigmoid(x)``.

    ``Interval(0, 1)`` is the ``"unit_interval"`` constraint.
    """

    def __init__(self, low=0.0, high=1.0):
        low, high = float(low), float(high)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"Interval: need finite low < high, got ({low}, {high})")
        self.low, self.high = low, high
        self.support = f"({low:g}, {high:g})"

    def forward(self, x):
        return self.low + (self.high - self.low) * expit(x)

    def inverse(self, y):
        return logit((y - self.low) / (self.high - self.low))

    def log_det_jacobian(self, x):
        return cnp.sum(math.log(self.high - self.low) + _log_sigmoid(x) + _log_sigmoid(-x))

    def in_support(self, y):
        return bool(np.all(np.isfinite(y)) and np.all((y > self.low) & (y < self.high)))

    def __repr__(self):
        return f"Interval({self.low:g}, {self.high:g})"


class Affine(Bijector):
    """A change of location and scale of the real line: ``y = loc + scale * x``."""

    def __init__(self, loc=0.0, scale=1.0):
        scale = np.asarray(scale, dtype=float)
        if np.any(scale == 0) or not np.all(np.isfinite(scale)):
            raise ValueError("Affine: scale must be finite and nonzero")
        self.loc, self.scale = np.asarray(loc, dtype=float), scale

    def forward(self, x):
        return self.loc + self.scale * x

    def inverse(self, y):
        return (y - self.loc) / self.scale

    def log_det_jacobian(self, x):
        return cnp.sum(cnp.broadcast_to(cnp.log(cnp.abs(self.scale)), cnp.shape(x)))

    def __repr__(self):
        return f"Affine({self.loc}, {self.scale})"


class StickBreaking(Bijector):
    """The probability simplex: ``K - 1`` reals onto ``K`` positive weights summing to 1.

    Each weight breaks a fraction ``sigmoid(x_k - log(K - 1 - k))`` off what the previous
    ones left (the offset maps ``x = 0`` to equal weights).  The log-Jacobian is that of
    the first ``K - 1`` weights (the last one is determined by them), the coordinates in
    which a density on the simplex, such as the Dirichlet's, is written.
    """

    support = "the simplex (positive entries summing to 1, along a 1-D vector)"
    event_ndim = 1

    def unconstrained_shape(self, shape):
        if len(shape) != 1 or shape[0] < 2:
            raise ValueError(f"StickBreaking: a simplex parameter must be a vector of length "
                             f">= 2, got shape {shape}")
        return (shape[0] - 1,)

    @staticmethod
    def _offsets(k):
        return np.log(np.arange(k, 0, -1, dtype=float))

    def _pieces(self, x):
        k = cnp.shape(x)[0]
        u = x - self._offsets(k)
        log_z, log_1mz = _log_sigmoid(u), _log_sigmoid(-u)
        # log of what is left before each break: exclusive cumulative sum of log(1 - z)
        log_left = cnp.concatenate([cnp.zeros(1), cnp.cumsum(log_1mz)])
        return log_z, log_1mz, log_left

    def forward(self, x):
        log_z, _, log_left = self._pieces(x)
        return cnp.concatenate([cnp.exp(log_z + log_left[:-1]), cnp.exp(log_left[-1:])])

    def inverse(self, y):
        y = cnp.asarray(y)
        left = 1.0 - cnp.concatenate([cnp.zeros(1), cnp.cumsum(y[:-2])])
        return logit(y[:-1] / left) + self._offsets(cnp.shape(y)[0] - 1)

    def log_det_jacobian(self, x):
        log_z, log_1mz, log_left = self._pieces(x)
        return cnp.sum(log_z + log_1mz + log_left[:-1])

    def in_support(self, y):
        return bool(y.ndim == 1 and y.size >= 2 and np.all(np.isfinite(y)) and np.all(y > 0)
                    and abs(y.sum() - 1.0) < 1e-8)


class CorrCholesky(Bijector):
    """Cholesky factors of correlation matrices: ``n (n - 1) / 2`` reals onto lower-
    triangular ``L`` with a positive diagonal and rows of unit length (``L Lᵀ`` is a
    correlation matrix).

    The reals become partial correlations in (-1, 1) by ``tanh``; each row of ``L`` then
    spends, entry after entry, a fraction of what is left of its unit length.  The
    log-Jacobian is that of the strictly lower entries of ``L``, the coordinates of the
    LKJ density on Cholesky factors.
    """

    support = ("Cholesky factors of correlation matrices (lower triangular, positive "
               "diagonal, rows of unit length)")
    event_ndim = 1

    def unconstrained_shape(self, shape):
        if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 1:
            raise ValueError(f"CorrCholesky: the parameter must be a square matrix, got "
                             f"shape {shape}")
        n = shape[0]
        return (n * (n - 1) // 2,)

    @staticmethod
    def _size(m):
        n = int(round((1 + math.sqrt(1 + 8 * m)) / 2))
        if n * (n - 1) // 2 != m:
            raise ValueError(f"CorrCholesky: {m} is not n (n - 1) / 2 for any n")
        return n

    def _rows(self, x):
        """Each row's entries and, per strictly lower entry, log of the squared length left."""
        n = self._size(cnp.shape(x)[0])
        z = cnp.tanh(x)
        rows, log_left, start = [cnp.concatenate([cnp.ones(1), cnp.zeros(n - 1)])], [], 0
        for i in range(1, n):
            left = cnp.ones(())
            entries = []
            for j in range(i):
                log_left.append(cnp.log(left))
                entries.append(z[start + j] * cnp.sqrt(left))
                left = left - entries[-1] ** 2
            start += i
            rows.append(cnp.concatenate([cnp.stack(entries), cnp.sqrt(left)[None],
                                         cnp.zeros(n - 1 - i)]))
        return rows, log_left, z

    def forward(self, x):
        return cnp.stack(self._rows(x)[0])

    def inverse(self, y):
        y = cnp.asarray(y)
        n = cnp.shape(y)[0]
        out = []
        for i in range(1, n):
            left = cnp.ones(())
            for j in range(i):
                out.append(cnp.arctanh(y[i, j] / cnp.sqrt(left)))
                left = left - y[i, j] ** 2
        return cnp.stack(out) if out else cnp.zeros(0)

    def log_det_jacobian(self, x):
        if cnp.shape(x)[0] == 0:
            return cnp.zeros(())
        _, log_left, z = self._rows(x)
        return cnp.sum(cnp.log1p(-z ** 2)) + 0.5 * cnp.sum(cnp.stack(log_left))

    def in_support(self, y):
        if y.ndim != 2 or y.shape[0] != y.shape[1] or not np.all(np.isfinite(y)):
            return False
        return bool(np.allclose(np.triu(y, 1), 0, atol=0) and np.all(np.diag(y) > 0)
                    and np.allclose(np.sum(y ** 2, axis=1), 1.0, rtol=0, atol=1e-8))


transforms = {
    "real": Identity,
    "positive": Exp,
    "softplus": Softplus,
    "unit_interval": Interval,
    "simplex": StickBreaking,
    "corr_cholesky": CorrCholesky,
}
"""The named constraints :func:`constrain` accepts (``("interval", low, high)`` too)."""


def _bijector(spec, key):
    if isinstance(spec, Bijector):
        return spec
    if isinstance(spec, tuple) and len(spec) == 3 and spec[0] == "interval":
        return Interval(spec[1], spec[2])
    if isinstance(spec, str) and spec in transforms:
        return transforms[spec]()
    raise ValueError(f"constrain: unknown constraint {spec!r} for {key!r}; use one of "
                     f"{sorted(transforms)}, ('interval', low, high) or a Bijector")


def _forward_batched(bijector, x):
    """``bijector.forward`` over the trailing ``event_ndim`` axes of ``x``, mapped over any
    leading axes (draws shaped ``(chains, draws, ...)``): a vector bijector applied to a
    whole stack of vectors would mix them."""
    f = bijector.forward
    for _ in range(cnp.ndim(x) - bijector.event_ndim if bijector.event_ndim else 0):
        f = cr.vmap(f)
    return f(x)


class ConstrainedLogDensity:
    """A log-density over unconstrained parameters, made by :func:`constrain`.

    Calling it on unconstrained parameters ``u`` gives
    ``logdensity(to_constrained(u)) + log_jacobian(u)``, a density that samplers,
    optimizers and :func:`laplace` can explore without leaving the support.
    """

    def __init__(self, logdensity, constraints):
        if not isinstance(constraints, dict):
            raise TypeError("constrain: constraints must be a dict {name: constraint}")
        self.logdensity = logdensity
        self.bijectors = {k: _bijector(v, k) for k, v in constraints.items()}

    def _keys(self, params, name):
        if not isinstance(params, dict):
            raise TypeError(f"{name}: the parameters must be a dict (the constraints name "
                            f"its entries), got {type(params).__name__}")
        missing = sorted(set(self.bijectors) - set(params))
        if missing:
            raise ValueError(f"{name}: constraints name parameters the dict lacks: {missing}")

    def to_constrained(self, u):
        """Map unconstrained parameters to the constrained ones ``logdensity`` takes.

        Leaves may carry leading axes, as the draws of a sampler ``(chains, draws, ...)`` or
        of :meth:`LaplaceResult.sample` ``(n, ...)``: each draw is mapped on its own."""
        self._keys(u, "to_constrained")
        return {k: (_forward_batched(self.bijectors[k], v) if k in self.bijectors else v)
                for k, v in u.items()}

    def to_unconstrained(self, params):
        """Map constrained parameters to unconstrained ones; values outside their declared
        support raise ``ValueError``."""
        self._keys(params, "to_unconstrained")
        out = {}
        for k, v in params.items():
            if k in self.bijectors:
                b = self.bijectors[k]
                try:  # the shape first: a stack of draws is not "outside the support"
                    b.unconstrained_shape(np.shape(v))
                except ValueError as err:
                    raise ValueError(f"parameter {k!r}: {err}; to_unconstrained takes one "
                                     "value of each parameter (map draws one at a time)"
                                     ) from None
                y = b.check(v, name=f"parameter {k!r}")
                out[k] = np.asarray(b.inverse(y), dtype=float)
            else:
                out[k] = v
        return out

    def log_jacobian(self, u):
        """The log-Jacobian added to ``logdensity``: the sum over constrained entries."""
        self._keys(u, "log_jacobian")
        total = cnp.zeros(())
        for k, b in self.bijectors.items():
            total = total + b.log_det_jacobian(u[k])
        return total

    def __call__(self, u):
        return self.logdensity(self.to_constrained(u)) + self.log_jacobian(u)

    def constrained_logdensity(self, params):
        """``logdensity(params)``, after checking that ``params`` lie in their supports."""
        self._keys(params, "constrained_logdensity")
        for k, b in self.bijectors.items():
            b.check(params[k], name=f"parameter {k!r}")
        return self.logdensity(params)

    def init(self, params=None, *, prior=None, rng=None, optimize=False, method="BFGS"):
        """A starting point in unconstrained space.

        Parameters
        ----------
        params : dict, optional
            Constrained parameters to start from (checked against their supports).
        prior : callable, optional
            ``prior(rng) -> params``: draws constrained parameters from the prior, used
            when ``params`` is not given.
        rng : int or numpy.random.Generator, optional
            Seed or generator passed to ``prior``.
        optimize : bool
            Then climb to the maximum of the unconstrained log-density with
            :func:`chainrule.optimize.minimize` from that point.

        Returns
        -------
        dict
            Unconstrained parameters.
        """
        if params is None:
            if prior is None:
                raise ValueError("init: give params or a prior sampler prior(rng)")
            params = prior(np.random.default_rng(rng))
        u = self.to_unconstrained(params)
        if not optimize:
            return u
        result = minimize(lambda v: -self(v), u, method=method)
        if not np.all(np.isfinite(ravel_params(result.x)[0])):
            raise ValueError(f"init: the optimization diverged ({result.message})")
        return result.x


def constrain(logdensity, constraints):
    """Rewrite a log-density over constrained parameters as one over unconstrained reals.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` with ``params`` a dict.
    constraints : dict
        ``{name: constraint}``: ``"positive"`` (exp), ``"softplus"``, ``"unit_interval"``
        (sigmoid), ``("interval", low, high)``, ``"simplex"`` (stick-breaking),
        ``"corr_cholesky"``, ``"real"``, or a :class:`Bijector`.  Entries not named are
        unconstrained.

    Returns
    -------
    ConstrainedLogDensity
        Callable on unconstrained parameters; ``to_constrained`` / ``to_unconstrained``
        map between the spaces and ``init`` gives a starting point.

    Examples
    --------
    An exponential density for a positive ``rate``; in ``log(rate)`` it gains the
    Jacobian ``rate``:

    >>> import numpy as np
    >>> import chainrule.numpy as cnp
    >>> from chainrule.infer import constrain
    >>> model = constrain(lambda p: -p["rate"], {"rate": "positive"})
    >>> u = model.to_unconstrained({"rate": 2.0})
    >>> bool(u["rate"] == np.log(2.0)), float(model(u))          # -2 + log 2
    (True, -1.3068528194400546)
    >>> model.to_unconstrained({"rate": -1.0})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: parameter 'rate' = -1.0 is outside its declared support ((0, inf)); ...
    """
    return ConstrainedLogDensity(logdensity, constraints)
