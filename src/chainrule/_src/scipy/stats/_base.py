"""The shared machinery of ``chainrule.scipy.stats`` distributions.

A distribution object here mirrors one of ``scipy.stats``: the same methods with the same
signatures (shape parameters positionally or by name, then ``loc`` and, for continuous
ones, ``scale``), and calling it freezes the parameters.  When no argument is traced the
method is SciPy's own (the values are SciPy's exactly).  Otherwise the standardized
formula of the family is evaluated with chainrule operations, wrapped in SciPy's generic
rules: ``x -> (x - loc) / scale``, ``logpdf - log(scale)``, ``-inf`` (or 0) outside the
support, NaN for invalid parameters (``scale <= 0``, a shape out of its domain) or NaN
input, and the support's end points for ``ppf(0)``/``ppf(1)``.

Where a value is masked (out of the support, invalid parameters), the formula is
evaluated at a harmless stand-in point so that its derivative there is exactly zero
rather than ``0 * inf = nan``.
"""

from __future__ import annotations

import functools
import numpy as np

from chainrule._src.numpy import base as cnp

from ...core import concrete_value, is_tracer
from ...lax import special as _ls
from ...numpy.fastpath import PLAIN_OR_NONE, SEQUENCE_TYPES

_SEQ = SEQUENCE_TYPES


class _LazyScipyStats:
    """``scipy.stats``, imported on first use (it takes about half a second to import, and
    ``import chainrule.scipy`` should not pay for it); names are cached once looked up."""

    def __getattr__(self, name):
        import scipy.stats
        value = getattr(scipy.stats, name)
        setattr(self, name, value)
        return value


scipy_stats = _LazyScipyStats()


def is_plain(values):
    """True when none of ``values`` is (or holds) a traced value: SciPy can take them."""
    for v in values:
        t = type(v)
        if t is np.ndarray or t in PLAIN_OR_NONE:
            continue
        if t in _SEQ and is_plain(v):
            continue
        if is_tracer(v):
            return False
        if hasattr(v, "shape") and hasattr(v, "dtype"):
            return False  # CuPy/Dask arrays go through chainrule operations
        if np.isscalar(v):
            continue
        return False
    return True


def as_float(v):
    """``v`` as an array (tracers as they are), integers promoted to float64."""
    if is_tracer(v):
        return v if np.issubdtype(v.dtype, np.inexact) else cnp.astype(v, np.float64)
    a = cnp.asarray(v)
    if is_tracer(a):
        return a if np.issubdtype(a.dtype, np.inexact) else cnp.astype(a, np.float64)
    return a if np.issubdtype(a.dtype, np.inexact) else a.astype(np.float64)


def no_derivative(x, fn, arg):
    """``x`` unchanged; a derivative with respect to it raises, naming ``arg`` of ``fn``."""
    return _ls.integer_argument(x, fn, arg)


def where(c, a, b):
    return cnp.where(c, a, b)


class nan_of:
    """NaN where ``bad``, with a NaN derivative there with respect to each traced value
    among ``vals`` (the value at invalid parameters is NaN, and so is its derivative, never
    a silent 0); ``fill(bad, out)`` puts it in place."""

    def __init__(self, *vals):
        self.traced = [v for v in vals if is_tracer(v)]

    def fill(self, bad, out):
        if not self.traced:
            return where(bad, np.nan, out)
        total = self.traced[0]
        for v in self.traced[1:]:
            total = cnp.add(total, v)
        return where(bad, cnp.multiply(total, where(bad, np.nan, 0.0)), out)


def all_conditions(conds):
    out = conds[0]
    for c in conds[1:]:
        out = cnp.logical_and(out, c)
    return out


