"""A new user's mistakes on the science layers (nn, infer, solve_ivp, optim, apps): each
raises an error that names the argument and says what to do, or gives the right value,
instead of failing deep inside NumPy."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.numpy as cnp
from chainrule import infer, nn, optim, optimize
from chainrule.apps import nbody, orbits, pde
from chainrule.ode import odeint
from chainrule.scipy.integrate import solve_ivp
from chainrule.scipy.interpolate import RegularGridInterpolator

Y = np.array([1.2, 0.4, 2.1, 1.7, 0.9, 1.5])
QUICK = dict(num_warmup=20, num_samples=10, rng=0, progress=False)


# --- nn ------------------------------------------------------------------------------------

def test_layers_take_a_list_as_numpy_does():
    lin = nn.Linear(3, 2, key=0)
    np.testing.assert_array_equal(lin([1.0, 2.0, 3.0]), lin(np.array([1.0, 2.0, 3.0])))
    mlp = nn.MLP(2, 1, width_size=4, depth=1, key=0)
    np.testing.assert_array_equal(mlp([0.5, -1.0]), mlp(np.array([0.5, -1.0])))
    with pytest.raises(ValueError, match=r"expects an input of shape \(3,\), got shape \(\)"):
        lin(1.0)
    norm = nn.LayerNorm(3)
    np.testing.assert_allclose(norm([1.0, 2.0, 3.0]), norm(np.array([1.0, 2.0, 3.0])))


def test_losses_take_lists_as_numpy_does():
    assert float(nn.mse([1.0, 2.0], [1.0, 4.0])) == 2.0
    assert float(nn.mae([1.0, 2.0], [1.0, 4.0], reduction="sum")) == 2.0
    logits = np.array([[2.0, 0.0], [0.0, 1.0]])
    expected = nn.cross_entropy(logits, np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(nn.cross_entropy(logits, [[1.0, 0.0], [0.0, 1.0]]), expected)
    np.testing.assert_allclose(nn.cross_entropy(logits, np.array([0, 1])), expected)


def test_cross_entropy_float_class_indices_say_to_cast():
    logits = np.zeros((5, 3))
    with pytest.raises(ValueError, match=r"class indices must be integers.*astype\(int\)"):
        nn.cross_entropy(logits, np.array([0.0, 1.0, 2.0, 0.0, 1.0]))


# --- infer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sampler", [infer.metropolis, infer.ensemble])
def test_gradient_free_samplers_reject_a_vector_log_density(sampler):
    with pytest.raises(ValueError, match=r"logdensity must return a scalar.*shape \(6,\)"):
        sampler(lambda p: -0.5 * (Y - p["mu"]) ** 2, {"mu": 0.0}, **QUICK)


def test_hdi_checks_prob_and_takes_prob_one():
    x = np.arange(100.0)[None]
    with pytest.raises(ValueError, match=r"prob must be a probability in \(0, 1\].*0\.94"):
        infer.hdi(x, prob=94)
    np.testing.assert_array_equal(infer.hdi(x, prob=1.0), [0.0, 99.0])
    np.testing.assert_array_equal(infer.hdi(x, prob=0.5), [0.0, 50.0])


# --- solve_ivp -----------------------------------------------------------------------------

def test_solve_ivp_complex_right_hand_side_for_a_real_state():
    with pytest.raises(TypeError, match=r"fun\(t, y\) returned complex values.*real and "
                                        r"imaginary parts"):
        solve_ivp(lambda t, y: -1j * y, (0.0, 1.0), [1.0])


def test_solve_ivp_checks_tolerances_and_first_step_as_scipy_does():
    f = lambda t, y: -0.5 * y  # noqa: E731
    with pytest.raises(ValueError, match=r"`atol` must be a number or one value per "
                                         r"component of y0, shape \(2,\), got shape \(3,\)"):
        solve_ivp(f, (0.0, 1.0), [1.0, 2.0], atol=[1e-6, 1e-6, 1e-6])
    with pytest.raises(ValueError, match=r"`atol` must be positive"):
        solve_ivp(f, (0.0, 1.0), [1.0], atol=-1e-6)
    with pytest.raises(ValueError, match=r"`first_step` must be positive"):
        solve_ivp(f, (0.0, 1.0), [1.0], first_step=-0.1)
    # Per-component tolerances of the right shape are accepted, as in SciPy.
    sol = solve_ivp(f, (0.0, 1.0), [1.0, 2.0], rtol=1e-10, atol=[1e-12, 1e-12])
    np.testing.assert_allclose(sol.y[:, -1], np.exp(-0.5) * np.array([1.0, 2.0]), rtol=1e-8)



def test_odeint_times_out_of_order_are_named_as_odeint_sees_them():
    with pytest.raises(ValueError, match=r"odeint: t must be monotonically increasing or "
                                         r"decreasing"):
        odeint(lambda y, t: -0.5 * y, [1.0], [1.0, 0.0, 2.0])
    np.testing.assert_allclose(odeint(lambda y, t: -0.5 * y, [1.0], [1.0, 0.0])[-1],
                               [np.exp(0.5)], rtol=1e-7)


# --- interpolate ---------------------------------------------------------------------------

def test_regular_grid_interpolator_point_of_the_wrong_dimension():
    grid = (np.arange(3.0), np.arange(4.0))
    values = np.add.outer(grid[0], 10 * grid[1])
    rgi = RegularGridInterpolator(grid, values)
    with pytest.raises(ValueError, match=r"xi has 3 coordinates but this "
                                         r"RegularGridInterpolator has dimension 2"):
        rgi([1.0, 1.0, 1.0])
    np.testing.assert_allclose(rgi([1.5, 2.0]), [21.5])
    np.testing.assert_allclose(rgi((np.array([1.0, 2.0]), np.array([0.5, 3.0]))), [6.0, 32.0])


# --- optim ---------------------------------------------------------------------------------

def test_learning_rate_given_as_a_string():
    with pytest.raises(TypeError, match=r"learning rate must be a number.*string '1e-3'"):
        optim.adam("1e-3")


# --- apps ----------------------------------------------------------------------------------

def test_nbody_shapes_are_checked_before_the_arithmetic():
    x = np.random.default_rng(0).normal(size=(3, 3))
    with pytest.raises(ValueError, match=r"accelerations: masses must have shape \(3,\).*"
                                         r"got shape \(2,\)"):
        nbody.accelerations(x, np.ones(2))
    with pytest.raises(ValueError, match=r"energy: velocities must have the shape of "
                                         r"positions \(3, 3\), got shape \(2, 3\)"):
        nbody.energy(x, x[:2], np.ones(3))
    with pytest.raises(ValueError, match=r"simulate: positions must have shape \(N, d\)"):
        nbody.simulate(x[0], x[0], np.ones(3), 0.01, 2)
    # A scalar mass still broadcasts, as before.
    np.testing.assert_allclose(nbody.accelerations(x, 2.0),
                               nbody.accelerations(x, 2.0 * np.ones(3)))


def test_radial_velocity_fit_and_forecast_check_their_inputs():
    truth = (3.0, 5.0, 0.3, 1.0, 0.4, 0.2)
    t = np.linspace(0.0, 9.0, 20)
    rv = orbits.radial_velocity(t, *truth)
    with pytest.raises(ValueError, match=r"rv must have one velocity per time, shape \(20,\)"):
        orbits.fit_radial_velocity(t, rv[:15], 0.1, truth)
    with pytest.raises(ValueError, match=r"sigma must be a number or one standard deviation"):
        orbits.fit_radial_velocity(t, rv, np.full(5, 0.1), truth)
    with pytest.raises(TypeError, match=r"p0 must be a sequence of six numbers in the order "
                                        r"\(P, K, e, omega, tp, gamma\), got a dict"):
        orbits.fit_radial_velocity(t, rv, 0.1, dict(zip("PKewtg", truth)))
    with pytest.raises(ValueError, match=r"params must hold six numbers"):
        orbits.forecast_radial_velocity(t, truth[:5], 0.1)
    with pytest.raises(ValueError, match=r"sigma must be a number or one standard deviation"):
        orbits.forecast_radial_velocity(t, truth, np.ones(4))


def test_fit_viscosity_snapshot_on_another_grid():
    u0 = np.sin(pde.grid(16))
    with pytest.raises(ValueError, match=r"snapshot must be the state on u0's grid, shape "
                                         r"\(16,\), got shape \(8,\)"):
        pde.fit_viscosity(u0, u0[:8], 0.02, 5, 0.5)


# --- nn: construction, recurrent state and fit's arguments ---------------------------------

def test_linear_sizes_are_checked_and_zero_inputs_build():
    with pytest.raises(ValueError, match=r"Linear: out_features must be a non-negative "
                                         r"integer, got -4"):
        nn.MLP(2, 1, width_size=-4, depth=1, key=0)
    empty = nn.Linear(0, 2, key=0)  # PyTorch allows it: the output is the bias
    assert empty.weight.shape == (2, 0)
    np.testing.assert_array_equal(empty(np.ones(0)), empty.bias)


def test_lstm_cell_state_must_be_a_pair():
    cell = nn.LSTMCell(3, 4, key=0)
    h, c = cell(np.ones(3))
    with pytest.raises(TypeError, match=r"hx must be the pair \(h, c\) of shape \(4,\) each.*"
                                        r"got an array of shape \(4,\)"):
        cell(np.ones(3), h)
    h2, c2 = cell(np.ones(3), [h, c])
    np.testing.assert_array_equal(h2, cell(np.ones(3), (h, c))[0])


def test_fit_data_given_as_x_y_tuple_and_a_single_callback():
    x = np.linspace(0.0, 1.0, 10)[:, None]
    y = 2.0 * x
    model = nn.Linear(1, 1, key=0)

    def loss(m, batch):
        return nn.mse(cr.vmap(m)(batch[0]), batch[1])

    with pytest.raises(TypeError, match=r"data is a tuple of arrays \(\(10, 1\), \(10, 1\)\).*"
                                        r"data=\[\(x, y\)\]"):
        nn.fit(model, loss, (x, y), optim.sgd(0.1), epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"val_data is a tuple of arrays"):
        nn.fit(model, loss, [(x, y)], optim.sgd(0.1), epochs=1, val_data=(x, y),
               progress=False)
    seen = []
    res = nn.fit(model, loss, [(x, y)], optim.sgd(0.1), epochs=3, progress=False,
                 callbacks=lambda epoch, logs, m: seen.append(epoch))
    assert seen == [0, 1, 2] and len(res.history) == 3


# --- optimize ------------------------------------------------------------------------------

def test_minimize_jac_true_with_a_scalar_objective():
    with pytest.raises(TypeError, match=r"jac=True means fun returns the pair \(value, "
                                        r"gradient\).*leave jac out"):
        optimize.minimize(lambda x: cnp.sum((x - 0.3) ** 2), np.ones(2), jac=True)


def test_curve_fit_model_with_another_number_of_values_than_ydata():
    x = np.arange(5.0)
    with pytest.raises(ValueError, match=r"curve_fit: f\(xdata, \*params\) returned shape "
                                         r"\(5,\), but ydata has shape \(4,\)"):
        optimize.curve_fit(lambda x, a, b: a * x + b, x, np.arange(4.0))
    # A column (5, 1) against ydata (5,) would broadcast to a 5 x 5 residual.
    with pytest.raises(ValueError, match=r"returned shape \(5, 1\), but ydata has shape"):
        optimize.curve_fit(lambda x, a, b: a * x[:, None] + b, x, 2 * x + 1)
    # Without p0 the parameters are still counted from the model's signature.
    np.testing.assert_allclose(optimize.curve_fit(lambda x, a, b: a * x + b, x, 2 * x + 1)[0],
                               [2.0, 1.0])


# --- infer: per-chain starts, target acceptance; apps: loop counts -------------------------

def test_per_chain_starts_without_a_chain_axis():
    logp = lambda p: -0.5 * cnp.sum(p["a"] ** 2)  # noqa: E731
    with pytest.raises(ValueError, match=r"init_per_chain=True every leaf of init needs a "
                                         r"leading axis of size 2.*shape \(\)"):
        infer.metropolis(logp, {"a": 1.0}, num_chains=2, init_per_chain=True, **QUICK)
    with pytest.raises(ValueError, match=r"init_per_walker=True every leaf of init needs a "
                                         r"leading axis of size 8.*shape \(3,\)"):
        infer.ensemble(logp, {"a": np.zeros(3)}, num_walkers=8, init_per_walker=True, **QUICK)
    # Without num_walkers, there is one walker per start given.
    starts = np.random.default_rng(0).normal(size=(6, 2))
    res = infer.ensemble(logp, {"a": starts}, init_per_walker=True, **QUICK)
    assert res.samples["a"].shape == (6, 10, 2)


def test_metropolis_target_accept_is_a_probability():
    with pytest.raises(ValueError, match=r"target_accept must be a probability in \(0, 1\), "
                                         r"got 23.4"):
        infer.metropolis(lambda p: -p["a"] ** 2, {"a": 1.0}, target_accept=23.4, **QUICK)


GRADIENT_SAMPLERS = [infer.nuts, lambda *a, **k: infer.hmc(*a, num_steps=3, **k)]
ALL_SAMPLERS = GRADIENT_SAMPLERS + [infer.metropolis, infer.ensemble]


@pytest.mark.parametrize("sampler", ALL_SAMPLERS)
def test_samplers_refuse_integer_parameters(sampler):
    # An integer in init was sampled as a continuous parameter (it drifted to -12 with no
    # word): data kept in init by mistake, or a count meant to stay fixed.
    logp = lambda p: -0.5 * p["mu"] ** 2 - 0.1 * p["n"] ** 2  # noqa: E731
    with pytest.raises(TypeError, match=r"init\['n'\] is an integer.*3\.0.*close over it"):
        sampler(logp, {"mu": 0.0, "n": 3}, **QUICK)
    with pytest.raises(TypeError, match=r"init\['n'\] is a boolean"):
        sampler(logp, {"mu": 0.0, "n": np.array([True, False])}, **QUICK)


@pytest.mark.parametrize("fit", [infer.laplace, lambda f, p: infer.advi(f, p, num_steps=5)])
def test_laplace_and_advi_refuse_integer_parameters(fit):
    with pytest.raises(TypeError, match=r"init\['n'\] is an integer"):
        fit(lambda p: -0.5 * p["mu"] ** 2 - 0.1 * p["n"] ** 2, {"mu": 0.0, "n": 3})


def test_initial_point_errors_name_each_parameter_with_its_own_value():
    # Keys given out of sorted order: the message pairs each name with its value.
    logp = lambda p: cnp.log(p["b"]) - p["a"] ** 2  # noqa: E731
    with pytest.raises(ValueError, match=r"NaN at the initial point \(a=1\.0, b=-2\.0\)"):
        infer.nuts(logp, {"b": -2.0, "a": 1.0}, **QUICK)


@pytest.mark.parametrize("sampler", GRADIENT_SAMPLERS)
def test_gradient_samplers_reject_a_vector_log_density(sampler):
    with pytest.raises(ValueError, match=r"logdensity must return a scalar.*shape \(6,\)"):
        sampler(lambda p: -0.5 * (Y - p["mu"]) ** 2, {"mu": 0.0}, **QUICK)


@pytest.mark.parametrize("sampler", GRADIENT_SAMPLERS)
def test_gradient_samplers_check_per_chain_starts_and_target_accept(sampler):
    logp = lambda p: -0.5 * cnp.sum(p["a"] ** 2)  # noqa: E731
    with pytest.raises(ValueError, match=r"init_per_chain=True every leaf of init needs a "
                                         r"leading axis of size 2.*shape \(\)"):
        sampler(logp, {"a": 1.0}, num_chains=2, init_per_chain=True, **QUICK)
    for bad in (80, 0.0, 1.0):
        with pytest.raises(ValueError, match=r"target_accept must be a probability in "
                                             r"\(0, 1\)"):
            sampler(logp, {"a": 1.0}, target_accept=bad, **QUICK)


def test_negative_or_fractional_step_counts_are_refused():
    u0 = np.sin(pde.grid(16))
    with pytest.raises(ValueError, match=r"burgers: steps must be a non-negative integer, "
                                         r"got -3"):
        pde.burgers(u0, 0.1, 0.01, -3)
    with pytest.raises(ValueError, match=r"navier_stokes: steps must be a non-negative"):
        pde.navier_stokes(np.zeros((8, 8)), 0.1, 0.01, 2.5)
    x = np.array([[-0.5, 0, 0], [0.5, 0, 0]])
    with pytest.raises(ValueError, match=r"simulate: n_steps must be a non-negative integer"):
        nbody.simulate(x, np.zeros_like(x), np.ones(2), 0.01, -1)
    np.testing.assert_allclose(pde.burgers(u0, 0.1, 0.01, 0), pde.burgers(u0, 0.1, 0.01, 0.0))


# --- apps: lists, velocity fields, guesses, dimensions -------------------------------------

def test_orbits_take_lists_as_numpy_does():
    E = orbits.solve_kepler([0.1, 2.0], 0.3)
    np.testing.assert_allclose(E - 0.3 * np.sin(E), [0.1, 2.0], rtol=1e-14)
    t = [0.0, 0.7, 1.9]
    np.testing.assert_array_equal(orbits.radial_velocity(t, 3.0, 5.0, 0.3, 1.0, 0.4),
                                  orbits.radial_velocity(np.array(t), 3.0, 5.0, 0.3, 1.0, 0.4))


def test_advection_diffusion_velocity_and_the_field_names():
    X, Y = pde.grid2d(16)
    c0 = np.exp(-((X - 3) ** 2 + (Y - 3) ** 2))
    with pytest.raises(ValueError, match=r"velocity component u must be a number or an "
                                         r"\(16, 16\) array like c0, got shape \(8, 8\)"):
        pde.advection_diffusion(c0, (np.ones((8, 8)), np.ones((8, 8))), 0.01, 0.01, 3)
    with pytest.raises(ValueError, match=r"velocity must be the pair \(u, v\).*got an array "
                                         r"of shape \(16, 16\)"):
        pde.advection_diffusion(c0, np.ones((16, 16)), 0.01, 0.01, 3)
    with pytest.raises(ValueError, match=r"the concentration c0 must be a square"):
        pde.advection_diffusion(c0[0], (1.0, 0.5), 0.01, 0.01, 3)
    with pytest.raises(ValueError, match=r"omega_guess must have the observation's shape "
                                         r"\(8, 8\), got shape \(4, 4\)"):
        pde.fit_initial_vorticity(np.zeros((8, 8)), 0.1, 0.01, 2, omega_guess=np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"grid: n must be a positive number of points"):
        pde.grid(0)


def test_angular_momentum_needs_three_dimensions():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"needs 3 space dimensions.*got shape \(2, 2\)"):
        nbody.angular_momentum(x, x, np.ones(2))


def test_optim_fit_batches_given_in_place_of_the_step_count():
    loss = lambda p, b: cnp.sum((p["w"] - b) ** 2)  # noqa: E731
    with pytest.raises(TypeError, match=r"steps \(the 4th argument\) must be a non-negative "
                                        r"integer, got a list; pass the batches as data="):
        optim.fit(loss, {"w": np.zeros(2)}, optim.adam(0.1), [np.ones(2)] * 3)
    params, history = optim.fit(loss, {"w": np.zeros(2)}, optim.sgd(0.25), 2,
                                data=[np.ones(2)] * 3)
    np.testing.assert_allclose(params["w"], [0.75, 0.75])  # two steps, each halving the gap


def test_nn_fit_loss_returning_one_value_per_example():
    x = np.linspace(0.0, 1.0, 10)[:, None]
    model = nn.Linear(1, 1, key=0)

    def loss(m, batch):
        return nn.mse(cr.vmap(m)(batch[0]), batch[1], reduction="none")

    with pytest.raises(TypeError, match=r"nn.fit: loss_fn must return a scalar.*returned "
                                        r"shape \(10, 1\)"):
        nn.fit(model, loss, [(x, 2 * x)], optim.sgd(0.1), epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"nn.fit: loss_fn must return a scalar"):
        nn.fit(model, loss, [(x, 2 * x)], optim.sgd(0.1), epochs=1, progress=False,
               jit=False)


def test_dataloader_list_of_records_and_list_of_numbers():
    x = np.arange(10.0)[:, None]
    with pytest.raises(TypeError, match=r"data is a list of 10 examples.*np.stack"):
        nn.DataLoader([(x[i], 2 * x[i]) for i in range(10)], batch_size=4)
    with pytest.raises(ValueError, match=r"pass np.asarray\(data\)"):
        nn.DataLoader([1.0, 2.0, 3.0], batch_size=2)
    # A list of whole arrays is still a container, as before.
    batches = list(nn.DataLoader([x, 2 * x], batch_size=4))
    np.testing.assert_array_equal(batches[-1][1], [[16.0], [18.0]])


def test_huber_delta_and_gaussian_nll_var_shapes_as_pytorch_checks_them():
    with pytest.raises(ValueError, match=r"huber: delta must be positive"):
        nn.huber(np.ones(2), np.zeros(2), delta=-1.0)
    with pytest.raises(ValueError, match=r"gaussian_nll: var has shape \(3,\); for input of "
                                         r"shape \(4,\)"):
        nn.gaussian_nll(np.ones(4), np.zeros(4), np.ones(3))
    x, t = np.ones((2, 3)), np.zeros((2, 3))
    full = nn.gaussian_nll(x, t, np.full((2, 3), 2.0))
    for var in (np.full((2, 1), 2.0), np.full(2, 2.0), 2.0):  # PyTorch's shapes, and a number
        np.testing.assert_allclose(nn.gaussian_nll(x, t, var), full)
    np.testing.assert_allclose(full, 0.5 * (np.log(2.0) + 0.5))


def test_corner_truths_as_a_dict_summary_row_and_laplace_sample_count():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rng = np.random.default_rng(0)
    draws = {"a": rng.normal(size=(2, 50)), "b": rng.normal(size=(2, 50, 2))}
    fig = infer.plot_corner(draws, truths={"a": 0.5, "b": np.array([1.0, -1.0])},
                            use_corner=False)
    ref = infer.plot_corner(draws, truths=[0.5, 1.0, -1.0], use_corner=False)
    # The same marks: the vertical line of each diagonal panel sits at the true value.
    for ax, ax_ref in zip(fig.axes, ref.axes):
        assert [ln.get_xdata() for ln in ax.lines] == [ln.get_xdata() for ln in ax_ref.lines]
    assert fig.axes[0].lines[0].get_xdata()[0] == 0.5
    plt.close("all")
    with pytest.raises(ValueError, match=r"truths given as a dict must name every parameter"):
        infer.plot_corner(draws, truths={"a": 0.5}, use_corner=False)
    with pytest.raises(ValueError, match=r"no parameter 'c'; the rows are \['a', 'b\[0\]', "
                                         r"'b\[1\]'\]"):
        infer.summary(draws).row("c")
    post = infer.laplace(lambda p: -0.5 * p["a"] ** 2, {"a": 1.0})
    with pytest.raises(ValueError, match=r"n must be a non-negative integer"):
        post.sample(-1, rng=0)


def test_conv_channels_last_and_mlp_activation_by_name():
    conv = nn.Conv1d(1, 2, 3, key=0)
    with pytest.raises(ValueError, match=r"got shape \(10, 1\).*Channels come first.*"
                                         r"moveaxis\(x, -1, 0\)"):
        conv(np.ones((10, 1)))
    np.testing.assert_array_equal(conv(np.ones((1, 10))).shape, (2, 8))
    with pytest.raises(TypeError, match=r"MLP: activation must be a function such as nn.relu"):
        nn.MLP(2, 1, width_size=4, depth=1, key=0, activation="relu")


def test_minimize_user_hessian_of_the_wrong_size():
    f = lambda x: cnp.sum((x - 0.3) ** 2)  # noqa: E731
    with pytest.raises(ValueError, match=r"minimize: hess returned an array of shape \(3, 3\), "
                                         r"but x0 has 2 element\(s\)"):
        optimize.minimize(f, np.ones(2), method="Newton-CG", hess=lambda x: np.eye(3))
    res = optimize.minimize(f, np.ones(2), method="Newton-CG", hess=lambda x: 2 * np.eye(2))
    np.testing.assert_allclose(res.x, [0.3, 0.3])


def test_curve_fit_of_a_constant_model_matches_scipy():
    # The model broadcasts (one value for every point): its Jacobian still needs one row per
    # data point, as SciPy's finite differences give.
    import scipy.optimize as sopt
    x = np.linspace(0.0, 1.0, 10)
    y = 2.0 + 0.01 * np.sin(7.0 * x)
    popt, pcov = optimize.curve_fit(lambda x, a: a, x, y, p0=[1.0])
    ref, ref_cov = sopt.curve_fit(lambda x, a: a, x, y, p0=[1.0])
    np.testing.assert_allclose(popt, [np.mean(y)], rtol=1e-10)
    np.testing.assert_allclose(popt, ref, rtol=1e-7)
    np.testing.assert_allclose(pcov, ref_cov, rtol=1e-4)


def test_nn_save_to_a_folder_names_the_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a directory; give the name of the file"):
        nn.save(tmp_path, nn.Linear(2, 3, key=0))
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
