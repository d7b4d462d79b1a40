import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.params import ParamError
from engine.rnn import (
    LESSON,
    RNNWeights,
    backprop_through_time,
    default_window,
    init_rnn,
    make_sequence,
    rnn_backward,
    rnn_forward,
    step_losses,
)
from tests.engine.torch_recurrent import rnn_reference
from tests.numerics import assert_close, numeric_grad

GRADS = ("grad_W_xh", "grad_W_hh", "grad_b_h", "grad_W_hy", "grad_b_y", "grad_h", "grad_h0")


@st.composite
def lessons(draw):
    steps = draw(st.integers(1, 8))
    return dict(
        steps=steps, input_size=draw(st.integers(1, 4)), hidden_size=draw(st.integers(1, 5)),
        output_size=draw(st.integers(1, 3)), seed=draw(st.integers(0, 2**32 - 1)),
        recurrent_scale=draw(st.floats(0.0, 3.0)), input_scale=draw(st.floats(0.0, 3.0)),
        truncate=draw(st.none() | st.integers(1, steps + 2)),
        initial_state=draw(st.sampled_from(["zeros", "random"])),
    )


def weights_of(trace) -> RNNWeights:
    return RNNWeights(trace.W_xh, trace.W_hh, trace.b_h, trace.W_hy, trace.b_y)


@settings(max_examples=60, deadline=None)
@given(lessons())
def test_lesson_matches_pytorch_truncated_graph(params):
    trace = backprop_through_time(**params)
    ref = rnn_reference(trace.x, trace.h0, weights_of(trace), trace.targets, params["truncate"])
    for key in ("h", "y", *GRADS):
        assert_close(getattr(trace, key), ref[key])
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-12)
    assert_close(trace.grad_norms, np.linalg.norm(ref["grad_h"], axis=1))
    last = rnn_reference(trace.x, trace.h0, weights_of(trace), trace.targets, params["truncate"],
                         last_only=True)
    assert_close(trace.contributions, np.linalg.norm(last["grad_h"], axis=1))


def random_weights(rng: np.random.Generator, i: int, h: int, o: int, scale: float = 1.0):
    return RNNWeights(scale * rng.normal(size=(h, i)), scale * rng.normal(size=(h, h)),
                      rng.normal(size=h), rng.normal(size=(o, h)), rng.normal(size=o))


@pytest.mark.parametrize("steps,i,h,o", [(1, 1, 1, 1), (5, 3, 4, 2), (7, 2, 1, 3)])
def test_full_bptt_matches_torch_nn_rnn(steps, i, h, o):
    rng = np.random.default_rng(steps)
    w = random_weights(rng, i, h, o)
    x, h0, targets = rng.normal(size=(steps, i)), rng.normal(size=h), rng.normal(size=(steps, o))
    net = torch.nn.RNN(i, h, dtype=torch.float64)  # two biases: b_h goes in one, zeros in the other
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(w.W_xh))
        net.weight_hh_l0.copy_(torch.tensor(w.W_hh))
        net.bias_ih_l0.copy_(torch.tensor(w.b_h))
        net.bias_hh_l0.zero_()
    H0 = torch.tensor(h0[None], requires_grad=True)
    W_hy = torch.tensor(w.W_hy, requires_grad=True)
    b_y = torch.tensor(w.b_y, requires_grad=True)
    out, _ = net(torch.tensor(x), H0)
    y_ref = out @ W_hy.T + b_y
    (0.5 * ((y_ref - torch.tensor(targets)) ** 2).sum()).backward()

    _, hs, y = rnn_forward(x, h0, w)
    grads = rnn_backward(x, h0, hs, w, y - targets)
    assert_close(hs, out.detach().numpy())
    assert_close(y, y_ref.detach().numpy())
    assert_close(grads.W_xh, net.weight_ih_l0.grad.numpy())
    assert_close(grads.W_hh, net.weight_hh_l0.grad.numpy())
    assert_close(grads.b_h, net.bias_ih_l0.grad.numpy())
    assert_close(grads.W_hy, W_hy.grad.numpy())
    assert_close(grads.b_y, b_y.grad.numpy())
    assert_close(grads.h0, H0.grad.numpy()[0])


