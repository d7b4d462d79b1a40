import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.optim import (
    DIVERGED_AT,
    LESSON,
    OPTIMIZERS,
    STATE_KEYS,
    SURFACES,
    Hyper,
    gradient,
    hessian,
    optimize,
    run_optimizer,
)
from engine.params import ParamError
from engine.trace import to_jsonable
from tests.numerics import assert_close, numeric_grad

TORCH_SURFACES = {
    "quadratic": lambda p: p[0] ** 2 / 20 + p[1] ** 2,
    "rosenbrock": lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2,
    "saddle": lambda p: p[0] ** 2 + p[1] ** 4 / 4 - p[1] ** 2 / 2,
}
LR_RANGES = {"quadratic": (1e-3, 1.5), "rosenbrock": (1e-4, 3e-3), "saddle": (1e-3, 0.5)}


def torch_run(trace) -> dict[str, np.ndarray]:
    """The same run with torch.optim on the surface written in torch, gradients by autograd."""
    p = torch.tensor(np.array(trace.start), requires_grad=True)
    if trace.optimizer == "sgd":
        opt = torch.optim.SGD([p], lr=trace.lr)
    elif trace.optimizer == "momentum":
        opt = torch.optim.SGD([p], lr=trace.lr, momentum=trace.momentum,
                              nesterov=trace.nesterov)
    elif trace.optimizer == "rmsprop":
        opt = torch.optim.RMSprop([p], lr=trace.lr, alpha=trace.alpha, eps=trace.eps)
    else:
        opt = torch.optim.Adam([p], lr=trace.lr, betas=(trace.beta1, trace.beta2), eps=trace.eps)
    f = TORCH_SURFACES[trace.surface]
    path, losses, grads = [p.detach().clone()], [], []
    states: dict[str, list] = {key: [] for key in STATE_KEYS[trace.optimizer]}
    for _ in range(trace.steps_taken):
        opt.zero_grad()
        loss = f(p)
        loss.backward()
        losses.append(loss.item())
        grads.append(p.grad.clone())
        opt.step()
        path.append(p.detach().clone())
        for key in states:
            value = opt.state[p].get(key)
            states[key].append(p.grad.clone() if value is None else value.clone())
    losses.append(f(p).item())
    return {"path": torch.stack(path).numpy(), "loss": np.array(losses),
            "grads": torch.stack(grads).numpy().reshape(-1, 2),
            **{k: torch.stack(v).numpy() for k, v in states.items()}}


@st.composite
def runs(draw):
    surface = draw(st.sampled_from(list(SURFACES)))
    lo, hi = LR_RANGES[surface]
    x_lo, x_hi, y_lo, y_hi = SURFACES[surface].window
    return dict(
        surface=surface, optimizer=draw(st.sampled_from(OPTIMIZERS)),
        lr=float(np.exp(draw(st.floats(np.log(lo), np.log(hi))))),
        steps=draw(st.integers(1, 60)),
        start=[draw(st.floats(x_lo, x_hi)), draw(st.floats(y_lo, y_hi))],
        momentum=draw(st.floats(0.05, 0.99)), nesterov=draw(st.booleans()),
        alpha=draw(st.floats(0.5, 0.999)), beta1=draw(st.floats(0.0, 0.99)),
        beta2=draw(st.floats(0.9, 0.9999)), eps=draw(st.sampled_from([1e-10, 1e-8, 1e-6])),
        grid_points=5,
    )


def check_against_torch(trace) -> None:
    ref = torch_run(trace)
    assert_close(trace.path, ref["path"])
    assert_close(trace.grads, ref["grads"])
    assert_close(trace.loss, ref["loss"], atol=1e-12)
    assert set(trace.state) == set(STATE_KEYS[trace.optimizer])
    for key, values in trace.state.items():
        assert_close(values, ref[key])


@settings(max_examples=120, deadline=None)
@given(runs())
def test_paths_match_torch_optim(params):
    trace = LESSON.run(params)
    assert trace.steps_taken == params["steps"] or trace.diverged
    check_against_torch(trace)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("surface", list(SURFACES))
