"""The demo's science sections, built on ``chainrule.apps``: orbits, N-body, Burgers, 2-D flow.

Each section checks the application against an answer known another way (a bisection,
the order of an integrator, an exact solution), prints PASS or FAIL for each check and
writes one figure under the demo's output folder (when matplotlib is installed).
Each ``*_section`` returns ``{"matches": bool, "figure": path or None}``.
"""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.apps import nbody, orbits, pde
from chainrule.cli._format import check, table
from chainrule.cli._plot import pyplot as _pyplot
from chainrule.cli._plot import save as _save


def _bisect_kepler(M, e, iters=200):
    """E with E - e sin E = M by bisection on [0, 2 pi] (M in [0, 2 pi))."""
    lo, hi = np.zeros_like(M), np.full_like(M, 2 * np.pi)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        below = mid - e * np.sin(mid) < M
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


RV_TRUTH = (3.0, 5.0, 0.3, 1.0, 0.4, 0.2)   # P, K, e, omega, tp, gamma


def orbits_section(out_dir, n_points=60, n_anomalies=2000, seed=0):
    """Kepler's equation to e = 0.99, a radial-velocity fit and its Fisher forecast."""
    print("\nOrbits (chainrule.apps.orbits): Kepler solver, radial-velocity fit, forecast")
    M = np.linspace(0.0, 2 * np.pi, n_anomalies, endpoint=False)
    rows, kepler_ok = [], True
    for e in (0.0, 0.5, 0.9, 0.99):
        err = float(np.max(np.abs(np.asarray(orbits.solve_kepler(M, e)) - _bisect_kepler(M, e))))
        kepler_ok = kepler_ok and err < 1e-12
        rows.append([f"e = {e}", f"{err:.1e}"])
    check("Kepler's equation against bisection, max error < 1e-12", kepler_ok)
    print("   " + table(["eccentricity", "max |E - E_bisect|"], rows).replace("\n", "\n   "))

    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 12.0, n_points))
    sigma = 0.5
    rv = np.asarray(orbits.radial_velocity(t, *RV_TRUTH)) + sigma * rng.normal(size=n_points)
    p0 = np.array(RV_TRUTH) * np.array([1.01, 0.9, 0.8, 1.1, 1.2, 0.0])
    popt, pcov = orbits.fit_radial_velocity(t, rv, sigma, p0)
    fit_err = np.sqrt(np.diag(pcov))
    pulls = (popt - np.array(RV_TRUTH)) / fit_err
    fisher = orbits.forecast_radial_velocity(t, RV_TRUTH, sigma)
    forecast = np.sqrt(np.diag(np.linalg.inv(fisher)))
    ratio = forecast / fit_err
    fit_ok = check(f"fit of {n_points} noisy velocities, every parameter within 3 error bars "
                   f"of the truth", np.all(np.abs(pulls) < 3))
    forecast_ok = check("Fisher forecast widths within 20% of the fit's",
                        np.all(np.abs(ratio - 1) < 0.2))
    rows = [[name, f"{truth:g}", f"{p:.4f} +- {s:.4f}", f"{pull:+.2f}", f"{f:.4f}", f"{r:.3f}"]
            for name, truth, p, s, pull, f, r in zip(orbits.RV_PARAMS, RV_TRUTH, popt,
                                                     fit_err, pulls, forecast, ratio)]
    print("   " + table(["param", "truth", "fit", "pull", "forecast width", "forecast / fit"],
                        rows).replace("\n", "\n   "))

    path = None
    plt = _pyplot()
    if plt is not None:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True,
                                          gridspec_kw={"height_ratios": [3, 1]})
        fine = np.linspace(t.min(), t.max(), 1000)
        top.errorbar(t, rv, sigma, fmt="o", ms=3, label="simulated data")
        top.plot(fine, orbits.radial_velocity(fine, *popt), label="fit")
        top.plot(fine, orbits.radial_velocity(fine, *RV_TRUTH), "--", label="truth")
        top.set_ylabel("radial velocity")
        top.legend()
        bottom.errorbar(t, rv - np.asarray(orbits.radial_velocity(t, *popt)), sigma, fmt="o",
                        ms=3)
        bottom.axhline(0.0, color="k", lw=0.8)
        bottom.set_xlabel("time")
        bottom.set_ylabel("residual")
        path = _save(fig, plt, out_dir, "orbits_rv_fit.png")
    return {"matches": kepler_ok and fit_ok and forecast_ok, "figure": path}