def truncated_loss(x, h0, w: RNNWeights, targets, truncate, fixed_h):
    """The surrogate whose plain gradient is truncated BPTT: L_t recomputed from the fixed
    (unperturbed) state h_{t-k}, so only the last k steps respond to a perturbation."""
    total = 0.0
    for t in range(len(x)):
        start = max(0, t - truncate + 1)
        prev = h0 if start == 0 else fixed_h[start - 1]
        for s in range(start, t + 1):
            prev = np.tanh(w.W_xh @ x[s] + w.W_hh @ prev + w.b_h)
        total += 0.5 * float(((w.W_hy @ prev + w.b_y - targets[t]) ** 2).sum())
    return total


@pytest.mark.parametrize("truncate", [None, 1, 2, 4])
def test_gradients_match_finite_differences(truncate):
    rng = np.random.default_rng(11)
    steps, i, h, o = 5, 2, 3, 2
    w = random_weights(rng, i, h, o, scale=0.7)
    x, h0, targets = rng.normal(size=(steps, i)), rng.normal(size=h), rng.normal(size=(steps, o))
    _, fixed_h, y = rnn_forward(x, h0, w)
    grads = rnn_backward(x, h0, fixed_h, w, y - targets, truncate)
    k = steps if truncate is None else truncate

    def loss_with(name):
        def f(value):
            return truncated_loss(x, h0, w._replace(**{name: value}), targets, k, fixed_h)
        return f

    for name in RNNWeights._fields:
        expected = numeric_grad(loss_with(name), getattr(w, name))
        assert_close(getattr(grads, name), expected, rtol=1e-6, atol=1e-8)
    expected = numeric_grad(lambda v: truncated_loss(x, v, w, targets, k, fixed_h), h0)
    assert_close(grads.h0, expected, rtol=1e-6, atol=1e-8)
    if truncate is None:  # the surrogate is then the loss itself
        total = float(step_losses(y, targets).sum())
        assert truncated_loss(x, h0, w, targets, k, fixed_h) == pytest.approx(total, rel=1e-12)


def test_one_step_has_only_the_local_gradient():
    trace = backprop_through_time(steps=1, hidden_size=1, input_size=1, seed=4)
    assert trace.h.shape == (1, 1) and trace.contributions.shape == (1,)
    assert_close(trace.grad_h[0], trace.W_hy.T @ (trace.y[0] - trace.targets[0]))
    assert_close(trace.grad_W_hh, np.zeros((1, 1)))  # h_0 = 0 multiplies it
    assert trace.contributions[0] == trace.grad_norms[0]
    assert trace.loss == pytest.approx(0.5 * ((trace.y - trace.targets) ** 2).sum())


def test_hidden_size_one_matches_the_scalar_formulas():
    trace = backprop_through_time(steps=3, hidden_size=1, input_size=1, seed=2,
                                  initial_state="random")
    w_xh, w_hh, w_hy = trace.W_xh[0, 0], trace.W_hh[0, 0], trace.W_hy[0, 0]
    assert abs(w_hh) == pytest.approx(1.0)  # a 1 x 1 orthogonal matrix is +-1
    h, prev = [], trace.h0[0]
    for x_t in trace.x[:, 0]:
        prev = np.tanh(w_xh * x_t + w_hh * prev)
        h.append(prev)
    assert_close(trace.h[:, 0], h)
    e = trace.y[:, 0] - trace.targets[:, 0]
    d3 = w_hy * e[2]
    d2 = w_hy * e[1] + w_hh * (1 - h[2] ** 2) * d3
    d1 = w_hy * e[0] + w_hh * (1 - h[1] ** 2) * d2
    assert_close(trace.grad_h[:, 0], [d1, d2, d3])


def test_saturated_tanh_stays_finite_with_vanishing_gradients():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        trace = backprop_through_time(steps=32, hidden_size=8, input_size=4, seed=3,
                                      recurrent_scale=10.0, input_scale=100.0)
    data = trace.to_dict()
    assert all(np.isfinite(getattr(trace, key)).all() for key in ("h", "y", *GRADS))
    assert trace.to_json().count("null") == 1 and data["truncate"] is None  # no NaN or inf
    assert np.abs(trace.h).max() <= 1.0
    assert trace.contributions[:-1].max() < 1e-3 * trace.contributions[-1]
    # Weights far past saturation: tanh' underflows to exactly 0, which must not become NaN.
    rng = np.random.default_rng(0)
    w = random_weights(rng, 3, 4, 2, scale=1e4)
    x, h0, targets = rng.normal(size=(6, 3)), np.zeros(4), rng.normal(size=(6, 2))
    _, h, y = rnn_forward(x, h0, w)
    grads = rnn_backward(x, h0, h, w, y - targets, 3)
    assert all(np.isfinite(g).all() for g in grads)
    ref = rnn_reference(x, h0, w, targets, 3)
    assert_close(grads.W_hh, ref["grad_W_hh"])