def test_default_hyper_parameters_match_torch_over_a_long_run(surface, optimizer):
    lr = {"quadratic": 0.1, "rosenbrock": 1e-3, "saddle": 0.05}[surface]
    trace = LESSON.run({"surface": surface, "optimizer": optimizer, "lr": lr, "steps": 300})
    assert trace.path.shape == (301, 2) and trace.loss.shape == (301,)
    assert trace.grads.shape == trace.updates.shape == (300, 2)
    check_against_torch(trace)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_surface_gradients_match_finite_differences(surface):
    s = SURFACES[surface]
    rng = np.random.default_rng(2)
    for _ in range(5):
        p = rng.uniform(-1.5, 1.5, 2)
        numeric = numeric_grad(lambda v: float(s.loss(v[0], v[1])), p)
        assert_close(gradient(s, p), numeric, rtol=1e-6, atol=1e-7)
    for minimum in s.minima:
        assert_close(gradient(s, np.array(minimum)), [0.0, 0.0], rtol=0, atol=0)
        assert s.loss(*minimum) == s.min_loss


def test_divergence_stops_early_and_stays_json_ready():
    trace = LESSON.run({"surface": "rosenbrock", "optimizer": "sgd", "lr": 0.1, "steps": 50})
    assert trace.diverged and trace.steps_taken < 50
    assert trace.path.shape == (trace.steps_taken + 1, 2)
    assert np.abs(trace.path[-1]).max() > DIVERGED_AT
    assert np.all(np.abs(trace.path[:-1]) <= DIVERGED_AT)
    data = trace.to_dict()
    assert data["diverged"] is True and len(data["path"]) == trace.steps_taken + 1
    check_against_torch(trace)  # torch takes the same steps up to there
    for optimizer in OPTIMIZERS:  # the largest lr from a far start: no crash, no warning
        with np.errstate(all="raise"):
            huge = LESSON.run({"surface": "rosenbrock", "optimizer": optimizer, "lr": 100.0,
                               "start": [100, -100], "steps": 1000})
        assert np.all(np.isfinite(huge.path)) and np.all(np.isfinite(huge.loss))
        assert huge.diverged or huge.steps_taken == 1000


def test_a_non_finite_point_ends_the_run_and_becomes_null_in_json():
    # out of the lesson's parameter ranges, so only reachable by calling the function directly
    with np.errstate(over="ignore"):
        run = run_optimizer(SURFACES["quadratic"], "sgd", np.array([1e300, 1.0]), 5,
                            Hyper(lr=1e10))
    assert run.diverged and len(run.path) == 2  # stopped at the first step beyond the bound
    assert to_jsonable(run.path)[-1] == [None, 1.0 - 1e10 * 2.0]
    assert to_jsonable(run.losses) == [None, None]


def test_optimizers_behave_as_the_lesson_says():
    sgd = LESSON.run({"steps": 100})
    assert sgd.path[1, 1] == pytest.approx(2.0 - 0.1 * 4.0)  # y - lr * 2y
    assert np.all(np.diff(sgd.loss) < 0)
    assert abs(sgd.path[-1, 1]) < 1e-8 and sgd.path[-1, 0] < -2.5  # fast across, slow along
    bounce = LESSON.run({"lr": 1.0, "steps": 4})  # lr * curvature 2 = 2: y flips sign for ever
    assert bounce.path[:, 1].tolist() == [2.0, -2.0, 2.0, -2.0, 2.0]
    adam = LESSON.run({"optimizer": "adam", "lr": 0.1})
    assert adam.path[1].tolist() == pytest.approx([-7 + 0.1, 2 - 0.1])  # first step: lr * sign
    for optimizer in ("momentum", "rmsprop", "adam"):
        assert LESSON.run({"optimizer": optimizer}).final_loss < sgd.final_loss
    saddle_sgd = LESSON.run({"surface": "saddle", "lr": 0.01, "steps": 200})
    saddle_adam = LESSON.run({"surface": "saddle", "optimizer": "adam", "lr": 0.01,
                              "steps": 200})
    assert abs(saddle_sgd.path[-1, 1]) < 0.05  # still by the saddle
    assert saddle_adam.path[-1, 1] == pytest.approx(1.0, abs=0.01)  # in a minimum