class _Frozen:
    """A distribution with its parameters fixed, as ``scipy.stats.<dist>(*args, **kwds)``."""

    def __init__(self, dist, args, kwds):
        self.dist = dist
        self.args = args
        self.kwds = kwds

    def __repr__(self):
        return f"<frozen chainrule.scipy.stats.{self.dist.name}>"

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.dist._frozen_methods:
            raise AttributeError(name)
        method = getattr(self.dist, name)
        if name in ("mean", "var", "std", "entropy", "median"):
            return lambda: method(*self.args, **self.kwds)
        if name == "interval":
            return lambda confidence: method(confidence, *self.args, **self.kwds)
        if name == "rvs":
            return lambda size=None, random_state=None, rng=None: method(
                *self.args, size=size, random_state=random_state, rng=rng, **self.kwds)
        return lambda x: method(x, *self.args, **self.kwds)


class rv_base:
    """Parsing of SciPy's argument conventions, the fast path and freezing."""

    name = ""
    shapes = ()
    has_scale = True
    _frozen_methods = ()
    not_traced = ()  # methods SciPy computes numerically: plain arrays only

    @functools.cached_property
    def _sp(self):
        """SciPy's distribution object of the same name."""
        return getattr(scipy_stats, self.name)

    def __repr__(self):
        return f"<chainrule.scipy.stats.{self.name}>"

    def __call__(self, *args, **kwds):
        """Freeze the parameters: ``dist(*args, **kwds).logpdf(x)``."""
        self._parse(args, kwds)  # SciPy's errors for a bad parameter list, at once
        return _Frozen(self, args, kwds)

    def median(self, *args, **kwds):
        """The median, ``ppf(0.5)``."""
        if is_plain(args) and is_plain(kwds.values()):
            return self._sp.median(*args, **kwds)
        return self.ppf(0.5, *args, **kwds)

    def interval(self, confidence, *args, **kwds):
        """The interval ``(ppf((1 - c) / 2), ppf((1 + c) / 2))`` holding ``confidence``."""
        if is_plain((confidence,) + args) and is_plain(kwds.values()):
            return self._sp.interval(confidence, *args, **kwds)
        c = as_float(confidence)
        return (self.ppf(cnp.divide(cnp.subtract(1.0, c), 2.0), *args, **kwds),
                self.ppf(cnp.divide(cnp.add(1.0, c), 2.0), *args, **kwds))

    def _parse(self, args, kwds):
        """(shapes, loc, scale) from SciPy's positional/keyword conventions."""
        kwds = dict(kwds)
        names = list(self.shapes) + ["loc"] + (["scale"] if self.has_scale else [])
        if len(args) > len(names):
            raise TypeError(f"{self.name}: too many positional arguments "
                            f"(takes {', '.join(names)})")
        vals = dict(zip(names, args))
        for k in list(kwds):
            if k in vals:
                raise TypeError(f"{self.name}: got multiple values for argument '{k}'")
            if k not in names:
                raise TypeError(f"{self.name}: unexpected keyword argument '{k}'")
            vals[k] = kwds.pop(k)
        missing = [s for s in self.shapes if s not in vals]
        if missing:
            raise TypeError(f"{self.name}: missing required shape argument(s) "
                            f"{', '.join(missing)}")
        shapes = tuple(vals[s] for s in self.shapes)
        return shapes, vals.get("loc", 0), vals.get("scale", 1)

    # Hooks with generic defaults, overridden by the distributions.
    def _argcheck(self, *s):
        conds = [cnp.greater(v, 0) for v in s]
        return all_conditions(conds) if conds else True

    def _support(self, *s):
        return self.a, self.b


def _not_traced(self, name):
    return NotImplementedError(
        f"{self.name}.{name} on traced values is not provided (SciPy computes it "
        "numerically); call it with plain arrays to get SciPy's result, without derivatives")


def _method(name, doc):
    """A method that is SciPy's on plain arguments and ``self._t_<name>`` otherwise."""
    def method(self, x, *args, **kwds):
        if is_plain((x,) + args) and is_plain(kwds.values()):
            return getattr(self._sp, name)(x, *args, **kwds)
        if name in self.not_traced:
            raise _not_traced(self, name)
        shapes, loc, scale = self._parse(args, kwds)
        return getattr(self, "_t_" + name)(x, shapes, loc, scale)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _moment_method(name, doc):
    def method(self, *args, **kwds):
        if is_plain(args) and is_plain(kwds.values()):
            return getattr(self._sp, name)(*args, **kwds)
        if name in self.not_traced:
            raise _not_traced(self, name)
        shapes, loc, scale = self._parse(args, kwds)
        return getattr(self, "_t_" + name)(shapes, loc, scale)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def generator_from(random_state, rng, name):
    """``random_state`` or its SPEC 7 spelling ``rng`` (a seed or a Generator) as a
    ``numpy.random.Generator`` (or SciPy's ``RandomState``)."""
    if rng is not None:
        if random_state is not None:
            raise TypeError(f"{name}.rvs: pass random_state or rng, not both")
        random_state = rng
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    return random_state


