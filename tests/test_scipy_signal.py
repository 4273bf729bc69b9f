"""chainrule.scipy.signal: values against SciPy's, derivatives by finite differences, and
the same under jit and vmap, driven by one table."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

import chainrule as cr
import chainrule.numpy as cnp
from chainrule.scipy import signal
from scipy_table import table_tests

RNG = np.random.default_rng(0)


def _r(*shape):
    return RNG.normal(size=shape)


B, A = np.array([0.2, 0.3, 0.1]), np.array([1.0, -0.5, 0.2, 0.05])
SOS = ss.butter(4, 0.3, output="sos")
T = np.sort(RNG.uniform(0.0, 4.0, 15))
W = np.linspace(0.3, 2.5, 6)


def _split(z):
    """A complex result as real numbers, for the derivative checks."""
    return cnp.stack([cnp.real(z), cnp.imag(z)])


def _lfilter_zi(b, a, x, zi):
    y, zf = signal.lfilter(b, a, x, zi=zi)
    return cnp.concatenate([y, zf])


def _ss_lfilter_zi(b, a, x, zi):
    y, zf = ss.lfilter(b, a, x, zi=zi)
    return np.concatenate([y, zf])


def _sos(num, den):
    """Second-order sections from their numerators and the denominators' last two
    coefficients (SciPy requires the leading ones)."""
    return cnp.concatenate([num, cnp.ones((num.shape[0], 1)), den], axis=1)


def _ss_sos(num, den):
    return np.concatenate([num, np.ones((num.shape[0], 1)), den], axis=1)


def _sosfilt(num, den, x):
    return signal.sosfilt(_sos(num, den), x)


def _ss_sosfilt(num, den, x):
    return ss.sosfilt(_ss_sos(num, den), x)


def _sosfilt_zi(num, den, x, zi):
    y, zf = signal.sosfilt(_sos(num, den), x, zi=zi)
    return cnp.concatenate([y, cnp.ravel(zf)])


def _ss_sosfilt_zi(num, den, x, zi):
    y, zf = ss.sosfilt(_ss_sos(num, den), x, zi=zi)
    return np.concatenate([y, np.ravel(zf)])


# name: (chainrule function, SciPy function, arguments, derivative order)
CASES = {
    "convolve full direct": (lambda a, b: signal.convolve(a, b, "full", "direct"),
                             lambda a, b: ss.convolve(a, b, "full", "direct"),
                             (_r(9), _r(4)), 2),
    "convolve same fft": (lambda a, b: signal.convolve(a, b, "same", "fft"),
                          lambda a, b: ss.convolve(a, b, "same", "fft"), (_r(9), _r(4)), 2),
    "convolve valid 2-D direct": (lambda a, b: signal.convolve(a, b, "valid", "direct"),
                                  lambda a, b: ss.convolve(a, b, "valid", "direct"),
                                  (_r(5, 4), _r(2, 3)), 2),
    "convolve same 2-D auto": (lambda a, b: signal.convolve(a, b, "same"),
                               lambda a, b: ss.convolve(a, b, "same"),
                               (_r(5, 4), _r(2, 3)), 2),
    "convolve auto large": (lambda a, b: signal.convolve(a, b), lambda a, b: ss.convolve(a, b),
                            (_r(120), _r(40)), 1),
    "convolve 2-D direct larger kernel": (
        lambda a, b: signal.convolve(a, b, "same", "direct"),
        lambda a, b: ss.convolve(a, b, "same", "direct"), (_r(2, 3), _r(4, 5)), 1),
    "correlate full": (lambda a, b: signal.correlate(a, b), lambda a, b: ss.correlate(a, b),
                       (_r(7), _r(3)), 2),
    "correlate valid swapped": (lambda a, b: signal.correlate(a, b, "valid"),
                                lambda a, b: ss.correlate(a, b, "valid"), (_r(3), _r(7)), 2),
    "correlate same 2-D fft": (lambda a, b: signal.correlate(a, b, "same", "fft"),
                               lambda a, b: ss.correlate(a, b, "same", "fft"),
                               (_r(4, 5), _r(3, 2)), 2),
    "fftconvolve": (lambda a, b: signal.fftconvolve(a, b),
                    lambda a, b: ss.fftconvolve(a, b), (_r(10), _r(5)), 2),
    "fftconvolve axes": (lambda a, b: signal.fftconvolve(a, b, "same", axes=1),
                         lambda a, b: ss.fftconvolve(a, b, "same", axes=1),
                         (_r(3, 8), _r(1, 3)), 2),
    "oaconvolve valid": (lambda a, b: signal.oaconvolve(a, b, "valid"),
                         lambda a, b: ss.oaconvolve(a, b, "valid"), (_r(12), _r(4)), 2),
    "convolve2d fill": (lambda a, b: signal.convolve2d(a, b, fillvalue=0.5),
                        lambda a, b: ss.convolve2d(a, b, fillvalue=0.5),
                        (_r(4, 5), _r(2, 3)), 2),
    "convolve2d wrap same": (lambda a, b: signal.convolve2d(a, b, "same", "wrap"),
                             lambda a, b: ss.convolve2d(a, b, "same", "wrap"),
                             (_r(4, 5), _r(2, 3)), 2),
    "correlate2d symm same": (lambda a, b: signal.correlate2d(a, b, "same", "symm"),
                              lambda a, b: ss.correlate2d(a, b, "same", "symm"),
                              (_r(4, 5), _r(2, 2)), 2),
    "lfilter": (lambda b, a, x: signal.lfilter(b, a, x), ss.lfilter, (B, A, _r(10)), 2),
    "lfilter zi": (_lfilter_zi, _ss_lfilter_zi, (B, A, _r(10), _r(3)), 2),
    "lfilter axis 0": (lambda b, a, x: signal.lfilter(b, a, x, axis=0),
                       lambda b, a, x: ss.lfilter(b, a, x, axis=0), (B, A, _r(8, 2)), 1),
    "lfilter_zi": (signal.lfilter_zi, ss.lfilter_zi, (B, A), 2),
    "filtfilt": (lambda b, a, x: signal.filtfilt(b, a, x), ss.filtfilt, (B, A, _r(16)), 1),
    "filtfilt even padlen": (lambda b, a, x: signal.filtfilt(b, a, x, padtype="even",
                                                             padlen=4),
                             lambda b, a, x: ss.filtfilt(b, a, x, padtype="even", padlen=4),
                             (B, A, _r(10)), 1),
    "sosfilt": (_sosfilt, _ss_sosfilt, (SOS[:, :3], SOS[:, 4:], _r(10)), 2),
    "sosfilt zi": (_sosfilt_zi, _ss_sosfilt_zi, (SOS[:, :3], SOS[:, 4:], _r(10), _r(2, 2)),
                   1),
    "sosfilt_zi": (lambda num, den: signal.sosfilt_zi(_sos(num, den)),
                   lambda num, den: ss.sosfilt_zi(_ss_sos(num, den)), (SOS[:, :3], SOS[:, 4:]),
                   2),
    "sosfiltfilt": (lambda num, den, x: signal.sosfiltfilt(_sos(num, den), x, padlen=6),
                    lambda num, den, x: ss.sosfiltfilt(_ss_sos(num, den), x, padlen=6),
                    (SOS[:, :3], SOS[:, 4:], _r(12)), 1),
    "sosfiltfilt default padlen": (lambda x: signal.sosfiltfilt(SOS, x),
                                   lambda x: ss.sosfiltfilt(SOS, x), (_r(2, 30),), 1),
    "savgol_filter interp": (lambda x: signal.savgol_filter(x, 5, 2),
                             lambda x: ss.savgol_filter(x, 5, 2), (_r(2, 11),), 2),
    "savgol_filter deriv mirror axis 0": (
        lambda x: signal.savgol_filter(x, 7, 3, deriv=1, delta=0.5, axis=0, mode="mirror"),
        lambda x: ss.savgol_filter(x, 7, 3, deriv=1, delta=0.5, axis=0, mode="mirror"),
        (_r(12, 2),), 2),
    "savgol_filter constant cval": (
        lambda x, c: signal.savgol_filter(x, 5, 3, mode="constant", cval=c),
        lambda x, c: ss.savgol_filter(x, 5, 3, mode="constant", cval=c), (_r(9), 0.7), 2),
    "medfilt": (lambda x: signal.medfilt(x, 3), lambda x: ss.medfilt(x, 3), (_r(10),), 1),
    "medfilt 2-D": (lambda x: signal.medfilt(x, [3, 5]), lambda x: ss.medfilt(x, [3, 5]),
                    (_r(4, 6),), 1),
    "csd": (lambda x, y: _split(signal.csd(x, y, nperseg=8)[1]),
            lambda x, y: _split(ss.csd(x, y, nperseg=8)[1]), (_r(24), _r(24)), 2),
    "resample down": (lambda x: signal.resample(x, 6, axis=1),
                      lambda x: ss.resample(x, 6, axis=1), (_r(2, 10),), 2),
    "resample up hann": (lambda x: signal.resample(x, 13, window="hann"),
                         lambda x: ss.resample(x, 13, window="hann"), (_r(8),), 2),
    "decimate": (lambda x: signal.decimate(x, 2, 3), lambda x: ss.decimate(x, 2, 3),
                 (_r(40),), 1),
    "decimate causal": (lambda x: signal.decimate(x, 3, zero_phase=False),
                        lambda x: ss.decimate(x, 3, zero_phase=False), (_r(20),), 1),
    "lombscargle": (lambda t, y, w: signal.lombscargle(t, y, w),
                    lambda t, y, w: ss.lombscargle(t, y, w), (T, _r(15), W), 2),
    "lombscargle floating mean normalized": (
        lambda t, y, w: signal.lombscargle(t, y, w, normalize=True, floating_mean=True),
        lambda t, y, w: ss.lombscargle(t, y, w, normalize=True, floating_mean=True),
        (T, _r(15) + 1.0, W), 2),
    "lombscargle weights": (
        lambda y, wt: signal.lombscargle(T, y, W, weights=wt),
        lambda y, wt: ss.lombscargle(T, y, W, weights=wt),
        (_r(15), RNG.uniform(0.5, 2.0, 15)), 2),
    "lombscargle amplitude": (
        lambda y: _split(signal.lombscargle(T, y, W, normalize="amplitude")),
        lambda y: _split(ss.lombscargle(T, y, W, normalize="amplitude")), (_r(15),), 1),
    "periodogram": (lambda x: signal.periodogram(x)[1], lambda x: ss.periodogram(x)[1],
                    (_r(12),), 2),
    "periodogram hann spectrum": (
        lambda x: signal.periodogram(x, 2.0, "hann", 16, "linear", scaling="spectrum")[1],
        lambda x: ss.periodogram(x, 2.0, "hann", 16, "linear", scaling="spectrum")[1],
        (_r(11),), 2),
    "welch": (lambda x: signal.welch(x, nperseg=8)[1], lambda x: ss.welch(x, nperseg=8)[1],
              (_r(30),), 2),
    "detrend linear": (lambda x: signal.detrend(x), ss.detrend, (_r(3, 9),), 2),
    "detrend constant axis 0": (lambda x: signal.detrend(x, 0, "constant"),
                                lambda x: ss.detrend(x, 0, "constant"), (_r(6, 3),), 2),
    "hilbert": (lambda x: _split(signal.hilbert(x)), lambda x: _split(ss.hilbert(x)),
                (_r(9),), 2),
    "hilbert N axis 0": (lambda x: _split(signal.hilbert(x, 8, 0)),
                         lambda x: _split(ss.hilbert(x, 8, 0)), (_r(6, 2),), 1),
}


def _lfilter_zi_axis0(b, a, x, zi):
    y, zf = signal.lfilter(b, a, x, axis=0, zi=zi)
    return cnp.concatenate([cnp.ravel(y), cnp.ravel(zf)])


def _ss_lfilter_zi_axis0(b, a, x, zi):
    y, zf = ss.lfilter(b, a, x, axis=0, zi=zi)
    return np.concatenate([np.ravel(y), np.ravel(zf)])


# methods, modes, dimensions and normalisations the cases above leave out
CASES.update({
    "correlate valid direct": (lambda a, b: signal.correlate(a, b, "valid", "direct"),
                               lambda a, b: ss.correlate(a, b, "valid", "direct"),
                               (_r(9), _r(4)), 2),
    "convolve 3-D full fft": (lambda a, b: signal.convolve(a, b, "full", "fft"),
                              lambda a, b: ss.convolve(a, b, "full", "fft"),
                              (_r(3, 4, 2), _r(2, 2, 2)), 2),
    "oaconvolve full": (lambda a, b: signal.oaconvolve(a, b), lambda a, b: ss.oaconvolve(a, b),
                        (_r(30), _r(5)), 2),
    "fftconvolve valid 2-D": (lambda a, b: signal.fftconvolve(a, b, "valid"),
                              lambda a, b: ss.fftconvolve(a, b, "valid"),
                              (_r(6, 7), _r(2, 3)), 2),
    "lfilter zi axis 0": (_lfilter_zi_axis0, _ss_lfilter_zi_axis0,
                          (B, A, _r(8, 2), _r(3, 2)), 2),
    "lfilter unnormalized a": (lambda b, a, x: signal.lfilter(b, a, x), ss.lfilter,
                               (B, 2.0 * A, _r(8)), 2),
    "lombscargle floating mean power": (
        lambda t, y, w: signal.lombscargle(t, y, w, floating_mean=True),
        lambda t, y, w: ss.lombscargle(t, y, w, floating_mean=True), (T, _r(15) + 1.0, W), 2),
    "welch spectrum overlap axis 0": (
        lambda x: signal.welch(x, 4.0, "hamming", 8, 6, scaling="spectrum", axis=0)[1],
        lambda x: ss.welch(x, 4.0, "hamming", 8, 6, scaling="spectrum", axis=0)[1],
        (_r(20, 2),), 2),
    # the median of the segments' periodograms (locally linear in them)
    "welch median": (lambda x: signal.welch(x, nperseg=8, average="median")[1],
                     lambda x: ss.welch(x, nperseg=8, average="median")[1], (_r(32),), 2),
    "welch median even segments": (
        lambda x: signal.welch(x, nperseg=8, noverlap=0, average="median")[1],
        lambda x: ss.welch(x, nperseg=8, noverlap=0, average="median")[1], (_r(2, 32),), 2),
    "csd median": (lambda x, y: _split(signal.csd(x, y, nperseg=8, average="median")[1]),
                   lambda x, y: _split(ss.csd(x, y, nperseg=8, average="median")[1]),
                   (_r(32), _r(32)), 2),
    # two-sided spectra (frequencies in FFT order, nothing doubled)
    "periodogram two-sided": (lambda x: signal.periodogram(x, return_onesided=False)[1],
                              lambda x: ss.periodogram(x, return_onesided=False)[1],
                              (_r(10),), 2),
    "welch two-sided median": (
        lambda x: signal.welch(x, nperseg=7, return_onesided=False, average="median")[1],
        lambda x: ss.welch(x, nperseg=7, return_onesided=False, average="median")[1],
        (_r(2, 25),), 2),
    "csd two-sided": (lambda x, y: _split(signal.csd(x, y, nperseg=8,
                                                     return_onesided=False)[1]),
                      lambda x, y: _split(ss.csd(x, y, nperseg=8, return_onesided=False)[1]),
                      (_r(24), _r(24)), 2),
    # even windows (SciPy fits the polynomial about the window's middle, between samples)
    "savgol_filter even window": (lambda x: signal.savgol_filter(x, 6, 2),
                                  lambda x: ss.savgol_filter(x, 6, 2), (_r(2, 11),), 2),
    "savgol_filter even window mirror deriv": (
        lambda x: signal.savgol_filter(x, 4, 2, deriv=1, mode="mirror"),
        lambda x: ss.savgol_filter(x, 4, 2, deriv=1, mode="mirror"), (_r(9),), 2),
    "savgol_filter even window constant": (
        lambda x, c: signal.savgol_filter(x, 8, 3, mode="constant", cval=c),
        lambda x, c: ss.savgol_filter(x, 8, 3, mode="constant", cval=c), (_r(12), 0.4), 2),
    # the FIR anti-aliasing filter: SciPy's resample_poly (zero phase) or upfirdn
    "decimate fir": (lambda x: signal.decimate(x, 3, ftype="fir"),
                     lambda x: ss.decimate(x, 3, ftype="fir"), (_r(40),), 2),
    "decimate fir n causal axis 0": (
        lambda x: signal.decimate(x, 4, 9, ftype="fir", axis=0, zero_phase=False),
        lambda x: ss.decimate(x, 4, 9, ftype="fir", axis=0, zero_phase=False),
        (_r(23, 2),), 2),
    "decimate fir odd n": (lambda x: signal.decimate(x, 2, 7, ftype="fir"),
                           lambda x: ss.decimate(x, 2, 7, ftype="fir"), (_r(2, 15),), 2),
})
def _positive_weights(name, batched):
    if name == "lombscargle weights":
        batched[1] = np.abs(batched[1])
    return batched


(test_values_plain_and_traced, test_derivatives, test_derivatives_under_jit, test_vmap,
 test_derivatives_under_vmap) = table_tests(CASES, perturb=0.1, seed=1, scale_atol=False,
                                            adjust=_positive_weights)


def test_lfilter_gradient_in_pole_matches_analytic():
    # y[n] = p^n for an impulse: d y[4] / dp = 4 p^3.
    def f(p):
        return signal.lfilter(cnp.array([1.0]), cnp.stack([1.0, -p]), np.eye(1, 6)[0])[4]
    np.testing.assert_allclose(cr.grad(f)(0.7), 4 * 0.7**3, rtol=1e-13)


def test_find_peaks_plain_and_traced():
    x = np.array([0.0, 2.0, 1.0, 3.0, 0.0, 1.5, 0.2])
    np.testing.assert_array_equal(signal.find_peaks(x, height=1.0)[0],
                                  ss.find_peaks(x, height=1.0)[0])
    with pytest.raises(TypeError, match="no derivative"):
        cr.grad(lambda x: cnp.sum(x[signal.find_peaks(x)[0]]))(x)


def test_get_window_is_scipys():
    np.testing.assert_array_equal(signal.get_window(("kaiser", 4.0), 9),
                                  ss.get_window(("kaiser", 4.0), 9))


@pytest.mark.parametrize("name", signal.windows.__all__)
def test_windows_are_scipys(name):
    args = {"kaiser": (9, 2.0), "kaiser_bessel_derived": (8, 2.0), "gaussian": (9, 1.5),
            "general_gaussian": (9, 1.5, 2.0), "general_cosine": (9, [0.5, 0.5]),
            "general_hamming": (9, 0.54), "chebwin": (9, 60), "dpss": (9, 1.5),
            "get_window": ("hann", 9)}.get(name, (9,))
    np.testing.assert_array_equal(getattr(signal.windows, name)(*args),
                                  getattr(ss.windows, name)(*args))


def test_window_parameters_must_be_plain():
    with pytest.raises(TypeError, match="plain numbers"):
        cr.grad(lambda s: cnp.sum(signal.windows.gaussian(9, s)))(1.5)


def test_unsupported_traced_options_raise():
    x = _r(10)
    with pytest.raises(NotImplementedError, match="method='pad'"):
        cr.grad(lambda x: cnp.sum(signal.filtfilt(B, A, x, method="gust")))(x)
    with pytest.raises(NotImplementedError, match="bp=0"):
        cr.grad(lambda x: cnp.sum(signal.detrend(x, bp=[3])))(x)
    with pytest.raises(ValueError, match="valid"):
        cr.jit(lambda a, b: signal.convolve(a, b, "valid"))(_r(3, 5), _r(5, 3))


def test_import_does_not_load_scipy_signal():
    # scipy.signal imports scipy.stats (about half a second): chainrule.scipy must not pay
    # for it; it is imported on the first call of a signal function
    import os
    import subprocess
    import sys
    code = ("import sys, chainrule.scipy, chainrule.scipy.signal as s; "
            "assert 'scipy.signal' not in sys.modules; s.convolve([1.0], [2.0]); "
            "assert 'scipy.signal' in sys.modules")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_two_sided_frequencies_are_scipys():
    x = _r(2, 20)
    for f, ref in [(lambda v: signal.welch(v, 3.0, nperseg=8, return_onesided=False),
                    lambda v: ss.welch(v, 3.0, nperseg=8, return_onesided=False)),
                   (lambda v: signal.periodogram(v, 3.0, return_onesided=False),
                    lambda v: ss.periodogram(v, 3.0, return_onesided=False))]:
        np.testing.assert_array_equal(cr.jit(f)(x)[0], ref(x)[0])


def test_lfilter_zero_leading_denominator_is_scipys_error():
    # a[0] == 0: SciPy refuses; the traced filter divided by it (NaN values and gradients)
    b, a, x = np.array([1.0, 0.5]), np.array([0.0, 1.0]), _r(8)
    with pytest.raises(ValueError) as plain:
        ss.lfilter(b, a, x)
    for run in [lambda: cr.grad(lambda a: cnp.sum(signal.lfilter(b, a, x)))(a),
                lambda: cr.jit(lambda a: signal.lfilter(b, a, x))(a),
                lambda: cr.vmap(lambda a: signal.lfilter(b, a, x))(np.stack([A[:2], a]))]:
        with pytest.raises(ValueError) as traced:
            run()
        assert str(traced.value) == str(plain.value)


def test_sos_leading_denominators_must_be_one_as_in_scipy():
    # SciPy refuses sections whose a0 is not 1; the traced path normalised them silently
    bad = SOS.copy()
    bad[0, 3] = 2.0
    x = _r(20)
    for f, ref in [(lambda s: signal.sosfilt(s, x), lambda s: ss.sosfilt(s, x)),
                   (lambda s: signal.sosfiltfilt(s, x, padlen=6),
                    lambda s: ss.sosfiltfilt(s, x, padlen=6))]:
        with pytest.raises(ValueError) as plain:
            ref(bad)
        for run in [lambda: cr.grad(lambda s: cnp.sum(f(s)))(bad), lambda: cr.jit(f)(bad),
                    lambda: cr.vmap(f)(np.stack([SOS, bad]))]:
            with pytest.raises(ValueError) as traced:
                run()
            assert str(traced.value) == str(plain.value)