def test_contour_grid_covers_the_window_and_the_start():
    trace = LESSON.run({"surface": "rosenbrock", "grid_points": 5, "steps": 1, "lr": 1e-3})
    assert trace.grid_x.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert trace.grid_y.tolist() == [-1.0, 0.0, 1.0, 2.0, 3.0]
    assert trace.grid_loss[2, 3] == 0.0  # (1, 1)
    assert trace.grid_loss[0, 1] == pytest.approx(4 + 100 * 4)  # x = -1, y = -1
    far = LESSON.run({"start": [30, 0], "steps": 1, "grid_points": 3})
    x_lo, x_hi, y_lo, y_hi = far.window
    assert x_lo == -10.0 and x_hi == pytest.approx(34.0) and (y_lo, y_hi) == (-5.0, 5.0)


@pytest.mark.parametrize("overrides,message", [
    ({"start": [1.0, 2.0, 3.0]}, "start: must be [x, y], two numbers, got 3"),
    ({"start": [1000.0, 0.0]}, "start: entries must be <= 100"),
    ({"optimizer": "momentum", "momentum": 0.0, "nesterov": True},
     "nesterov: needs momentum > 0 (as in PyTorch)"),
    ({"beta1": 1.0}, "beta1: must be a number from 0 to 0.99999, got 1.0"),
    ({"surface": "himmelblau"}, "surface: must be one of quadratic, rosenbrock, saddle"),
    ({"optimizer": "adagrad"}, "optimizer: must be one of sgd, momentum, rmsprop, adam"),
    ({"steps": 0}, "steps: must be an integer from 1 to 1000, got 0"),
    ({"eps": 0}, "eps: must be a number from 1e-12 to 1"),
])
def test_bad_parameters_are_refused_with_a_clear_message(overrides, message):
    with pytest.raises(ParamError) as info:
        LESSON.run(overrides)
    assert message in str(info.value)


def test_nesterov_is_ignored_by_other_optimizers_and_momentum_zero_is_sgd():
    assert LESSON.run({"momentum": 0.0, "nesterov": True}).path.tolist() == \
        LESSON.run({}).path.tolist()
    zero = LESSON.run({"optimizer": "momentum", "momentum": 0.0})
    assert_close(zero.path, LESSON.run({}).path, rtol=0, atol=0)


def test_trace_is_frozen_and_json_ready():
    trace = optimize(optimizer="adam", steps=3, grid_points=4)
    with pytest.raises(ValueError):
        trace.path[0, 0] = 1.0
    with pytest.raises(TypeError):
        trace.state["exp_avg"] = None
    data = trace.to_dict()
    assert set(data["state"]) == {"exp_avg", "exp_avg_sq"}
    assert np.shape(data["state"]["exp_avg"]) == (3, 2)
    assert np.shape(data["grid_loss"]) == (4, 4) and data["diverged"] is False


# -- the keys the video adds: the comparison, the large-rate run, the curvature -------------

RUN_KEYS = ("path", "loss", "grads", "updates", "steps_taken", "diverged", "final_loss")


def as_run_of(trace, name, **changes):
    """The comparison run `name` of `trace` (or any run-like keys) seen as a single-optimizer
    trace, for torch_run / check_against_torch."""
    from types import SimpleNamespace

    run = trace.runs[name]
    fields = {key: getattr(trace, key) for key in (
        "surface", "lr", "momentum", "nesterov", "alpha", "beta1", "beta2", "eps", "start")}
    fields.update(optimizer=name, **{key: getattr(run, key) for key in RUN_KEYS},
                  state=run.state)
    fields.update(changes)
    return SimpleNamespace(**fields)


