"""Information matrices: Fisher information of Gaussian data models, observed information,
Cramér–Rao bounds, marginalizing, fixing and combining experiments."""

from __future__ import annotations

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp

from ._ravel import ravel_params

__all__ = ["combine", "cramer_rao", "fisher_information", "fix", "marginalize",
           "observed_information"]


def _flat_vector(x):
    return cnp.reshape(cnp.asarray(x), (-1,))


def _noise_kind(sigma, data_shape, m, name):
    """Classify a noise value: ``"std"`` (broadcast to the data) or ``"cov"`` (m × m)."""
    s = np.shape(sigma)
    if len(s) == 2 and s == (m, m) and (data_shape != (m, m) or m == 1):
        return "cov"
    try:
        np.broadcast_shapes(s, data_shape)
    except ValueError:
        raise ValueError(
            f"{name}: sigma has shape {s}; it must be a scalar or standard deviations "
            f"broadcastable to the model's output shape {data_shape}, or a covariance matrix "
            f"of shape ({m}, {m}) for the {m} flattened data points") from None
    if np.broadcast_shapes(s, data_shape) != data_shape:
        raise ValueError(f"{name}: sigma of shape {s} would broadcast the model's output "
                         f"shape {data_shape} to a larger one")
    return "std"


def _check_noise(value, kind, name):
    value = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{name}: sigma contains non-finite values")
    if kind == "std":
        if np.any(value <= 0):
            raise ValueError(f"{name}: standard deviations must be positive (got minimum "
                             f"{value.min()}); a zero error bar means infinite information")
        return
    if not np.allclose(value, value.T, rtol=1e-10, atol=0):
        raise ValueError(f"{name}: the covariance matrix is not symmetric")
    try:
        np.linalg.cholesky(value)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name}: the covariance matrix is not positive definite") from None


def fisher_information(model_fn, params, sigma, *, jac_mode="auto"):
    r"""Fisher information of data ``d ~ Normal(model_fn(params), Σ)``.

    With ``J = ∂ model_fn / ∂ params`` (exact, by automatic differentiation)::

        F = Jᵀ Σ⁻¹ J  +  ½ tr(Σ⁻¹ ∂ᵢΣ Σ⁻¹ ∂ⱼΣ)

    where the second term is present only when Σ depends on the parameters (``sigma``
    a callable).

    Parameters
    ----------
    model_fn : callable
        ``model_fn(params) -> array``: the mean of the data, written with
        ``chainrule.numpy``.  Its output is flattened (C order).
    params : pytree of array_like
        The fiducial parameters at which the information is evaluated.
    sigma : float, array_like or callable
        The noise: a scalar standard deviation; standard deviations broadcastable to the
        output of ``model_fn`` (independent noise); or a covariance matrix of shape
        ``(m, m)`` for the ``m`` flattened data points.  A callable ``sigma(params)``
        returning any of these makes the noise depend on the parameters, and adds the
        trace term.
    jac_mode : {"auto", "fwd", "rev"}
        How :func:`chainrule.jacobian` computes the Jacobians.

    Returns
    -------
    ndarray, shape (n, n)
        Rows and columns in the order of :func:`ravel_params` (``param_labels`` names
        them).

    Examples
    --------
    A straight line ``a + b x`` measured with noise 0.5 at five points:

    >>> import numpy as np
    >>> from chainrule.infer import fisher_information
    >>> x = np.arange(5.0)
    >>> F = fisher_information(lambda p: p["a"] + p["b"] * x, {"a": 1.0, "b": 2.0}, 0.5)
    >>> F                                     # 4 Σ [1, x; x, x²]
    array([[ 20.,  40.],
           [ 40., 120.]])
    """
    name = "fisher_information"
    flat, unravel = ravel_params(params)
    n = flat.size
    if n == 0:
        raise ValueError(f"{name}: params has no entries")

    def mean(theta):
        return _flat_vector(model_fn(unravel(theta)))

    out = np.asarray(model_fn(params))
    data_shape, m = out.shape, out.size
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name}: model_fn(params) is not finite at the fiducial parameters")
    J = np.asarray(cr.jacobian(mean, mode=jac_mode)(flat), dtype=float).reshape(m, n)

    dependent = callable(sigma)
    value = np.asarray(sigma(params) if dependent else sigma, dtype=float)
    kind = _noise_kind(value, data_shape, m, name)
    _check_noise(value, kind, name)

    if kind == "std":
        std = np.broadcast_to(value, data_shape).reshape(m)
        W = J / std[:, None]
        F = W.T @ W
    else:
        L = np.linalg.cholesky(value)
        W = np.linalg.solve(L, J)
        F = W.T @ W

    if dependent:
        if kind == "std":
            def noise(theta):
                s = cnp.broadcast_to(cnp.asarray(sigma(unravel(theta))), data_shape)
                return cnp.reshape(s, (-1,))
            dS = np.asarray(cr.jacobian(noise, mode=jac_mode)(flat), dtype=float).reshape(m, n)
            # Σ = diag(s²): ½ tr(Σ⁻¹∂ᵢΣ Σ⁻¹∂ⱼΣ) = 2 Σₖ ∂ᵢsₖ ∂ⱼsₖ / sₖ²
            G = dS / std[:, None]
            F = F + 2.0 * G.T @ G
        else:
            def noise(theta):
                return cnp.asarray(sigma(unravel(theta)))
            dC = np.asarray(cr.jacobian(noise, mode=jac_mode)(flat), dtype=float)
            dC = dC.reshape(m, m, n)
            A = np.stack([np.linalg.solve(value, dC[:, :, i]) for i in range(n)])  # Σ⁻¹∂ᵢΣ
            F = F + 0.5 * np.einsum("iab,jba->ij", A, A)
    return 0.5 * (F + F.T)


