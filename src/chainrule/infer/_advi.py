"""Automatic differentiation variational inference (ADVI): a Gaussian fitted by maximizing a
stochastic estimate of the evidence lower bound, with reparameterized draws."""

from __future__ import annotations

import math

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import optim
from chainrule import random as crandom

from ._hmc import make_key
from ._ravel import check_continuous, FlatGaussian, param_labels, ravel_params
from ._transforms import ConstrainedLogDensity

__all__ = ["ADVIResult", "advi"]


class ADVIResult(FlatGaussian):
    """The Gaussian ``Normal(mean, cov)`` that :func:`advi` fits.

    Attributes
    ----------
    mean : pytree
        The mean of the approximation, with the structure of ``init``.
    cov : ndarray, shape (n, n)
        Its covariance, in :func:`ravel_params` order (diagonal for ``"meanfield"``).
    scale_tril : ndarray, shape (n, n)
        The lower-triangular factor ``L`` with ``cov = L @ L.T``.
    elbo : ndarray, shape (num_steps,)
        The ELBO estimate at each optimization step (before its update), a lower bound on the
        log evidence (log of the integral of ``exp(logdensity)``) up to Monte-Carlo error.
    family : str
    labels : list of str
        Names of the flat parameters (:func:`param_labels`).
    unravel : callable
        Flat vector (or stack of them) to the pytree.
    """

    def __init__(self, mean_flat, scale_tril, elbo, family, unravel, labels, logdensity):
        self.mean_flat, self.scale_tril = mean_flat, scale_tril
        self.cov = scale_tril @ scale_tril.T
        self.elbo, self.family = elbo, family
        self.unravel, self.labels = unravel, labels
        self._logdensity = logdensity

    def sample(self, n, rng=None, *, constrained=False):
        """``n`` draws from the approximation, as a pytree whose leaves have a leading axis
        ``n``.

        ``rng`` is a seed or a ``numpy.random.Generator``.  With ``constrained=True`` (for a
        log-density made by :func:`constrain`) the draws are mapped to the constrained
        parameters.
        """
        z = np.random.default_rng(rng).standard_normal((int(n), self.mean_flat.size))
        draws = self.unravel(self.mean_flat + z @ self.scale_tril.T)
        if constrained:
            if not isinstance(self._logdensity, ConstrainedLogDensity):
                raise ValueError("sample(constrained=True) needs a log-density made by "
                                 "infer.constrain; this one has no constrained space")
            draws = {k: np.asarray(v) for k, v in
                     self._logdensity.to_constrained(draws).items()}
        return draws

    def __repr__(self):
        return (f"ADVIResult(family={self.family!r}, n_params={self.mean_flat.size}, "
                f"elbo={float(np.mean(self.elbo[-max(1, len(self.elbo) // 10):])):.6g})")


def _scale_tril(vparams, family):
    if family == "meanfield":
        return cnp.diag(cnp.exp(vparams["log_scale"]))
    return cnp.tril(vparams["tril"], -1) + cnp.diag(cnp.exp(vparams["log_scale"]))


