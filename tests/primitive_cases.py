"""Shared vocabulary for the registry-driven primitive tests.

Every registered primitive needs at least one :class:`Case`.  Modules named
``tests/cases_*.py`` define ``CASES``, a list of cases; ``test_primitives.py`` collects them
all and fails for any primitive that has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    prim: str  # primitive name in the registry
    args: tuple  # concrete operands (NumPy arrays or Python scalars)
    params: dict = field(default_factory=dict)
    diff: tuple | None = None  # positions of differentiated operands (None: all float ones)
    order: int = 2  # derivative order checked against finite differences
    differentiable: bool = True  # False: no derivative (checked to be zero / absent)
    atol: float | None = None
    rtol: float | None = None
    eps: float | None = None
    note: str = ""

    @property
    def id(self):
        shapes = "-".join("x".join(map(str, np.shape(a))) or "s" for a in self.args)
        extra = f"-{self.note}" if self.note else ""
        return f"{self.prim}[{shapes}{extra}]"


def rng(seed=0):
    return np.random.default_rng(seed)


def uniform(shape, lo=-2.0, hi=2.0, seed=0, dtype=np.float64):
    return np.asarray(rng(seed).uniform(lo, hi, size=shape), dtype)


UNARY_SHAPES = [(), (1,), (3,), (2, 3), (0,)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)),
                 ((0,), (1,))]


def unary_cases(name, lo=-2.0, hi=2.0, **kw):
    return [Case(name, (uniform(s, lo, hi, seed=i),), **kw)
            for i, s in enumerate(UNARY_SHAPES)]


def binary_cases(name, lo=(-2.0, -2.0), hi=(2.0, 2.0), **kw):
    out = []
    for i, (s1, s2) in enumerate(BINARY_SHAPES):
        out.append(Case(name, (uniform(s1, lo[0], hi[0], seed=i),
                               uniform(s2, lo[1], hi[1], seed=100 + i)), **kw))
    return out
