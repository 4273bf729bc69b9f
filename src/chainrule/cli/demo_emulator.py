"""The demo's emulator section: train a small network to replace a physical model, then fit with it.

The physical model is Planck's law for the spectrum of a black body (cheap here, but it
stands for a slow simulation).  An MLP learns ``log B(wavelength, temperature)`` from
samples of it with ``chainrule.nn.fit``; the trained network then replaces the model
inside a downstream fit: the temperature and the angular size of a star from a noisy
spectrum, L-BFGS with gradients through the network.  Checks: the emulator's error on
fresh points, and the fitted temperature against the truth and against the fit with the
exact model.
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import nn, optim
from chainrule.cli._format import check, indented, table
from chainrule.cli._plot import pyplot as _pyplot
from chainrule.cli._plot import save as _save
from chainrule.optimize import minimize

# Wavelength in micrometres, temperature in units of 1000 K: hc / k = 14.388 um kK.
HC_K = 14.388
LAM, TEMP = (0.35, 2.5), (4.5, 7.5)
SIZES = {"quick": dict(n_train=512, epochs=1500, width=32),
         "default": dict(n_train=1024, epochs=3000, width=32),
         "full": dict(n_train=2048, epochs=6000, width=48)}


def log_planck(lam, temp):
    """``log B_lambda(T)`` up to a constant: ``-5 log lam - log(exp(hc / (lam k T)) - 1)``."""
    return -5 * cnp.log(lam) - cnp.log(cnp.expm1(HC_K / (lam * temp)))


def _scaled_inputs(lam, temp):
    """Inputs mapped to [-1, 1]: log wavelength and log temperature (the law depends on
    them through ``log lam`` and ``log lam + log T``, which a first layer can form)."""
    a = (cnp.log(lam) - np.log(LAM[0])) / (np.log(LAM[1]) - np.log(LAM[0]))
    b = (cnp.log(temp) - np.log(TEMP[0])) / (np.log(TEMP[1]) - np.log(TEMP[0]))
    return cnp.stack([2 * a - 1, 2 * b - 1], axis=-1)


def _samples(n, rng):
    lam = np.exp(rng.uniform(np.log(LAM[0]), np.log(LAM[1]), n))
    temp = np.exp(rng.uniform(np.log(TEMP[0]), np.log(TEMP[1]), n))
    return lam, temp, np.asarray(log_planck(lam, temp))


def emulator_section(out_dir, mode="default", seed=0, **sizes):
    """Train the emulator, check it, fit a spectrum with it."""
    size = dict(SIZES[mode], **sizes)
    print("\nNeural emulator: an MLP learns Planck's law (chainrule.nn.fit), then stands in "
          "for it in a fit")
    rng = np.random.default_rng(seed)
    lam, temp, y = _samples(size["n_train"], rng)
    mean, scale = y.mean(), y.std()
    inputs = np.asarray(_scaled_inputs(lam, temp))
    targets = ((y - mean) / scale)[:, None]
    model = nn.MLP(2, 1, width_size=size["width"], depth=2, activation=nn.tanh, key=seed)

    def loss(m, batch):
        xb, yb = batch
        return nn.mse(cr.vmap(m)(xb), yb)

    start = time.perf_counter()
    schedule = optim.cosine_decay_schedule(1e-2, size["epochs"])
    model, history = nn.fit(model, loss, [(inputs, targets)], optim.adam(schedule),
                            epochs=size["epochs"], progress=False)
    train_s = time.perf_counter() - start

    def emulate(lam, temp):
        return scale * model(_scaled_inputs(lam, temp))[0] + mean

    lam_t, temp_t, y_t = _samples(2000, np.random.default_rng(seed + 1))
    pred = np.asarray(cr.vmap(emulate)(lam_t, temp_t))
    emu_max = float(np.max(np.abs(pred - y_t)))
    emu_err = float(np.sqrt(np.mean((pred - y_t) ** 2)))
    print(f"   trained {size['epochs']} full-batch Adam steps on {size['n_train']} samples "
          f"in {train_s:.1f} s; loss {history[0]:.2e} -> {history[-1]:.2e}")
    ok = check(f"emulator error on 2000 fresh points: rms of log B - emulator = {emu_err:.1e} "
               f"< 0.01 (1 % in B; largest {emu_max:.1e} < 0.1)",
               emu_err < 0.01 and emu_max < 0.1)

    # Downstream: a star at T = 5.8 kK observed at 40 wavelengths with 5 % noise; the
    # unknowns are T and the log of the (angular size)^2 scale factor.
    truth = np.array([5.8, -1.0])
    wl = np.exp(np.linspace(np.log(0.35), np.log(2.5), 40))
    noise = 0.05
    flux = np.exp(np.asarray(log_planck(wl, truth[0])) + truth[1])
    data = flux * (1 + noise * np.random.default_rng(seed + 2).normal(size=wl.size))

    def chi2(p, log_model):
        model_flux = cnp.exp(log_model(wl, p[0]) + p[1])
        return cnp.sum(((data - model_flux) / (noise * flux)) ** 2)

    fits = {}
    for name, log_model in (("exact model", log_planck),
                            ("emulator", cr.vmap(emulate, in_axes=(0, None)))):
        res = minimize(lambda p: chi2(p, log_model), np.array([7.0, 0.0]), method="L-BFGS-B",
                       bounds=[(TEMP[0], TEMP[1]), (None, None)])
        cov = 2 * np.linalg.inv(cr.hessian(lambda p: chi2(p, log_model))(res.x))
        fits[name] = (res.x, np.sqrt(np.diag(cov)))
    (p_ex, s_ex), (p_em, s_em) = fits["exact model"], fits["emulator"]
    ok = check(f"temperature from the emulator fit within 3 sigma of the truth "
               f"({p_em[0]:.4f} +- {s_em[0]:.4f} kK, truth {truth[0]})",
               abs(p_em[0] - truth[0]) < 3 * s_em[0]) and ok
    ok = check("emulator fit within 1 sigma of the exact-model fit (its error is below "
               "the data's noise)",
               np.all(np.abs(p_em - p_ex) < s_ex)) and ok
    rows = [[name, f"{p[0]:.4f} +- {s[0]:.4f}", f"{p[1]:.4f} +- {s[1]:.4f}"]
            for name, (p, s) in fits.items()]
    print(indented(table(["fit with", "T (1000 K)", "log scale"], rows)))

    plt = _pyplot()
    path = None
    if plt is not None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
        left.semilogy(np.arange(1, len(history) + 1), history)
        left.set_xlabel("Adam step")
        left.set_ylabel("training loss (MSE, standardized)")
        left.set_title("emulator training curve")
        fine = np.exp(np.linspace(np.log(LAM[0]), np.log(LAM[1]), 300))
        right.plot(wl, data, "o", ms=3, label="simulated data")
        right.plot(fine, np.exp(np.asarray(log_planck(fine, p_ex[0])) + p_ex[1]),
                   label="fit, exact Planck law")
        right.plot(fine, np.exp(np.asarray(cr.vmap(emulate, in_axes=(0, None))(fine, p_em[0]))
                                + p_em[1]), "--", label="fit, emulator")
        right.set_xscale("log")
        right.set_xlabel("wavelength (um)")
        right.set_ylabel("flux")
        right.set_title("downstream fit with the emulator")
        right.legend(fontsize=8)
        path = _save(fig, plt, out_dir, "emulator_training.png")
    return {"matches": bool(ok), "figure": path, "emulator_error": emu_err}