def _rvs(self, *args, size=None, random_state=None, rng=None, **kwds):
    """Random variates, as SciPy's ``rvs`` for the same ``numpy.random.Generator`` (or
    seed; ``rng=`` is accepted for ``random_state``, SPEC 7).

    SciPy draws standardized variates and returns ``loc + scale * z``; so does this
    method, and its result is differentiable in ``loc`` and ``scale`` (the
    reparameterization gradient).  The shape parameters have no derivative here (asking
    for one raises): the variates are SciPy's for the given values.
    """
    rs = generator_from(random_state, rng, self.name)
    if is_plain(args) and is_plain(kwds.values()):
        return self._sp.rvs(*args, size=size, random_state=rs, **kwds)
    shapes, loc, scale = self._parse(args, kwds)
    concrete = []
    for n, s in zip(self.shapes, shapes):
        s = no_derivative(cnp.asarray(s), f"{self.name}.rvs", n)
        c = concrete_value(s)
        if c is None:
            raise TypeError(f"{self.name}.rvs: the shape parameter {n} must be a known "
                            "value (it is traced by jit); pass it as a static argument")
        concrete.append(np.asarray(c))
    if size is None:
        size = np.broadcast_shapes(*[np.shape(s) for s in shapes], cnp.shape(loc),
                                   *([cnp.shape(scale)] if self.has_scale else []))
    z = self._sp.rvs(*concrete, size=size, random_state=rs)
    z = np.asarray(z, dtype=float)
    out = cnp.add(z if not self.has_scale else cnp.multiply(z, scale), loc)
    return out