def observed_information(logdensity, params):
    """The observed information: minus the Hessian of ``logdensity`` at ``params``.

    Parameters
    ----------
    logdensity : callable
        ``logdensity(params) -> scalar``, written with ``chainrule.numpy``.
    params : pytree of array_like

    Returns
    -------
    ndarray, shape (n, n)
        Exact (automatic differentiation), in :func:`ravel_params` order.

    Examples
    --------
    >>> import chainrule.numpy as cnp
    >>> from chainrule.infer import observed_information
    >>> observed_information(lambda p: -0.5 * cnp.sum(p ** 2 / cnp.array([1.0, 4.0])),
    ...                      cnp.zeros(2))
    array([[1.  , 0.  ],
           [0.  , 0.25]])
    """
    flat, unravel = ravel_params(params)

    def f(theta):
        return logdensity(unravel(theta))

    value = np.asarray(f(flat))
    if value.shape != ():
        raise ValueError(f"observed_information: logdensity must return a scalar, got shape "
                         f"{value.shape}")
    H = np.asarray(cr.hessian(f)(flat), dtype=float).reshape(flat.size, flat.size)
    return -0.5 * (H + H.T) + 0.0  # + 0.0 turns the -0.0 of zero entries into 0.0


def _square(F, name):
    F = np.asarray(F, dtype=float)
    if F.ndim != 2 or F.shape[0] != F.shape[1]:
        raise ValueError(f"{name}: expected a square matrix, got shape {F.shape}")
    return F


def _inverse(F, name):
    eig = np.linalg.eigvalsh(F)
    if not eig[0] > F.shape[0] * np.finfo(float).eps * np.abs(eig).max():
        raise ValueError(
            f"{name}: the information matrix is not positive definite, so some combination "
            "of parameters is not constrained by the data. Fix or add a prior on the "
            "degenerate parameters (fix(...), or add a diagonal prior matrix with "
            "combine(...)).")
    C = np.linalg.inv(F)
    return 0.5 * (C + C.T)