def test_recurrent_scale_makes_the_last_loss_vanish_or_explode():
    small = backprop_through_time(recurrent_scale=0.5).contributions
    assert np.all(np.diff(small) > 0)  # shrinks on the way back to t = 1
    assert small[0] < 0.05 * small[-1]
    ratios = small[:-1] / small[1:]  # near-linear tanh: about the scale per step
    assert np.all((ratios > 0.4) & (ratios <= 0.5))
    neutral = backprop_through_time(recurrent_scale=1.0).contributions
    assert 0.5 * neutral[-1] < neutral[0] < neutral[-1]
    large = backprop_through_time(recurrent_scale=2.0).contributions
    assert np.all(np.diff(large) < 0)  # grows on the way back to t = 1
    assert large[0] > 5 * large[-1]


def test_truncate_one_keeps_each_loss_at_its_own_step():
    trace = backprop_through_time(steps=5, truncate=1, seed=7, initial_state="random")
    assert_close(trace.grad_h, (trace.y - trace.targets) @ trace.W_hy, rtol=1e-13)
    assert np.all(trace.contributions[:-1] == 0)
    dz_1 = trace.grad_h[0] * (1 - trace.h[0] ** 2)  # only L_1 reaches h_0
    assert_close(trace.grad_h0, trace.W_hh.T @ dz_1)


@pytest.mark.parametrize("truncate", [6, 7, 32])
def test_truncate_at_least_steps_is_full_bptt(truncate):
    full = backprop_through_time(steps=6, seed=5, recurrent_scale=1.3).to_dict()
    cut = backprop_through_time(steps=6, seed=5, recurrent_scale=1.3, truncate=truncate).to_dict()
    assert cut.pop("truncate") == truncate and full.pop("truncate") is None
    assert cut == full


@pytest.mark.parametrize("truncate", [1, 2, 3, 5])
def test_truncation_cuts_the_last_loss_reach_after_k_steps(truncate):
    full = backprop_through_time(steps=6, seed=1)
    cut = backprop_through_time(steps=6, seed=1, truncate=truncate)
    kept = slice(6 - truncate, 6)
    assert_close(cut.contributions[kept], full.contributions[kept])
    assert np.all(cut.contributions[:6 - truncate] == 0)
    assert cut.loss == full.loss and np.array_equal(cut.h, full.h)
    assert_close(cut.grad_W_hy, full.grad_W_hy)  # the readout is not truncated


def test_data_does_not_depend_on_sizes_or_scales():
    short = backprop_through_time(steps=4, hidden_size=2, seed=9)
    long = backprop_through_time(steps=7, hidden_size=5, seed=9, recurrent_scale=3.0)
    assert np.array_equal(short.x, long.x[:4]) and np.array_equal(short.targets, long.targets[:4])
    scaled = backprop_through_time(steps=4, hidden_size=2, seed=9, recurrent_scale=0.25)
    assert_close(scaled.W_hh, 0.25 * short.W_hh, rtol=1e-15)
    assert_close(short.W_hh @ short.W_hh.T, np.eye(2), atol=1e-14)
    assert np.array_equal(short.h0, np.zeros(2))
    seq = make_sequence(9, 4, 2, 2, 1, random_h0=True)
    assert np.array_equal(seq.x, short.x) and np.any(seq.h0 != 0)
    assert not np.array_equal(backprop_through_time(seed=10).x, backprop_through_time().x)


def test_init_scales_the_weights():
    w = init_rnn(0, 3, 4, 2, recurrent_scale=2.0, input_scale=0.5)
    assert_close(np.linalg.svd(w.W_hh, compute_uv=False), np.full(4, 2.0))
    assert_close(w.W_xh, 0.5 * init_rnn(0, 3, 4, 2).W_xh)
    assert not w.b_h.any() and not w.b_y.any()