class rv_continuous(rv_base):
    """A continuous distribution: subclasses give the standardized formulas.

    Subclass hooks (``z`` standardized, ``s`` the shape parameters as arrays):
    ``_logpdf(z, *s)``, ``_cdf``, ``_sf``, ``_logcdf``, ``_logsf``, ``_ppf``, ``_isf``,
    ``_stats(*s) -> (mean, var)``, ``_entropy(*s)``, ``_argcheck(*s)``, ``_support(*s)``,
    ``_safe_shapes`` (a valid value per shape parameter) and ``_safe_z(*s)``.
    """

    a, b = -np.inf, np.inf
    _safe_shapes = ()
    _frozen_methods = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf",
                       "mean", "var", "std", "entropy", "median", "interval", "rvs")

    # --- hooks with generic defaults ------------------------------------------------------
    def _safe_z(self, *s):
        a, b = self._support(*s)
        if np.isfinite(a).all() if not is_tracer(a) else False:
            if np.isfinite(b).all() if not is_tracer(b) else False:
                return cnp.multiply(cnp.add(a, b), 0.5)
            return cnp.add(a, 1.0)
        if not is_tracer(b) and np.isfinite(b).all():
            return cnp.subtract(b, 1.0)
        return 0.0

    def _pdf(self, z, *s):
        return cnp.exp(self._logpdf(z, *s))

    def _median(self, *s):
        return self._ppf(0.5, *s)

    def _logcdf(self, z, *s):
        # SciPy's rule: log(cdf) below the median, log1p(-sf) above it (the stand-in
        # values keep the derivative of the branch not taken finite)
        low = cnp.less(z, self._median(*s))
        return where(low, cnp.log(where(low, self._cdf(z, *s), 0.5)),
                     cnp.log1p(cnp.negative(where(low, 0.5, self._sf(z, *s)))))

    def _logsf(self, z, *s):
        high = cnp.greater(z, self._median(*s))
        return where(high, cnp.log(where(high, self._sf(z, *s), 0.5)),
                     cnp.log1p(cnp.negative(where(high, 0.5, self._cdf(z, *s)))))

    def _sf(self, z, *s):
        return cnp.subtract(1.0, self._cdf(z, *s))

    def _isf(self, q, *s):
        return self._ppf(cnp.subtract(1.0, q), *s)

    # --- SciPy's generic wrapping --------------------------------------------------------
    def _prepare(self, shapes, loc, scale):
        shapes = tuple(as_float(v) for v in shapes)
        loc, scale = as_float(loc), as_float(scale)
        cond0 = cnp.logical_and(self._argcheck(*shapes), cnp.greater(scale, 0))
        safe = tuple(where(cond0, v, sv) for v, sv in zip(shapes, self._safe_shapes))
        scale_safe = where(cond0, scale, 1.0)
        self_nan = nan_of(*shapes, loc, scale)
        return shapes, safe, loc, scale_safe, (cond0, self_nan)

    def _density(self, x, shapes, loc, scale, log):
        x = as_float(x)
        shapes, safe, loc, scale, (cond0, nan) = self._prepare(shapes, loc, scale)
        z = cnp.divide(cnp.subtract(x, loc), scale)
        a, b = self._support(*safe)
        cond = cnp.logical_and(cond0, cnp.logical_and(cnp.greater_equal(z, a),
                                                      cnp.less_equal(z, b)))
        zs = where(cond, z, self._safe_z(*safe))
        if log:
            val = cnp.subtract(self._logpdf(zs, *safe), cnp.log(scale))
        else:
            val = cnp.divide(self._pdf(zs, *safe), scale)
        out = where(cond, val, -np.inf if log else 0.0)
        bad = cnp.logical_or(cnp.logical_not(cond0), cnp.isnan(x))
        return finish_output(nan.fill(bad, out))

    def _t_logpdf(self, x, shapes, loc, scale):
        return self._density(x, shapes, loc, scale, True)

    def _t_pdf(self, x, shapes, loc, scale):
        return self._density(x, shapes, loc, scale, False)

    def _tail(self, x, shapes, loc, scale, fn, upper, log):
        x = as_float(x)
        shapes, safe, loc, scale, (cond0, nan) = self._prepare(shapes, loc, scale)
        z = cnp.divide(cnp.subtract(x, loc), scale)
        a, b = self._support(*safe)
        inside = cnp.logical_and(cnp.greater(z, a), cnp.less(z, b))
        cond = cnp.logical_and(cond0, inside)
        zs = where(cond, z, self._safe_z(*safe))
        val = fn(zs, *safe)
        full = cnp.logical_and(cond0, cnp.less_equal(z, a) if upper
                               else cnp.greater_equal(z, b))
        one, zero = (0.0, -np.inf) if log else (1.0, 0.0)
        out = where(cond, val, where(full, one, zero))
        bad = cnp.logical_or(cnp.logical_not(cond0), cnp.isnan(x))
        return finish_output(nan.fill(bad, out))

    def _t_cdf(self, x, shapes, loc, scale):
        return self._tail(x, shapes, loc, scale, self._cdf, False, False)

    def _t_logcdf(self, x, shapes, loc, scale):
        return self._tail(x, shapes, loc, scale, self._logcdf, False, True)

    def _t_sf(self, x, shapes, loc, scale):
        return self._tail(x, shapes, loc, scale, self._sf, True, False)

    def _t_logsf(self, x, shapes, loc, scale):
        return self._tail(x, shapes, loc, scale, self._logsf, True, True)

    def _quantile(self, q, shapes, loc, scale, fn, upper):
        q = as_float(q)
        shapes, safe, loc, scale, (cond0, nan) = self._prepare(shapes, loc, scale)
        cond0 = cnp.logical_and(cond0, cnp.equal(loc, loc))
        inside = cnp.logical_and(cnp.greater(q, 0), cnp.less(q, 1))
        cond = cnp.logical_and(cond0, inside)
        qs = where(cond, q, 0.5)
        val = cnp.add(cnp.multiply(fn(qs, *safe), scale), loc)
        a, b = self._support(*safe)
        lo, hi = _edge(a, scale, loc), _edge(b, scale, loc)
        at0, at1 = (hi, lo) if upper else (lo, hi)
        out = nan.fill(cnp.logical_not(cond0), where(cond, val, np.nan))
        out = where(cnp.logical_and(cond0, cnp.equal(q, 0)), at0, out)
        out = where(cnp.logical_and(cond0, cnp.equal(q, 1)), at1, out)
        return finish_output(out)

    def _t_ppf(self, q, shapes, loc, scale):
        return self._quantile(q, shapes, loc, scale, self._ppf, False)

    def _t_isf(self, q, shapes, loc, scale):
        return self._quantile(q, shapes, loc, scale, self._isf, True)

    def _moment(self, shapes, loc, scale, which):
        shapes, safe, loc, scale_safe, (cond0, nan) = self._prepare(shapes, loc, scale)
        mean, var = self._stats(*safe) if which != "entropy" else (None, None)
        if which == "mean":
            val = cnp.add(cnp.multiply(mean, scale_safe), loc)
        elif which == "var":
            val = cnp.multiply(var, cnp.square(scale_safe))
        elif which == "std":
            val = cnp.multiply(cnp.sqrt(var), scale_safe)
        else:
            val = cnp.add(self._entropy(*safe), cnp.log(scale_safe))
        val = cnp.add(val, cnp.zeros_like(cnp.add(loc, scale_safe)))
        return finish_output(nan.fill(cnp.logical_not(cond0), val))

    def _t_mean(self, shapes, loc, scale):
        return self._moment(shapes, loc, scale, "mean")

    def _t_var(self, shapes, loc, scale):
        return self._moment(shapes, loc, scale, "var")

    def _t_std(self, shapes, loc, scale):
        return self._moment(shapes, loc, scale, "std")

    def _t_entropy(self, shapes, loc, scale):
        return self._moment(shapes, loc, scale, "entropy")

    logpdf = _method("logpdf", "Log of the probability density function at ``x``.")
    pdf = _method("pdf", "Probability density function at ``x``.")
    cdf = _method("cdf", "Cumulative distribution function at ``x``.")
    logcdf = _method("logcdf", "Log of the cumulative distribution function at ``x``.")
    sf = _method("sf", "Survival function ``1 - cdf`` at ``x``.")
    logsf = _method("logsf", "Log of the survival function at ``x``.")
    ppf = _method("ppf", "Percent point function (inverse of ``cdf``) at ``q``.")
    isf = _method("isf", "Inverse survival function at ``q``.")
    mean = _moment_method("mean", "Mean of the distribution.")
    var = _moment_method("var", "Variance of the distribution.")
    std = _moment_method("std", "Standard deviation of the distribution.")
    entropy = _moment_method("entropy", "Differential entropy of the distribution.")
    rvs = _rvs


