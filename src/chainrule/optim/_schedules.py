"""Learning-rate schedules: functions ``step -> value`` usable wherever a rate is expected.

``step`` counts the updates already made: the first update uses ``schedule(0)``.  The
schedules are written with ``chainrule.numpy``, so they work on a traced step too (under
``jit`` or ``vmap``, as inside a compiled optimizer update); on a plain number they return
a plain float.
"""

from __future__ import annotations

import numpy as np

import chainrule.numpy as cnp

__all__ = ["constant_schedule", "linear_schedule", "exponential_decay", "cosine_decay_schedule",
           "warmup_cosine_decay_schedule", "piecewise_constant_schedule", "constant",
           "warmup_cosine_decay", "piecewise_constant"]


def _out(v):
    if not isinstance(v, (np.ndarray, np.generic, float, int)):
        return v  # traced (under jit or vmap): stays an array value
    v = np.asarray(v, dtype=float)
    return float(v) if v.ndim == 0 else v


def _float(step):
    return cnp.asarray(step, dtype=float)


def _check_steps(n, name, what="transition_steps"):
    if not (isinstance(n, (int, np.integer)) and n > 0):
        raise ValueError(f"{name}: {what} must be a positive integer, got {n!r}")


def constant_schedule(value):
    """``schedule(step) = value``.

    Examples
    --------
    >>> from chainrule.optim import constant_schedule
    >>> constant_schedule(0.1)(1000)
    0.1
    """
    value = float(value)
    return lambda step: _out(cnp.zeros_like(_float(step)) + value)


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    """Linear from ``init_value`` (until ``transition_begin``) to ``end_value``.

    ``value = init + (end - init) * clip((step - begin) / transition_steps, 0, 1)``.

    Examples
    --------
    >>> from chainrule.optim import linear_schedule
    >>> s = linear_schedule(1.0, 0.0, transition_steps=10)
    >>> s(0), s(5), s(20)
    (1.0, 0.5, 0.0)
    """
    _check_steps(transition_steps, "linear_schedule")

    def schedule(step):
        frac = cnp.clip((_float(step) - transition_begin) / transition_steps, 0, 1)
        return _out(init_value + (end_value - init_value) * frac)
    return schedule


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
                      staircase=False, end_value=None):
    """``value = init_value * decay_rate ** ((step - transition_begin) / transition_steps)``.

    Constant ``init_value`` before ``transition_begin``.  With ``staircase=True`` the
    exponent is rounded down (the rate drops every ``transition_steps`` steps).
    ``end_value`` bounds the result (from below when decaying, from above when growing).

    Examples
    --------
    >>> from chainrule.optim import exponential_decay
    >>> s = exponential_decay(1.0, transition_steps=10, decay_rate=0.5)
    >>> s(0), s(10), s(20), s(5)
    (1.0, 0.5, 0.25, 0.7071067811865476)
    >>> exponential_decay(1.0, 10, 0.5, staircase=True)(15)
    0.5
    """
    _check_steps(transition_steps, "exponential_decay")
    if decay_rate <= 0:
        raise ValueError(f"exponential_decay: decay_rate must be positive, got {decay_rate}")

    def schedule(step):
        rate = cnp.maximum(_float(step) - transition_begin, 0) / transition_steps
        if staircase:
            rate = cnp.floor(rate)
        v = init_value * decay_rate ** rate
        if end_value is not None:
            v = cnp.maximum(v, end_value) if decay_rate < 1 else cnp.minimum(v, end_value)
        return _out(v)
    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    """Cosine decay from ``init_value`` to ``alpha * init_value`` over ``decay_steps``.

    ``value = init * ((1 - alpha) * c ** exponent + alpha)`` with
    ``c = (1 + cos(pi * min(step, decay_steps) / decay_steps)) / 2``.

    Examples
    --------
    >>> from chainrule.optim import cosine_decay_schedule
    >>> s = cosine_decay_schedule(1.0, decay_steps=100)
    >>> s(0), s(50), s(100), s(200)
    (1.0, 0.5, 0.0, 0.0)
    """
    _check_steps(decay_steps, "cosine_decay_schedule", "decay_steps")

    def schedule(step):
        t = cnp.minimum(_float(step), decay_steps) / decay_steps
        c = 0.5 * (1 + cnp.cos(np.pi * t))
        return _out(init_value * ((1 - alpha) * c ** exponent + alpha))
    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
                                 end_value=0.0, exponent=1.0):
    """Linear warm-up from ``init_value`` to ``peak_value``, then cosine decay to ``end_value``.

    For ``step < warmup_steps``: ``init + (peak - init) * step / warmup_steps``.  Then,
    with ``t = min(step - warmup_steps, D) / D`` and ``D = decay_steps - warmup_steps``
    (``decay_steps`` counts the warm-up, as in Optax):
    ``end + (peak - end) * ((1 + cos(pi t)) / 2) ** exponent``.

    Examples
    --------
    >>> from chainrule.optim import warmup_cosine_decay_schedule
    >>> s = warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110,
    ...                                  end_value=0.1)
    >>> s(0), s(5), s(10), s(60), s(110), s(500)
    (0.0, 0.5, 1.0, 0.55, 0.1, 0.1)
    """
    _check_steps(decay_steps, "warmup_cosine_decay_schedule", "decay_steps")
    if not (isinstance(warmup_steps, (int, np.integer)) and 0 <= warmup_steps < decay_steps):
        raise ValueError("warmup_cosine_decay_schedule: warmup_steps must be an integer with "
                         f"0 <= warmup_steps < decay_steps, got {warmup_steps!r}")
    span = decay_steps - warmup_steps

    def schedule(step):
        step = _float(step)
        warm = init_value + (peak_value - init_value) * step / max(warmup_steps, 1)
        t = cnp.clip(step - warmup_steps, 0, span) / span
        cos = end_value + (peak_value - end_value) * (0.5 * (1 + cnp.cos(np.pi * t))) ** exponent
        return _out(cnp.where(step < warmup_steps, warm, cos))
    return schedule


def piecewise_constant_schedule(init_value, boundaries_and_scales=None):
    """``init_value`` multiplied by ``scale`` for every ``boundary`` already passed.

    The value at ``step`` is ``init_value * prod(scale for boundary, scale in
    boundaries_and_scales.items() if step > boundary)`` (Optax's convention: the scale
    takes effect after the boundary step).

    Examples
    --------
    >>> from chainrule.optim import piecewise_constant_schedule
    >>> s = piecewise_constant_schedule(1.0, {100: 0.1, 200: 0.5})
    >>> s(100), s(101), s(201)
    (1.0, 0.1, 0.05)
    """
    items = sorted((boundaries_and_scales or {}).items())
    for b, sc in items:
        if not isinstance(b, (int, np.integer)) or b < 0:
            raise ValueError(f"piecewise_constant_schedule: boundaries must be non-negative "
                             f"integers, got {b!r}")
        if sc < 0:
            raise ValueError(f"piecewise_constant_schedule: scales must be non-negative, got "
                             f"{sc!r}")

    def schedule(step):
        step = _float(step)
        v = cnp.full_like(step, float(init_value))
        for b, sc in items:
            v = cnp.where(step > b, v * sc, v)
        return _out(v)
    return schedule


constant = constant_schedule
warmup_cosine_decay = warmup_cosine_decay_schedule
piecewise_constant = piecewise_constant_schedule