def test_lesson_defaults_and_trace_is_frozen_and_json_ready():
    trace = LESSON.run({})
    assert trace.steps == 6 and trace.h.shape == (6, 3) and trace.y.shape == (6, 1)
    assert trace.loss == pytest.approx(trace.losses.sum())
    with pytest.raises(ValueError):
        trace.grad_h[0, 0] = 1.0
    data = trace.to_dict()
    for key in ("x", "targets", "h0", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h", "y", "loss",
                *GRADS, "grad_norms", "contributions"):
        assert key in data
    assert len(data["contributions"]) == 6 and len(data["grad_h"][0]) == 3


@pytest.mark.parametrize("overrides,message", [
    ({"steps": 0}, "steps: must be an integer from 1 to 32, got 0"),
    ({"truncate": 0}, "truncate: must be an integer from 1 to 32, or null, got 0"),
    ({"recurrent_scale": -0.5}, "recurrent_scale: must be a number from 0 to 10"),
    ({"initial_state": "ones"}, "initial_state: must be one of zeros, random, got 'ones'"),
    ({"forget_bias": 1.0}, "forget_bias: unknown parameter"),
])
def test_bad_parameters_are_refused(overrides, message):
    with pytest.raises(ParamError, match=message):
        LESSON.run(overrides)


# -- the runs the video compares, computed into the lesson's one trace ----------------------------
COMPARED = dict(steps=7, input_size=3, hidden_size=4, output_size=2, seed=12,
                recurrent_scale=1.3, input_scale=0.4, initial_state="random")


@pytest.mark.parametrize("overrides", [{}, {"truncate": 3}, COMPARED, {**COMPARED, "truncate": 2},
                                       {"recurrent_scale": 0.0, "steps": 3}])