def _edge(e, scale, loc):
    """``e * scale + loc`` for an end of the support (infinite ends stay as they are, with
    no ``0 * inf`` in the derivative)."""
    if not is_tracer(e) and np.all(np.isinf(e)):
        return e
    fin = cnp.isfinite(e)
    return where(fin, cnp.add(cnp.multiply(where(fin, e, 0.0), scale), loc), e)


def finish_output(out):
    """0-d results as NumPy scalars, as SciPy returns them (tracers as they are)."""
    if is_tracer(out):
        return out
    out = np.asarray(out)
    return out[()] if out.ndim == 0 else out


class rv_discrete(rv_base):
    """A discrete distribution on the integers: subclasses give ``_logpmf(k, *s)``,
    ``_cdf(k, *s)`` and ``_sf(k, *s)`` (``k`` an integer value, as float), ``_stats``,
    ``_argcheck``, ``_support`` and ``_safe_shapes``.

    The count ``k``, ``loc`` and integer parameters (``n`` of ``binom``) have no derivative:
    asking for one raises an error naming the argument.  A non-integer ``k`` has
    probability 0, as in SciPy.
    """

    has_scale = False
    a, b = 0, np.inf
    _safe_shapes = ()
    _integer_shapes = ()
    _frozen_methods = ("logpmf", "pmf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf",
                       "mean", "var", "std", "entropy", "median", "interval", "rvs")

    def _safe_k(self, *s):
        return float(self.a)

    def _pmf(self, k, *s):
        return cnp.exp(self._logpmf(k, *s))

    def _prepare(self, shapes, loc, method):
        out = []
        for n, v in zip(self.shapes, shapes):
            v = as_float(v)
            if n in self._integer_shapes:
                v = no_derivative(v, f"{self.name}.{method}", n)
            out.append(v)
        shapes = tuple(out)
        loc = no_derivative(as_float(loc), f"{self.name}.{method}", "loc")
        cond0 = self._argcheck(*shapes)
        cond0 = cnp.logical_and(cond0, cnp.equal(loc, loc))
        safe = tuple(where(cond0, v, sv) for v, sv in zip(shapes, self._safe_shapes))
        return shapes, safe, loc, (cond0, nan_of(*shapes))

    def _t_mass(self, k, shapes, loc, log, method):
        k = no_derivative(as_float(k), f"{self.name}.{method}", "k")
        shapes, safe, loc, (cond0, nan) = self._prepare(shapes, loc, method)
        k = cnp.subtract(k, loc)
        a, b = self._support(*safe)
        cond1 = all_conditions([cnp.greater_equal(k, a), cnp.less_equal(k, b),
                      cnp.equal(cnp.floor(k), k)])
        cond = cnp.logical_and(cond0, cond1)
        ks = where(cond, k, self._safe_k(*safe))
        val = self._logpmf(ks, *safe) if log else cnp.clip(self._pmf(ks, *safe), 0, 1)
        out = where(cond, val, -np.inf if log else 0.0)
        bad = cnp.logical_or(cnp.logical_not(cond0), cnp.isnan(k))
        return finish_output(nan.fill(bad, out))

    def _t_logpmf(self, k, shapes, loc, scale):
        return self._t_mass(k, shapes, loc, True, "logpmf")

    def _t_pmf(self, k, shapes, loc, scale):
        return self._t_mass(k, shapes, loc, False, "pmf")

    def _t_tail(self, k, shapes, loc, upper, log, method):
        k = no_derivative(as_float(k), f"{self.name}.{method}", "k")
        shapes, safe, loc, (cond0, nan) = self._prepare(shapes, loc, method)
        k = cnp.floor(cnp.subtract(k, loc))
        a, b = self._support(*safe)
        cond1 = cnp.logical_and(cnp.greater_equal(k, a), cnp.less(k, b))
        cond = all_conditions([cond0, cond1, cnp.isfinite(k)])
        ks = where(cond, k, self._safe_k(*safe))
        if upper:
            val = self._logsf(ks, *safe) if log else self._sf(ks, *safe)
            full = cnp.logical_and(cnp.logical_or(cnp.less(k, a), cnp.isneginf(k)), cond0)
        else:
            val = self._logcdf(ks, *safe) if log else self._cdf(ks, *safe)
            full = cnp.logical_and(cnp.greater_equal(k, b), cond0)
        one, zero = (0.0, -np.inf) if log else (1.0, 0.0)
        out = where(cond, val, where(full, one, zero))
        bad = cnp.logical_or(cnp.logical_not(cond0), cnp.isnan(k))
        out = nan.fill(bad, out)
        if log and not upper:
            # SciPy gives 0 at and above the top of the support even for invalid
            # parameters (its bound from the raw parameters)
            out = where(cnp.greater_equal(k, self._support(*shapes)[1]), 0.0, out)
        return finish_output(out)

    def _logcdf(self, k, *s):
        return cnp.log(self._cdf(k, *s))

    def _logsf(self, k, *s):
        return cnp.log(self._sf(k, *s))

    def _t_cdf(self, k, shapes, loc, scale):
        return self._t_tail(k, shapes, loc, False, False, "cdf")

    def _t_logcdf(self, k, shapes, loc, scale):
        return self._t_tail(k, shapes, loc, False, True, "logcdf")

    def _t_sf(self, k, shapes, loc, scale):
        return self._t_tail(k, shapes, loc, True, False, "sf")

    def _t_logsf(self, k, shapes, loc, scale):
        return self._t_tail(k, shapes, loc, True, True, "logsf")

    def _t_quantile(self, q, shapes, loc, method):
        # A step function of q and of the parameters: SciPy's values, derivative zero
        # everywhere it exists.  Needs known values (not available under jit).
        vals = [concrete_value(as_float(v)) for v in (q, *shapes, loc)]
        if any(v is None for v in vals):
            raise TypeError(f"{self.name}.{method} needs known values: it is a step "
                            "function computed by SciPy; call it outside jit")
        no_derivative(as_float(q), f"{self.name}.{method}", "q")
        return getattr(self._sp, method)(*vals)

    def _t_ppf(self, q, shapes, loc, scale):
        return self._t_quantile(q, shapes, loc, "ppf")

    def _t_isf(self, q, shapes, loc, scale):
        return self._t_quantile(q, shapes, loc, "isf")

    def _moment(self, shapes, loc, which):
        shapes, safe, loc, (cond0, nan) = self._prepare(shapes, loc, which)
        if which == "entropy":
            val = self._entropy_of(shapes, safe)
        else:
            mean, var = self._stats(*safe)
            val = {"mean": lambda: cnp.add(mean, loc), "var": lambda: var,
                   "std": lambda: cnp.sqrt(var)}[which]()
        val = cnp.add(val, cnp.zeros_like(loc))
        return finish_output(nan.fill(cnp.logical_not(cond0), val))

    def _entropy_of(self, shapes, safe):
        return self._entropy(*safe)

    def _entropy(self, *s):
        raise NotImplementedError(
            f"{self.name}.entropy has no differentiable form here (SciPy sums the series); "
            "call it with plain values")

    def _t_mean(self, shapes, loc, scale):
        return self._moment(shapes, loc, "mean")

    def _t_var(self, shapes, loc, scale):
        return self._moment(shapes, loc, "var")

    def _t_std(self, shapes, loc, scale):
        return self._moment(shapes, loc, "std")

    def _t_entropy(self, shapes, loc, scale):
        return self._moment(shapes, loc, "entropy")

    logpmf = _method("logpmf", "Log of the probability mass function at ``k``.")
    pmf = _method("pmf", "Probability mass function at ``k``.")
    cdf = _method("cdf", "Cumulative distribution function at ``k``.")
    logcdf = _method("logcdf", "Log of the cumulative distribution function at ``k``.")
    sf = _method("sf", "Survival function ``1 - cdf`` at ``k``.")
    logsf = _method("logsf", "Log of the survival function at ``k``.")
    ppf = _method("ppf", "Percent point function (inverse of ``cdf``) at ``q``.")
    isf = _method("isf", "Inverse survival function at ``q``.")
    mean = _moment_method("mean", "Mean of the distribution.")
    var = _moment_method("var", "Variance of the distribution.")
    std = _moment_method("std", "Standard deviation of the distribution.")
    entropy = _moment_method("entropy", "Entropy of the distribution.")

    def rvs(self, *args, size=None, random_state=None, rng=None, **kwds):
        """Random variates: SciPy's, for the same ``numpy.random.Generator`` (or seed;
        ``rng=`` is accepted for ``random_state``).  Integers have no derivative; the
        parameters must be plain or known values."""
        rs = generator_from(random_state, rng, self.name)
        if not (is_plain(args) and is_plain(kwds.values())):
            args = tuple(concrete_value(cnp.asarray(a)) for a in args)
            kwds = {k: concrete_value(cnp.asarray(v)) for k, v in kwds.items()}
            if any(v is None for v in (*args, *kwds.values())):
                raise TypeError(f"{self.name}.rvs needs known parameter values; call it "
                                "outside jit")
        return self._sp.rvs(*args, size=size, random_state=rs, **kwds)