@settings(max_examples=25, deadline=None)
@given(runs())
def test_the_compared_runs_are_the_single_optimizer_runs(params):
    trace = LESSON.run(params)
    assert trace.compare == OPTIMIZERS and tuple(trace.runs) == OPTIMIZERS
    for name in OPTIMIZERS:
        single = LESSON.run({**params, "optimizer": name})
        run = trace.runs[name]
        assert run.optimizer == name
        for key in RUN_KEYS:
            assert np.array_equal(getattr(run, key), getattr(single, key)), (name, key)
        assert set(run.state) == set(single.state)
        for key in run.state:
            assert np.array_equal(run.state[key], single.state[key])
        assert run.final_gap == max(run.final_loss - trace.min_loss, 0.0)
    for key in RUN_KEYS:  # the lesson's own keys still describe the `optimizer` run
        assert np.array_equal(getattr(trace, key), getattr(trace.runs[trace.optimizer], key))


@pytest.mark.parametrize("surface,lr,nesterov", [("quadratic", 0.1, False),
                                                  ("quadratic", 0.1, True),
                                                  ("rosenbrock", 1e-3, False),
                                                  ("saddle", 0.05, True)])
def test_every_compared_run_matches_torch_optim(surface, lr, nesterov):
    trace = LESSON.run({"surface": surface, "lr": lr, "steps": 150, "nesterov": nesterov})
    for name in OPTIMIZERS:
        check_against_torch(as_run_of(trace, name))


def test_adam_bias_corrected_moments_give_its_step():
    trace = LESSON.run({"optimizer": "adam", "steps": 30, "beta1": 0.8, "beta2": 0.99})
    adam = trace.runs["adam"]
    ref = torch_run(as_run_of(trace, "adam"))
    t = np.arange(1, 31)[:, None]
    assert_close(adam.bias_corrected["exp_avg"], ref["exp_avg"] / (1 - 0.8 ** t))
    assert_close(adam.bias_corrected["exp_avg_sq"], ref["exp_avg_sq"] / (1 - 0.99 ** t))
    m_hat, v_hat = adam.bias_corrected["exp_avg"], adam.bias_corrected["exp_avg_sq"]
    assert_close(adam.updates, -trace.lr * m_hat / (np.sqrt(v_hat) + trace.eps))  # the video's Δ
    first = adam.bias_corrected  # step 1: m-hat is g, v-hat is g^2
    assert_close(first["exp_avg"][0], adam.grads[0])
    assert_close(first["exp_avg_sq"][0], adam.grads[0] ** 2)
    for name in ("sgd", "momentum", "rmsprop"):
        assert dict(trace.runs[name].bias_corrected) == {}


def test_best_is_the_run_closest_to_the_minimum_loss():
    trace = LESSON.run({})
    gaps = {name: trace.runs[name].final_gap for name in OPTIMIZERS}
    assert trace.best == min(gaps, key=gaps.get) == "rmsprop"
    blown = LESSON.run({"surface": "rosenbrock", "lr": 0.01, "steps": 50})
    assert blown.runs["sgd"].diverged and blown.best in ("rmsprop", "adam")


def test_the_large_rate_is_the_first_doubling_that_diverges_and_matches_torch():
    trace = LESSON.run({})  # sgd, lr 0.1 on the quadratic: 0.2, 0.4, 0.8 settle; 1.6 does not
    assert trace.large_lr == pytest.approx(1.6) and trace.large_lr_factor == pytest.approx(16)
    assert trace.large_lr_diverged and trace.large_lr_case == "diverged"
    assert trace.large_lr > trace.lr_limit == 1.0
    assert not LESSON.run({"lr": trace.large_lr / 2}).diverged
    big = LESSON.run({"lr": trace.large_lr})  # only the rate changed
    assert np.array_equal(big.path, trace.large_lr_path)
    assert np.array_equal(big.loss, trace.large_lr_loss)
    assert big.steps_taken == trace.large_lr_steps_taken < trace.steps
    assert big.final_loss == trace.large_lr_final_loss
    check_against_torch(big)
    given_rate = LESSON.run({"large_lr": 0.9})  # below the limit: it settles
    assert given_rate.large_lr == 0.9 and given_rate.large_lr_case == "stable"
    assert not given_rate.large_lr_diverged