def _binary(e=0.6):
    """Two unit masses at apoapsis of a relative orbit with semi-major axis 1."""
    r = 1 + e                                  # separation at apoapsis
    v = np.sqrt(2.0 * (1 - e) / r)             # relative speed there (G (m1 + m2) = 2)
    x = np.array([[-r / 2, 0.0, 0.0], [r / 2, 0.0, 0.0]])
    u = np.array([[0.0, -v / 2, 0.0], [0.0, v / 2, 0.0]])
    return x, u, np.ones(2), 2 * np.pi / np.sqrt(2.0)   # period 2 pi sqrt(a^3 / (G M))


def nbody_section(out_dir, steps=(400, 800)):
    """Energy error of leapfrog and Yoshida at two step sizes: their measured order."""
    print("\nN-body (chainrule.apps.nbody): order of leapfrog and Yoshida, conservation")
    x0, v0, m, period = _binary()
    e0 = float(nbody.energy(x0, v0, m))
    l0 = np.asarray(nbody.angular_momentum(x0, v0, m))
    energies = cr.vmap(nbody.energy, in_axes=(0, 0, None))
    momenta = cr.vmap(nbody.angular_momentum, in_axes=(0, 0, None))
    runs, rows, orders, l_err = {}, [], {}, 0.0
    for method in ("leapfrog", "yoshida"):
        errs = []
        for n in steps:
            xs, vs = nbody.simulate(x0, v0, m, period / n, n, method=method, trajectory=True)
            de = np.abs(np.asarray(energies(xs, vs, m)) - e0) / abs(e0)
            dl = np.max(np.abs(np.asarray(momenta(xs, vs, m)) - l0)) / np.linalg.norm(l0)
            l_err = max(l_err, float(dl))
            errs.append(float(np.max(de)))
            runs[method, n] = (np.asarray(xs), de)
        orders[method] = np.log(errs[0] / errs[1]) / np.log(steps[1] / steps[0])
        rows.append([method] + [f"{err:.2e}" for err in errs] + [f"{orders[method]:.2f}"])
    order_ok = check("measured order of the energy error, leapfrog ~ 2 and Yoshida ~ 4",
                     abs(orders["leapfrog"] - 2) < 0.3 and abs(orders["yoshida"] - 4) < 0.5)
    print("   " + table(["method"] + [f"max |dE/E|, {n} steps/orbit" for n in steps]
                        + ["measured order"], rows).replace("\n", "\n   "))
    l_ok = check(f"angular momentum conserved (max relative change {l_err:.1e} < 1e-10)",
                 l_err < 1e-10)

    path = None
    plt = _pyplot()
    if plt is not None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
        xs = runs["yoshida", steps[0]][0]
        for body in range(xs.shape[1]):
            left.plot(xs[:, body, 0], xs[:, body, 1], label=f"body {body + 1}")
        left.set_aspect("equal")
        left.set_title("two-body orbit (e = 0.6)")
        left.legend()
        for (method, n), (_, de) in runs.items():
            right.semilogy(np.arange(1, n + 1) / n, np.maximum(de, 1e-17),
                           label=f"{method}, {n} steps")
        right.set_xlabel("time / period")
        right.set_ylabel("|E - E0| / |E0|")
        right.set_title("energy error")
        right.legend(fontsize=8)
        path = _save(fig, plt, out_dir, "nbody_energy.png")
    return {"matches": bool(order_ok and l_ok), "figure": path}