def test_contrast_runs_are_the_lesson_with_one_thing_changed(overrides):
    trace = LESSON.run(overrides)
    for name in ("vanishing", "exploding"):
        scale = getattr(trace, f"{name}_scale")
        other = LESSON.run(overrides, {"recurrent_scale": scale, "truncate": None})
        assert np.array_equal(getattr(trace, f"{name}_contributions"), other.contributions)
    full = LESSON.run(overrides, {"truncate": None})
    cut = LESSON.run(overrides, {"truncate": trace.truncated_window})
    assert np.array_equal(trace.full_contributions, full.contributions)
    assert np.array_equal(trace.truncated_contributions, cut.contributions)
    assert trace.truncated_window < trace.steps
    assert trace.truncated_ignored_steps == trace.steps - trace.truncated_window
    if overrides.get("truncate") is None:
        assert trace.bptt_mode == "full" and np.array_equal(trace.contributions, full.contributions)
    else:
        assert trace.bptt_mode == "truncated" and trace.truncated_window == overrides["truncate"]
        assert np.array_equal(trace.contributions, cut.contributions)
    error = np.linalg.norm(cut.grad_W_hh - full.grad_W_hh) / np.linalg.norm(full.grad_W_hh)
    assert trace.truncation_grad_error == pytest.approx(error, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(lessons())
def test_compared_runs_match_pytorch_autograd(params):
    trace = backprop_through_time(**params)
    for name in ("vanishing", "exploding"):
        scale = getattr(trace, f"{name}_scale")
        w = init_rnn(params["seed"], params["input_size"], params["hidden_size"],
                     params["output_size"], scale, params["input_scale"])
        ref = rnn_reference(trace.x, trace.h0, w, trace.targets, None, last_only=True)
        reach = np.linalg.norm(ref["grad_h"], axis=1)
        assert_close(getattr(trace, f"{name}_contributions"), reach)
        assert np.all(reach <= getattr(trace, f"{name}_ceiling") * (1 + 1e-9) + 1e-300)
    w = weights_of(trace)
    full = rnn_reference(trace.x, trace.h0, w, trace.targets, None)
    cut = rnn_reference(trace.x, trace.h0, w, trace.targets, trace.truncated_window)
    for key, truncate in (("full_contributions", None),
                          ("truncated_contributions", trace.truncated_window)):
        last = rnn_reference(trace.x, trace.h0, w, trace.targets, truncate, last_only=True)
        assert_close(getattr(trace, key), np.linalg.norm(last["grad_h"], axis=1))
    difference = np.linalg.norm(cut["grad_W_hh"] - full["grad_W_hh"])
    if np.linalg.norm(full["grad_W_hh"]) > 1e-8:
        expected = difference / np.linalg.norm(full["grad_W_hh"])
        assert trace.truncation_grad_error == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_one_contribution_by_autograd_from_scratch():
    """||dL_T/dh_1|| of the vanishing run, by torch autograd on a graph built here."""
    trace = LESSON.run({})
    w = init_rnn(0, 2, 3, 1, trace.vanishing_scale, trace.input_scale)
    p = {name: torch.tensor(value) for name, value in w._asdict().items()}
    h1 = torch.tanh(p["W_xh"] @ torch.tensor(trace.x[0]) + p["W_hh"] @ torch.tensor(trace.h0)
                    + p["b_h"]).detach().requires_grad_(True)
    h = h1
    for x_t in torch.tensor(trace.x[1:]):
        h = torch.tanh(p["W_xh"] @ x_t + p["W_hh"] @ h + p["b_h"])
    loss = 0.5 * ((p["W_hy"] @ h + p["b_y"] - torch.tensor(trace.targets[-1])) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, h1)
    assert trace.vanishing_contributions[0] == pytest.approx(float(grad.norm()), rel=1e-12)


def test_the_contrast_shrinks_and_grows_within_the_scale_bounds():
    trace = LESSON.run({})
    assert trace.vanishing_scale < 1 < trace.exploding_scale
    assert trace.vanishing_shrink >= trace.vanishing_bound * (1 - 1e-12)  # |W_hh| 0.5, tanh' <= 1
    assert 1 < trace.exploding_growth <= trace.exploding_bound and trace.exploding_grows
    assert trace.vanishing_bound == trace.exploding_bound == 2.0 ** (trace.steps - 1)
    van, exp = trace.vanishing_contributions, trace.exploding_contributions
    assert trace.vanishing_shrink == pytest.approx(van[-1] / van[0])
    assert trace.exploding_growth == pytest.approx(exp[0] / exp[-1])
    for bars, top in ((van, trace.vanishing_ceiling), (exp, trace.exploding_ceiling)):
        assert np.all(bars <= top * (1 + 1e-12)) and bars[-1] == top[-1]
    assert_close(trace.exploding_ceiling[:-1] / trace.exploding_ceiling[1:], np.full(5, 2.0))
    # Per step back too: at most the scale (vanishing) and at most the scale (exploding).
    assert np.all(van[:-1] <= 0.5 * van[1:] * (1 + 1e-12))
    assert np.all(exp[:-1] <= 2.0 * exp[1:] * (1 + 1e-12))


def test_saturation_can_hide_the_growth():
    """A huge input scale saturates tanh: the exploding run shrinks too, and says so."""
    trace = LESSON.run({"input_scale": 50.0, "steps": 8})
    assert not trace.exploding_grows and trace.exploding_growth < 1
    assert trace.to_dict()["exploding_grows"] is False


def test_the_first_step_written_out():
    trace = LESSON.run({"initial_state": "random"})
    k = trace.first_unit
    assert abs(trace.z[0][k]) == np.abs(trace.z[0]).max()
    assert trace.first_input_term == pytest.approx(trace.W_xh[k] @ trace.x[0], rel=1e-14)
    assert trace.first_recurrent_term == pytest.approx(trace.W_hh[k] @ trace.h0, rel=1e-14)
    total = trace.first_input_term + trace.first_recurrent_term + trace.b_h[k]
    assert total == pytest.approx(trace.z[0][k], rel=1e-12)
    assert (trace.first_z, trace.first_h, trace.first_slope) == (
        trace.z[0][k], trace.h[0][k], trace.tanh_slopes[0][k])
    assert trace.first_h == pytest.approx(float(torch.tanh(torch.tensor(trace.first_z))))
    z = torch.tensor(trace.z, requires_grad=True)
    (slopes,) = torch.autograd.grad(torch.tanh(z).sum(), z)
    assert_close(trace.tanh_slopes, slopes.numpy())
    assert trace.tanh_slope_min == trace.tanh_slopes.min() and trace.back_steps == 5


@pytest.mark.parametrize("steps,window", [(1, 1), (2, 1), (3, 2), (4, 2), (6, 3), (9, 4),
                                          (32, 16)])
def test_default_window_cuts_something(steps, window):
    assert default_window(steps) == window
    assert LESSON.run({"steps": steps}).truncated_window == window


def test_truncate_at_least_steps_counts_as_full():
    trace = LESSON.run({"steps": 5, "truncate": 5})
    assert trace.bptt_mode == "full" and trace.truncated_window == default_window(5)
    assert np.array_equal(trace.full_contributions, trace.contributions)
