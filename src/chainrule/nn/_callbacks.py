"""Callbacks for :func:`chainrule.nn.fit`: early stopping and best-model keeping."""

from __future__ import annotations

import math

__all__ = ["Callback", "EarlyStopping", "BestModel"]


class Callback:
    """Base class of the objects ``nn.fit(..., callbacks=[...])`` calls.

    ``fit`` calls ``on_fit_begin(logs_keys)`` once (the names the epoch logs will hold, so
    a callback can check what it monitors), ``on_epoch_end(epoch, logs, model)`` after
    every epoch (``logs`` holds ``"loss"``, the mean training loss of the epoch, and
    ``"val_loss"`` when ``val_data`` is given; a true return value, or a string saying
    why, stops training), and ``on_fit_end(model)`` at the end (return a model to replace
    the one ``fit`` returns, or None).  A plain function ``f(epoch, logs, model)`` works
    as a callback too, as its ``on_epoch_end``.
    """

    def on_fit_begin(self, logs_keys):
        pass

    def on_epoch_end(self, epoch, logs, model):
        return None

    def on_fit_end(self, model):
        return None


class _Monitor(Callback):
    def __init__(self, monitor, min_delta):
        if min_delta < 0:
            raise ValueError(f"{type(self).__name__}: min_delta must be >= 0, got {min_delta}")
        self.monitor, self.min_delta = monitor, float(min_delta)

    def on_fit_begin(self, logs_keys):
        if self.monitor not in logs_keys:
            extra = " (pass val_data= to nn.fit)" if self.monitor == "val_loss" else ""
            raise ValueError(f"{type(self).__name__}: monitors {self.monitor!r}, but the "
                             f"epoch logs hold only {sorted(logs_keys)}{extra}")
        self.best, self.best_epoch, self.best_model = math.inf, None, None

    def _improved(self, epoch, logs, model):
        value = float(logs[self.monitor])
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.best_model = value, epoch, model
            return True
        return False


class BestModel(_Monitor):
    """Keep the model of the epoch with the lowest ``monitor`` value and return it from
    ``fit`` instead of the last one.

    Attributes ``best``, ``best_epoch`` and ``best_model`` hold what was kept (Modules are
    immutable, so keeping one copies nothing).

    Parameters
    ----------
    monitor : {"val_loss", "loss"}
    min_delta : float
        An epoch counts as better only when it lowers the value by more than this.

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> x = np.linspace(-1, 1, 32)[:, None]
    >>> loss = lambda m, b: nn.mse(cr.vmap(m)(b[0]), b[1])
    >>> best = nn.BestModel("loss")
    >>> res = nn.fit(nn.Linear(1, 1, key=0), loss, [(x, 2 * x)], optim.sgd(2.5), epochs=6,
    ...              callbacks=[best])
    >>> bool(res.train_loss.min() == best.best < res.train_loss[-1])  # sgd(2.5) diverges
    True
    >>> res.params is best.best_model
    True
    """

    def __init__(self, monitor="val_loss", min_delta=0.0):
        super().__init__(monitor, min_delta)

    def on_epoch_end(self, epoch, logs, model):
        self._improved(epoch, logs, model)

    def on_fit_end(self, model):
        return self.best_model


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` has not improved by more than ``min_delta`` for
    ``patience`` epochs in a row; with ``restore_best=True`` return the best model seen.

    Parameters
    ----------
    monitor : {"val_loss", "loss"}
    patience : int
    min_delta : float
    restore_best : bool

    Examples
    --------
    >>> import numpy as np, chainrule as cr
    >>> from chainrule import nn, optim
    >>> x = np.linspace(-1, 1, 32)[:, None]
    >>> loss = lambda m, b: nn.mse(cr.vmap(m)(b[0]), b[1])
    >>> res = nn.fit(nn.Linear(1, 1, key=0), loss, [(x, 2 * x + 1)], optim.adam(0.1),
    ...              epochs=1000, callbacks=[nn.EarlyStopping("loss", 3, min_delta=1e-9)])
    >>> len(res.train_loss) < 1000, res.stop_reason.startswith("EarlyStopping")
    (True, True)
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, restore_best=False):
        super().__init__(monitor, min_delta)
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive integer, got "
                             f"{patience!r}")
        self.patience, self.restore_best = patience, bool(restore_best)

    def on_fit_begin(self, logs_keys):
        super().on_fit_begin(logs_keys)
        self.wait, self.stopped_epoch = 0, None

    def on_epoch_end(self, epoch, logs, model):
        if self._improved(epoch, logs, model):
            self.wait = 0
            return None
        self.wait += 1
        if self.wait < self.patience:
            return None
        self.stopped_epoch = epoch
        return (f"EarlyStopping: {self.monitor} did not improve by more than "
                f"{self.min_delta:g} for {self.patience} epochs (best {self.best:.6g} at "
                f"epoch {self.best_epoch})")

    def on_fit_end(self, model):
        return self.best_model if self.restore_best else None