def cramer_rao(F, unravel=None):
    """Cramér–Rao lower bounds: the smallest standard deviation an unbiased estimator of
    each parameter can have, ``sqrt(diag(F⁻¹))`` (marginalized over the others).

    Parameters
    ----------
    F : array_like, shape (n, n)
        A Fisher matrix.
    unravel : callable, optional
        The ``unravel`` of :func:`ravel_params`: the bounds come back with the structure
        of the parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import cramer_rao
    >>> cramer_rao(np.array([[4.0, 0.0], [0.0, 0.25]]))
    array([0.5, 2. ])
    """
    F = _square(F, "cramer_rao")
    bounds = np.sqrt(np.diag(_inverse(F, "cramer_rao")))
    return unravel(bounds) if unravel is not None else bounds


def _indices(which, n, labels, name):
    if isinstance(which, (str, int, np.integer)):
        which = [which]
    out = []
    for w in which:
        if isinstance(w, str):
            if labels is None or w not in labels:
                raise ValueError(f"{name}: unknown parameter {w!r}" + (
                    "; pass labels=param_labels(params) to name parameters"
                    if labels is None else f"; the parameters are {list(labels)}"))
            out.append(list(labels).index(w))
        else:
            i = int(w)
            if not -n <= i < n:
                raise ValueError(f"{name}: index {i} is out of range for {n} parameters")
            out.append(i % n)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: a parameter is listed twice")
    if len(out) == n:
        raise ValueError(f"{name}: that would leave no parameter")
    return out


def marginalize(F, over, labels=None):
    """The Fisher matrix of the other parameters when those in ``over`` are marginalized.

    Computed as ``inv(inv(F)[keep, keep])``: the covariance of the kept parameters is the
    sub-block of the full covariance.

    Parameters
    ----------
    F : array_like, shape (n, n)
    over : int, str or sequence of them
        The parameters to marginalize over (positions, or names from ``labels``).
    labels : sequence of str, optional
        Names of the parameters (:func:`param_labels`), to allow names in ``over``.

    Returns
    -------
    ndarray
        The Fisher matrix of the remaining parameters, in their original order.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import marginalize
    >>> F = np.array([[2.0, 1.0], [1.0, 1.0]])
    >>> marginalize(F, 1)                      # 2 - 1·1/1
    array([[1.]])
    """
    F = _square(F, "marginalize")
    drop = _indices(over, F.shape[0], labels, "marginalize")
    keep = [i for i in range(F.shape[0]) if i not in drop]
    C = _inverse(F, "marginalize")
    return _inverse(C[np.ix_(keep, keep)], "marginalize")


def fix(F, fixed, labels=None):
    """The Fisher matrix of the other parameters when those in ``fixed`` are known exactly.

    Fixing a parameter removes its row and column (``F[keep, keep]``).

    Parameters
    ----------
    F : array_like, shape (n, n)
    fixed : int, str or sequence of them
        The parameters held fixed (positions, or names from ``labels``).
    labels : sequence of str, optional

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import fix
    >>> fix(np.array([[2.0, 1.0], [1.0, 1.0]]), 1)
    array([[2.]])
    """
    F = _square(F, "fix")
    drop = _indices(fixed, F.shape[0], labels, "fix")
    keep = [i for i in range(F.shape[0]) if i not in drop]
    return F[np.ix_(keep, keep)].copy()


def combine(*matrices):
    """Combine independent experiments: their Fisher matrices add.

    A Gaussian prior with standard deviations ``s`` enters as ``np.diag(1 / s**2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from chainrule.infer import combine
    >>> combine(np.eye(2), np.diag([1.0, 3.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if not matrices:
        raise ValueError("combine: give at least one Fisher matrix")
    mats = [_square(F, "combine") for F in matrices]
    if len({F.shape for F in mats}) != 1:
        raise ValueError(f"combine: the matrices have different shapes "
                         f"{[F.shape for F in mats]}; they must describe the same parameters "
                         "in the same order (pad a missing parameter with zeros)")
    return sum(mats[1:], mats[0].copy())