@pytest.mark.parametrize("surface", list(SURFACES))
def test_no_rate_makes_rmsprop_or_adam_diverge_so_the_large_rate_is_ten_times(surface):
    lr = {"quadratic": 0.1, "rosenbrock": 2e-3, "saddle": 0.05}[surface]
    for name in ("rmsprop", "adam"):
        trace = LESSON.run({"surface": surface, "optimizer": name, "lr": lr})
        assert trace.large_lr_case == "adaptive" and not trace.large_lr_diverged
        assert trace.large_lr == pytest.approx(10 * lr) and trace.lr_max == 100.0
        assert not LESSON.run({"surface": surface, "optimizer": name, "lr": 100.0}).diverged
        big = LESSON.run({"surface": surface, "optimizer": name, "lr": trace.large_lr})
        assert np.array_equal(big.path, trace.large_lr_path)


@pytest.mark.parametrize("surface", list(SURFACES))
def test_curvatures_and_saddles_match_torch_hessians(surface):
    f = TORCH_SURFACES[surface]
    rng = np.random.default_rng(5)
    for p in [*rng.uniform(-1.5, 1.5, (4, 2)), *SURFACES[surface].minima]:
        ref = torch.autograd.functional.hessian(f, torch.tensor(np.array(p, dtype=np.float64)))
        assert_close(hessian(surface, *p), ref.numpy())
    trace = LESSON.run({"surface": surface, "steps": 1, "lr": 1e-3})
    at_min = torch.autograd.functional.hessian(f, torch.tensor(trace.minima[0]))
    assert_close(trace.curvatures, np.linalg.eigvalsh(at_min.numpy()))
    for value, direction in zip(trace.curvatures, trace.curvature_directions, strict=True):
        assert_close(at_min.numpy() @ direction, value * direction, atol=1e-9)
        assert np.linalg.norm(direction) == pytest.approx(1.0)
    assert trace.condition == pytest.approx(trace.curvatures[1] / trace.curvatures[0])
    assert trace.lr_limit == pytest.approx(2 / trace.curvatures[1])
    for x, y in trace.saddles:  # gradient zero, the surface curves up one way and down the other
        assert_close(gradient(SURFACES[surface], np.array([x, y])), [0.0, 0.0], rtol=0, atol=0)
        low, high = np.linalg.eigvalsh(hessian(surface, x, y))
        assert low < 0 < high
    assert len(trace.saddles) == (1 if surface == "saddle" else 0)


def test_the_stability_limit_separates_settling_from_diverging_on_the_quadratic():
    limit = LESSON.run({}).lr_limit
    below = LESSON.run({"lr": 0.95 * limit, "steps": 400})
    above = LESSON.run({"lr": 1.05 * limit, "steps": 400})
    assert not below.diverged and below.final_loss < 1e-6
    assert above.diverged


def test_the_video_keys_are_json_ready():
    data = optimize(optimizer="adam", steps=3, grid_points=4).to_dict()
    assert data["compare"] == list(OPTIMIZERS) and set(data["runs"]) == set(OPTIMIZERS)
    assert np.shape(data["runs"]["adam"]["bias_corrected"]["exp_avg"]) == (3, 2)
    assert np.shape(data["runs"]["momentum"]["state"]["momentum_buffer"]) == (3, 2)
    assert data["saddles"] == [] and data["large_lr_case"] == "adaptive"
    assert data["diverged_at"] == DIVERGED_AT and isinstance(data["large_lr_diverged"], bool)
    assert LESSON.run({"lr": 0.0, "steps": 2}).to_dict()["large_lr_factor"] is None  # inf


@pytest.mark.parametrize("alpha,longer", [(0.99, True), (0.5, True), (0.0, False)])
def test_rmsprop_first_step_outruns_the_rate_only_when_s_remembers(alpha, longer):
    trace = LESSON.run({"alpha": alpha})
    first = np.abs(trace.runs["rmsprop"].updates[0])
    assert trace.rmsprop_first_longer is longer
    # s_1 = (1 - alpha) g^2, so the first step is lr / sqrt(1 - alpha) along each coordinate
    assert_close(first, np.full(2, trace.lr / np.sqrt(1 - alpha)), rtol=1e-6)
