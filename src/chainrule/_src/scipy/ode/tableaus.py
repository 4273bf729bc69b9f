"""Butcher tableaus of the explicit embedded Runge-Kutta pairs, with their interpolants.

Each tableau follows the layout SciPy's ``RungeKutta`` classes use, so that the same
step, error estimate and dense output apply to every method:

- ``C`` (s,), ``A`` (s, s): the stages ``K[i] = f(t + C[i] h, y + h sum_j A[i, j] K[j])``;
- ``B`` (s,): the propagated solution ``y_new = y + h sum_i B[i] K[i]``;
- ``E`` (s + 1,): the error estimate ``h sum_i E[i] K[i]``, where ``K[s] = f(t + h, y_new)``
  (first same as last: it is the next step's first stage);
- ``P`` (s + 1, k): the dense output ``y(t + x h) = y + h sum_i K[i] sum_j P[i, j] x^(j+1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

import numpy as np


@dataclass(frozen=True, eq=False)
class Tableau:
    name: str
    C: np.ndarray
    A: np.ndarray
    B: np.ndarray
    E: np.ndarray
    P: np.ndarray
    order: int
    error_estimator_order: int
    # DOP853 only: the 3rd-order error weights (E is then the 5th-order one), the three
    # extra stages of its dense output and the interpolant's weights.
    E3: np.ndarray | None = None
    A_extra: np.ndarray | None = None
    C_extra: np.ndarray | None = None
    D: np.ndarray | None = None

    @property
    def n_stages(self):
        return len(self.B)


def _lower(rows, n):
    """A strictly lower triangular (n, n) matrix from its rows below the diagonal."""
    a = np.zeros((n, n))
    for i, row in enumerate(rows, start=1):
        a[i, :len(row)] = [float(v) for v in row]
    return a


def _f(values):
    return np.array([float(v) for v in values])


# Bogacki-Shampine 3(2), SciPy's "RK23", with its cubic Hermite dense output.
RK23 = Tableau(
    "RK23",
    C=_f([0, F(1, 2), F(3, 4)]),
    A=_lower([[F(1, 2)], [0, F(3, 4)]], 3),
    B=_f([F(2, 9), F(1, 3), F(4, 9)]),
    E=_f([F(5, 72), F(-1, 12), F(-1, 9), F(1, 8)]),
    P=np.array([[1, -4 / 3, 5 / 9], [0, 1, -2 / 3], [0, 4 / 3, -8 / 9], [0, -1, 1]]),
    order=3, error_estimator_order=2)

# Dormand-Prince 5(4), SciPy's "RK45", with Shampine's quartic dense output.
RK45 = Tableau(
    "RK45",
    C=_f([0, F(1, 5), F(3, 10), F(4, 5), F(8, 9), 1]),
    A=_lower([[F(1, 5)],
              [F(3, 40), F(9, 40)],
              [F(44, 45), F(-56, 15), F(32, 9)],
              [F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729)],
              [F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176), F(-5103, 18656)]], 6),
    B=_f([F(35, 384), 0, F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84)]),
    E=_f([F(-71, 57600), 0, F(71, 16695), F(-71, 1920), F(17253, 339200), F(-22, 525),
          F(1, 40)]),
    P=np.array([
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933,
         87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0, 127303824393 / 49829197408, -318862633887 / 49829197408,
         701980252875 / 199316789632],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423]]),
    order=5, error_estimator_order=4)


def _tsit5_dense():
    """Tsitouras' quartic interpolant: the weight polynomials b_i(x) of the paper, given as
    products of factors, expanded into the rows of ``P`` (coefficients of x, ..., x^4)."""
    from numpy.polynomial import polynomial as poly

    def prod(*factors):
        out = np.array([1.0])
        for fac in factors:
            out = poly.polymul(out, fac)
        return out

    rows = [
        prod([0, -1.0530884977290216], [-1.3299890189751412, 1],
             [0.7139816917074209, -1.4364028541716351, 1]),
        prod([0, 0, 0.1017], [1.2949852507374631, -2.1966568338249754, 1]),
        prod([0, 0, 2.490627285651252793], [1.57803468208092486, -2.38535645472061657, 1]),
        prod([0, 0, -16.54810288924490272], [-1.21712927295533244, 1],
             [-0.61620406037800089, 1]),
        prod([0, 0, 47.37952196281928122], [-1.203071208372362603, 1],
             [-0.658047292653547382, 1]),
        prod([0, 0, -34.87065786149660974], [-1.2, 1], [-0.666666666666666667, 1]),
        prod([0, 0, 2.5], [-0.6, 1], [-1, 1]),
    ]
    p = np.zeros((7, 4))
    for i, r in enumerate(rows):
        p[i, :len(r) - 1] = r[1:]
    # The first weight's slope at 0 is exactly 1 (consistency); the printed factors
    # reproduce it only to about 1e-16.
    p[0, 0] = 1.0
    return p


# Tsitouras 5(4) (2011): the same cost as Dormand-Prince, usually a little more accurate.
_TSIT5_B = [0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742,
            -3.290069515436081, 2.324710524099774]
TSIT5 = Tableau(
    "Tsit5",
    C=np.array([0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0]),
    A=_lower([[0.161],
              [-0.008480655492356989, 0.335480655492357],
              [2.8971530571054935, -6.359448489975075, 4.3622954328695815],
              [5.325864828439257, -11.748883564062828, 7.4955393428898365,
               -0.09249506636175525],
              [5.86145544294642, -12.92096931784711, 8.159367898576159,
               -0.071584973281401, -0.028269050394068383]], 6),
    B=np.array(_TSIT5_B),
    # b - b_hat of the paper (its last entry with the sign corrected).
    E=np.array([0.001780011052226, 0.000816434459657, -0.007880878010262,
                0.144711007173263, -0.582357165452555, 0.458082105929187, -1 / 66]),
    P=_tsit5_dense(),
    order=5, error_estimator_order=4)



def _dop853():
    """Dormand-Prince 8(5,3) with its 7th-order dense output, from SciPy's tables (the
    same numbers as Hairer's DOP853 code), so that the steps match SciPy's."""
    from scipy.integrate._ivp import dop853_coefficients as c

    s = c.N_STAGES
    return Tableau("DOP853", C=np.asarray(c.C[:s]), A=np.asarray(c.A[:s, :s]),
                   B=np.asarray(c.B), E=np.asarray(c.E5), P=None, order=8,
                   error_estimator_order=7, E3=np.asarray(c.E3),
                   A_extra=np.asarray(c.A[s + 1:]), C_extra=np.asarray(c.C[s + 1:]),
                   D=np.asarray(c.D))


TABLEAUS = {"RK23": RK23, "RK45": RK45, "Tsit5": TSIT5, "DOP853": _dop853()}