def burgers_section(out_dir, n=64, steps=200, t_end=1.0, c=0.5, viscosities=(0.05, 0.1, 0.2)):
    """Burgers against Cole–Hopf, and viscosities recovered from one snapshot each."""
    print("\nBurgers (chainrule.apps.pde): exact Cole-Hopf solution, viscosity recovered")
    x = pde.grid(n)
    dt = t_end / steps
    rows, sol_ok, fit_ok, fitted = [], True, True, []
    for nu in viscosities:
        u0 = np.asarray(pde.cole_hopf_solution(x, 0.0, nu, c))
        exact = np.asarray(pde.cole_hopf_solution(x, t_end, nu, c))
        u = np.asarray(pde.burgers(u0, nu, dt, steps))
        err = float(np.max(np.abs(u - exact)) / np.max(np.abs(exact)))
        nu_fit = float(pde.fit_viscosity(u0, exact, dt, steps, 2 * nu).x[0])
        fitted.append(nu_fit)
        rel = abs(nu_fit - nu) / nu
        sol_ok = sol_ok and err < 1e-6
        fit_ok = fit_ok and rel < 0.01
        rows.append([f"{nu:g}", f"{err:.1e}", f"{nu_fit:.6f}", f"{rel:.1e}"])
    sol_ok = check(f"solver against Cole-Hopf at t = {t_end}, relative error < 1e-6", sol_ok)
    fit_ok = check("viscosity recovered from the exact snapshot within 1%", fit_ok)
    print("   " + table(["true nu", "max error / max |u|", "recovered nu", "relative error"],
                        rows).replace("\n", "\n   "))

    path = None
    plt = _pyplot()
    if plt is not None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
        nu = viscosities[len(viscosities) // 2]
        u = np.asarray(pde.cole_hopf_solution(x, 0.0, nu, c))
        done = 0
        for t in (0.0, t_end / 3, 2 * t_end / 3, t_end):
            target = round(t / dt)
            if target > done:
                u = np.asarray(pde.burgers(u, nu, dt, target - done))
                done = target
            line, = left.plot(x, u, "o", ms=3, label=f"t = {t:.2f}")
            left.plot(x, pde.cole_hopf_solution(x, t, nu, c), "-", color=line.get_color(),
                      lw=0.8)
        left.set_title(f"u(x, t), nu = {nu}: solver (dots), Cole-Hopf (lines)")
        left.set_xlabel("x")
        left.legend(fontsize=8)
        right.plot(viscosities, fitted, "o", label="recovered")
        right.plot(viscosities, viscosities, "k--", lw=0.8, label="true")
        right.set_xlabel("true viscosity")
        right.set_ylabel("recovered viscosity")
        right.legend()
        path = _save(fig, plt, out_dir, "burgers_viscosity.png")
    return {"matches": bool(sol_ok and fit_ok), "figure": path}


def _random_vorticity(n, seed=0, peak=4.0, amplitude=5.0):
    """A smooth random vorticity field: Fourier modes with an energy peak at ``|k| = peak``."""
    rng = np.random.default_rng(seed)
    kx = np.fft.fftfreq(n, 1.0 / n)[:, None]
    ky = np.arange(n // 2 + 1)[None, :]
    k = np.hypot(kx, ky)
    envelope = k * np.exp(-((k - peak) / 1.5) ** 2)
    modes = envelope * (rng.normal(size=k.shape) + 1j * rng.normal(size=k.shape))
    w = np.fft.irfft2(modes, s=(n, n))
    return amplitude * w / np.max(np.abs(w))


def _peak_memory(fn, x):
    import gc
    import tracemalloc

    fn(x)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = fn(x)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak, out


NS_SIZES = {"quick": dict(n=32, steps=100, n_inverse=12, inverse_steps=25),
            "default": dict(n=64, steps=200, n_inverse=16, inverse_steps=36),
            "full": dict(n=128, steps=400, n_inverse=32, inverse_steps=64)}


def navier_stokes_section(out_dir, mode="default", **sizes):
    """2-D Navier–Stokes: Taylor–Green order, energy budget, initial field reconstructed."""
    size = dict(NS_SIZES[mode], **sizes)
    print("\n2-D Navier-Stokes (chainrule.apps.pde): Taylor-Green decay, energy budget, "
          "initial vorticity reconstructed from a later observation")
    solve = cr.jit(lambda w, nu, dt, steps: pde.navier_stokes(w, nu, dt, steps),
                   static_argnums=(2, 3))
    X, Y = pde.grid2d(16)
    nu_tg = 0.5
    w0, exact = (pde.taylor_green_vorticity(X, Y, t, nu_tg) for t in (0.0, 1.0))
    errors = [float(np.max(np.abs(solve(w0, nu_tg, 1.0 / s, s) - exact))) for s in (10, 20, 40)]
    orders = np.log2(np.array(errors[:-1]) / errors[1:])
    ok = check(f"Taylor-Green vortex: error {errors[-1]:.1e} at dt = 1/40, measured order "
               f"{orders[0]:.2f}, {orders[1]:.2f} (RK4: 4)", np.all(np.abs(orders - 4) < 0.2))

    # A decaying turbulent-looking flow: the kinetic energy must fall at the rate
    # dE/dt = -nu <omega^2> (2-D, periodic), measured here by a centred difference.
    n, steps, nu, dt = size["n"], size["steps"], 2e-3, 0.02
    w_start = _random_vorticity(n)
    snapshots = [w_start]
    for _ in range(2):
        snapshots.append(np.asarray(solve(snapshots[-1], nu, dt, steps // 2)))

    def energy(w):
        u, v = pde.velocity(w)
        return 0.5 * float(np.mean(u * u + v * v))

    w_mid = snapshots[1]
    w_minus, w_plus = np.asarray(solve(w_mid, nu, -1e-3, 1)), np.asarray(solve(w_mid, nu, 1e-3, 1))
    rate = (energy(w_plus) - energy(w_minus)) / 2e-3
    expected = -nu * float(np.mean(w_mid * w_mid))
    ok = check(f"energy budget at t = {steps // 2 * dt:g} on {n}x{n}: dE/dt = {rate:.4e}, "
               f"-nu <omega^2> = {expected:.4e} (relative difference < 1e-4)",
               abs(rate / expected - 1) < 1e-4) and ok

    # The inverse problem: recover omega(0) from omega(T) alone.
    m, k_steps = size["n_inverse"], size["inverse_steps"]
    nu_inv, dt_inv = 0.01, 0.025
    # Only the modes kept by the 2/3 rule reach the observation: the truth is made of them
    # (zero steps of the solver is the projection onto them).
    w_true = np.asarray(pde.navier_stokes(_random_vorticity(m, seed=1, peak=2.0, amplitude=2.0),
                                          nu_inv, dt_inv, 0))
    every = max(1, int(round(np.sqrt(k_steps))))
    observed = np.asarray(pde.navier_stokes(w_true, nu_inv, dt_inv, k_steps))
    res = pde.fit_initial_vorticity(observed, nu_inv, dt_inv, k_steps, checkpoint_every=every)
    rec_err = float(np.max(np.abs(res.x - w_true)) / np.max(np.abs(w_true)))
    ok = check(f"initial field ({m}x{m} = {m * m} unknowns) reconstructed from the field at "
               f"t = {k_steps * dt_inv:g}: max error {rec_err:.1e} of max |omega| (< 1e-4), "
               f"{res.nit} L-BFGS iterations", rec_err < 1e-4) and ok

    def gradient(ck):
        return cr.jit(cr.grad(lambda w: cr.numpy.sum(
            (pde.navier_stokes(w, nu_inv, dt_inv, k_steps, checkpoint_every=ck)
             - observed) ** 2)))

    (plain_peak, g_plain), (ck_peak, g_ck) = (_peak_memory(gradient(ck), w_true)
                                              for ck in (None, every))
    same = np.allclose(g_ck, g_plain, rtol=1e-10, atol=1e-12 * np.max(np.abs(g_plain)))
    state = m * m * 8
    ok = check(f"checkpointed adjoint (segments of {every} steps): same gradient, peak memory "
               f"{ck_peak / 2**20:.2f} MiB ({ck_peak / state:.0f} fields) vs "
               f"{plain_peak / 2**20:.2f} MiB ({plain_peak / state:.0f} fields) without "
               f"(< 1/2)", same and ck_peak < 0.5 * plain_peak) and ok

    path = None
    plt = _pyplot()
    if plt is not None:
        fig, axes = plt.subplots(2, 3, figsize=(11, 7.2))
        lim = np.max(np.abs(w_start))
        for ax, w, t in zip(axes[0], snapshots, (0, steps // 2 * dt, steps * dt)):
            ax.imshow(w.T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                      extent=(0, 2 * np.pi, 0, 2 * np.pi))
            ax.set_title(f"vorticity, t = {t:g} ({n}x{n}, nu = {nu})", fontsize=9)
        lim = np.max(np.abs(w_true))
        for ax, w, title in zip(axes[1], (observed, res.x, w_true),
                                (f"observed at t = {k_steps * dt_inv:g}",
                                 "reconstructed at t = 0", "true at t = 0")):
            ax.imshow(w.T, origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
                      extent=(0, 2 * np.pi, 0, 2 * np.pi))
            ax.set_title(title, fontsize=9)
        for ax in axes.ravel():
            ax.set_xticks([])
            ax.set_yticks([])
        path = _save(fig, plt, out_dir, "navier_stokes.png")
    return {"matches": bool(ok), "figure": path}