def advi(logdensity, init, *, family="meanfield", num_steps=2000, optimizer=None,
         num_particles=8, init_scale=0.1, rng=None):
    """Fit a Gaussian to ``exp(logdensity)`` by stochastic maximization of the ELBO.

    The ELBO, ``E_q[logdensity(θ) - log q(θ)]``, is estimated with ``num_particles`` draws
    ``θ = mean + L ε``, ``ε ~ N(0, I)`` (the reparameterization trick), and differentiated
    along the draws only ("sticking the landing", Roeder et al. 2017: ``log q`` is evaluated
    with the variational parameters held fixed), a gradient whose noise vanishes when ``q``
    matches the target.  Each optimization step (draws, ELBO, gradient, optimizer update)
    is one function compiled with :func:`chainrule.jit`.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar`` (an unnormalized log-posterior over real
        parameters), written with ``chainrule.numpy``.  For constrained parameters pass the
        output of :func:`constrain`; the Gaussian then lives in unconstrained space
        (``result.sample(n, constrained=True)`` maps draws back).
    init : pytree of array_like
        The initial mean; fixes the structure of ``mean``.
    family : {"meanfield", "fullrank"}
        A diagonal covariance (Kucukelbir et al. 2017, mean-field ADVI), or a dense one
        through its Cholesky factor (full-rank ADVI).  Mean-field underestimates the
        variances of correlated posteriors: for a Gaussian target of precision ``P`` it
        converges to the variances ``1 / diag(P)``.
    num_steps : int
        Optimization steps.
    optimizer : chainrule.optim.GradientTransformation, optional
        Default: ``optim.adam`` with a cosine decay of the learning rate from 0.05 to 0.001
        over ``num_steps``, so that the last iterates settle.
    num_particles : int
        Draws per ELBO estimate.
    init_scale : float
        Initial standard deviation of every coordinate.
    rng : int, key, numpy.random.Generator or None
        Seed; the same value gives the same fit.

    Returns
    -------
    ADVIResult
        ``.mean``, ``.cov``, ``.std``, ``.elbo`` (history), ``.sample(n, rng=)``.

    Examples
    --------
    A Gaussian target is recovered by the full-rank family:

    >>> import numpy as np
    >>> import chainrule.numpy as cnp
    >>> from chainrule import infer
    >>> prec = np.array([[2.0, 0.8], [0.8, 1.0]])
    >>> def logdensity(p):
    ...     d = p["x"] - np.array([1.0, -1.0])
    ...     return -0.5 * cnp.sum(d * cnp.matmul(prec, d))
    >>> fit = infer.advi(logdensity, {"x": np.zeros(2)}, family="fullrank", rng=0)
    >>> bool(np.allclose(fit.mean["x"], [1.0, -1.0], atol=0.05))
    True
    >>> bool(np.allclose(fit.cov, np.linalg.inv(prec), atol=0.1))
    True
    """
    if family not in ("meanfield", "fullrank"):
        raise ValueError(f"advi: family must be 'meanfield' or 'fullrank', got {family!r}")
    num_steps, num_particles = int(num_steps), int(num_particles)
    if num_steps < 1 or num_particles < 1:
        raise ValueError("advi: num_steps and num_particles must be >= 1")
    if not init_scale > 0:
        raise ValueError(f"advi: init_scale must be positive, got {init_scale!r}")
    check_continuous(init)
    flat0, unravel = ravel_params(init)
    n = flat0.size
    if n == 0:
        raise ValueError("advi: init has no parameters")
    if optimizer is None:
        optimizer = optim.adam(optim.cosine_decay_schedule(0.05, num_steps, alpha=0.02))
    if not isinstance(optimizer, optim.GradientTransformation):
        raise TypeError(f"advi: optimizer must be a chainrule.optim GradientTransformation "
                        f"(e.g. optim.adam(0.01)), got {type(optimizer).__name__}")

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        value0 = np.asarray(logdensity(unravel(flat0)), dtype=float)
    if value0.shape != ():
        raise ValueError(f"advi: logdensity must return a scalar, got shape {value0.shape}")
    if not np.isfinite(value0):
        raise ValueError(f"advi: logdensity is {value0} at init "
                         f"({dict(zip(param_labels(init), flat0.tolist()))}); start inside "
                         "the support of the model")

    vparams = {"mean": flat0.copy(), "log_scale": np.full(n, math.log(init_scale))}
    if family == "fullrank":
        vparams["tril"] = np.zeros((n, n))
    key = make_key(rng)
    batch_logp = cr.vmap(lambda z: logdensity(unravel(z)))

    def negative_elbo(vp, step):
        eps = crandom.normal(crandom.fold_in(key, step), (num_particles, n))
        if family == "meanfield":   # L diagonal: no n x n matrix
            z = vp["mean"] + eps * cnp.exp(vp["log_scale"])
        else:
            z = vp["mean"] + cnp.matmul(eps, _scale_tril(vp, family).T)
        # "Sticking the landing" (Roeder, Wu & Duvenaud 2017): log q(z) with the variational
        # parameters held constant, so only the path derivative through z remains.  Its
        # value is the usual ELBO estimate; its gradient has no score-function term, whose
        # variance does not vanish at the optimum, so the fit settles where q = p exactly.
        fixed = cr.tree_util.tree_map(cr.stop_gradient, vp)
        # L_fixed^-1 (z - mean_fixed) has the value eps and the derivative L^-1 dz: written
        # as eps + L^-1 (z - z_fixed), with no triangular solve of the particles.
        dz = z - cr.stop_gradient(z)
        if family == "meanfield":
            white = eps + dz / cnp.exp(fixed["log_scale"])
        else:
            white = eps + cnp.matmul(dz, cnp.linalg.inv(_scale_tril(fixed, family)).T)
        log_q = (-0.5 * cnp.sum(white ** 2, axis=1) - cnp.sum(fixed["log_scale"])
                 - 0.5 * n * math.log(2.0 * math.pi))
        return -cnp.mean(batch_logp(z) - log_q)

    value_and_grad = cr.value_and_grad(negative_elbo)

    @cr.jit
    def update(vp, state, step):
        loss, grads = value_and_grad(vp, step)
        updates, state = optimizer.update(grads, state, vp)
        return loss, optim.apply_updates(vp, updates), state

    state = optimizer.init(vparams)
    history = np.empty(num_steps)
    for i in range(num_steps):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            loss, new_vparams, state = update(vparams, state, np.int64(i))
        loss = float(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"advi: the ELBO estimate is {-loss} at step {i}: a draw of the approximation "
                "reached a point where logdensity is not finite. Constrain bounded parameters "
                "with infer.constrain, lower the learning rate or init_scale, or start "
                "closer to the mode.")
        history[i] = -loss
        vparams = new_vparams
    L = np.asarray(_scale_tril(vparams, family), dtype=float)
    return ADVIResult(np.asarray(vparams["mean"], dtype=float), L, history, family,
                      unravel, param_labels(init), logdensity)
