"""Composable gradient-based optimizers over pytrees, in the style of Optax.

An optimizer is a :class:`GradientTransformation`: a pair of pure functions
``init(params) -> state`` and ``update(grads, state, params=None) -> (updates, state)``.
Named optimizers (:func:`sgd`, :func:`adam`, :func:`adamw`, :func:`rmsprop`,
:func:`adagrad`, :func:`lion`, :func:`lbfgs`) are :func:`chain`\\ s of small transforms
(:func:`scale_by_adam`, :func:`clip_by_global_norm`, :func:`add_decayed_weights`...);
learning rates may be numbers or schedules; :func:`fit` runs the usual loop.
"""

from ._alias import (LbfgsState, adagrad, adam, adamw, lbfgs, lion, rmsprop,  # noqa: F401
                     scale_by_lbfgs, sgd)
from ._base import (EmptyState, GradientTransformation, apply_updates, chain,  # noqa: F401
                    global_norm, identity)
from ._fit import FitResult, fit  # noqa: F401
from ._schedules import (constant, constant_schedule, cosine_decay_schedule,  # noqa: F401
                         exponential_decay, linear_schedule, piecewise_constant,
                         piecewise_constant_schedule, warmup_cosine_decay,
                         warmup_cosine_decay_schedule)
from ._transforms import (ScaleByAdamState, ScaleByLionState, ScaleByRmsState,  # noqa: F401
                          ScaleByRssState, ScaleByScheduleState, TraceState,
                          add_decayed_weights, clip, clip_by_global_norm, scale,
                          scale_by_adam, scale_by_learning_rate, scale_by_lion, scale_by_rms,
                          scale_by_rss, scale_by_schedule, trace)

__all__ = ["GradientTransformation", "EmptyState", "FitResult", "LbfgsState",
           "ScaleByAdamState", "ScaleByLionState", "ScaleByRmsState", "ScaleByRssState",
           "ScaleByScheduleState", "TraceState", "adagrad", "adam", "adamw",
           "add_decayed_weights", "apply_updates", "chain", "clip", "clip_by_global_norm",
           "constant", "constant_schedule", "cosine_decay_schedule", "exponential_decay",
           "fit", "global_norm", "identity", "lbfgs", "linear_schedule", "lion",
           "piecewise_constant", "piecewise_constant_schedule", "rmsprop", "scale",
           "scale_by_adam", "scale_by_lbfgs", "scale_by_learning_rate", "scale_by_lion",
           "scale_by_rms", "scale_by_rss", "scale_by_schedule", "sgd", "trace",
           "warmup_cosine_decay", "warmup_cosine_decay_schedule"]
