"""Warm-up adaptation, vectorised over chains on the host: dual averaging and mass matrices.

Step size: the dual averaging of Hoffman & Gelman (2014, section 3.2) with their constants
(gamma = 0.05, t0 = 10, kappa = 0.75, shrinking towards mu = log(10 * step_size)).  Mass
matrix: Stan's windowed schedule, a fast initial buffer (75 iterations), slow windows that
double from 25 iterations and estimate the posterior (co)variance, and a fast terminal
buffer (50 iterations); after each slow window the step size adaptation restarts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DualAveraging", "Welford", "warmup_windows"]


class DualAveraging:
    """Dual averaging of ``log(step_size)`` towards a target acceptance, one per chain."""

    def __init__(self, step_size, target=0.8, gamma=0.05, t0=10.0, kappa=0.75):
        self.target, self.gamma, self.t0, self.kappa = target, gamma, t0, kappa
        self.restart(step_size)

    def restart(self, step_size):
        step_size = np.asarray(step_size, dtype=float)
        self.mu = np.log(10.0 * step_size)
        self.log_step = np.log(step_size)
        self.log_step_avg = np.zeros_like(self.log_step)
        self.h_avg = np.zeros_like(self.log_step)
        self.t = 0

    def update(self, accept_prob):
        """Record one iteration's acceptance statistic; returns the next step sizes."""
        accept_prob = np.nan_to_num(np.asarray(accept_prob, dtype=float), nan=0.0)
        self.t += 1
        w = 1.0 / (self.t + self.t0)
        self.h_avg = (1.0 - w) * self.h_avg + w * (self.target - accept_prob)
        self.log_step = self.mu - np.sqrt(self.t) / self.gamma * self.h_avg
        eta = self.t ** -self.kappa
        self.log_step_avg = eta * self.log_step + (1.0 - eta) * self.log_step_avg
        return np.exp(self.log_step)

    def final(self):
        """The averaged step sizes, used after warm-up."""
        return np.exp(self.log_step_avg)


class Welford:
    """Running mean and (co)variance of draws shaped (chains, dim), one estimate per chain."""

    def __init__(self, chains, dim, dense):
        self.dense = dense
        self.n = 0
        self.mean = np.zeros((chains, dim))
        self.m2 = np.zeros((chains, dim, dim)) if dense else np.zeros((chains, dim))

    def update(self, x):
        self.n += 1
        delta = x - self.mean
        self.mean = self.mean + delta / self.n
        after = x - self.mean
        if self.dense:
            self.m2 = self.m2 + delta[:, :, None] * after[:, None, :]
        else:
            self.m2 = self.m2 + delta * after

    def inverse_mass(self):
        """Stan's regularised estimate: shrink towards 1e-3 times the identity."""
        n = self.n
        cov = self.m2 / max(n - 1, 1)
        shrink = n / (n + 5.0)
        reg = 1e-3 * 5.0 / (n + 5.0)
        if self.dense:
            eye = np.eye(cov.shape[-1])
            return shrink * cov + reg * eye
        return shrink * cov + reg


def warmup_windows(num_warmup, init_buffer=75, term_buffer=50, base_window=25):
    """The slow windows of Stan's schedule as ``(start, end)`` iteration ranges.

    With too few warm-up iterations for the default buffers, they take 15% and 10% of the
    warm-up, as Stan does.  The last window stretches to the terminal buffer.

    Examples
    --------
    >>> warmup_windows(1000)
    [(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
    """
    if num_warmup < 20:
        return []
    if init_buffer + base_window + term_buffer > num_warmup:
        init_buffer = int(0.15 * num_warmup)
        term_buffer = int(0.1 * num_warmup)
        base_window = num_warmup - init_buffer - term_buffer
    end_slow = num_warmup - term_buffer
    windows, start, size = [], init_buffer, base_window
    while start < end_slow:
        end = start + size
        # a next window that would not fit twice its size is merged into this one
        if end + 2 * size > end_slow:
            end = end_slow
        windows.append((start, end))
        start, size = end, 2 * size
    return windows
