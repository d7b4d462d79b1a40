import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import rnn
from engine.lstm import (
    LESSON,
    LESSON_DEFAULTS,
    LSTMWeights,
    init_lstm,
    lstm_backward,
    lstm_forward,
    lstm_through_time,
    sigmoid,
)
from engine.params import ParamError
from engine.rnn import backprop_through_time, step_losses
from tests.engine.torch_recurrent import lstm_module_reference, lstm_reference
from tests.numerics import assert_close, numeric_grad

GRADS = ("grad_W_ih", "grad_W_hh", "grad_b_ih", "grad_b_hh", "grad_W_hy", "grad_b_y", "grad_h",
         "grad_c", "grad_h0", "grad_c0")


@st.composite
def lessons(draw):
    steps = draw(st.integers(1, 7))
    return dict(
        steps=steps, input_size=draw(st.integers(1, 4)), hidden_size=draw(st.integers(1, 4)),
        output_size=draw(st.integers(1, 3)), seed=draw(st.integers(0, 2**32 - 1)),
        recurrent_scale=draw(st.floats(0.0, 3.0)), input_scale=draw(st.floats(0.0, 3.0)),
        truncate=draw(st.none() | st.integers(1, steps + 2)),
        initial_state=draw(st.sampled_from(["zeros", "random"])),
        forget_bias=draw(st.floats(-3.0, 3.0)),
    )


def weights_of(trace) -> LSTMWeights:
    return LSTMWeights(trace.W_ih, trace.W_hh, trace.b_ih, trace.b_hh, trace.W_hy, trace.b_y)


@settings(max_examples=40, deadline=None)
@given(lessons())
def test_lesson_matches_pytorch_truncated_graph(params):
    trace = lstm_through_time(**params)
    w = weights_of(trace)
    ref = lstm_reference(trace.x, trace.h0, trace.c0, w, trace.targets, params["truncate"])
    for key in ("h", "c", "y", "i", "f", "g", "o", *GRADS):
        assert_close(getattr(trace, key), ref[key])
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-12)
    assert_close(trace.grad_norms, np.linalg.norm(ref["grad_h"], axis=1))
    last = lstm_reference(trace.x, trace.h0, trace.c0, w, trace.targets, params["truncate"],
                          last_only=True)
    assert_close(trace.contributions, np.linalg.norm(last["grad_h"], axis=1))
    assert_close(trace.cell_contributions, np.linalg.norm(last["grad_c"], axis=1))
    module = lstm_module_reference(trace.x, trace.h0, trace.c0, w, trace.targets,
                                   params["truncate"])
    for key, value in module.items():
        assert_close(getattr(trace, key), value)


def random_weights(rng: np.random.Generator, i: int, h: int, o: int,
                   scale: float = 1.0) -> LSTMWeights:
    return LSTMWeights(scale * rng.normal(size=(4 * h, i)), scale * rng.normal(size=(4 * h, h)),
                       rng.normal(size=4 * h), rng.normal(size=4 * h), rng.normal(size=(o, h)),
                       rng.normal(size=o))


@pytest.mark.parametrize("steps,i,h,o", [(1, 1, 1, 1), (6, 3, 4, 2), (8, 2, 1, 3)])
def test_full_bptt_matches_torch_nn_lstm(steps, i, h, o):
    rng = np.random.default_rng(steps)
    w = random_weights(rng, i, h, o)
    x, h0, c0 = rng.normal(size=(steps, i)), rng.normal(size=h), rng.normal(size=h)
    targets = rng.normal(size=(steps, o))
    net = torch.nn.LSTM(i, h, dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih_l0", w.W_ih), ("weight_hh_l0", w.W_hh),
                            ("bias_ih_l0", w.b_ih), ("bias_hh_l0", w.b_hh)):
            getattr(net, name).copy_(torch.tensor(value))
    H0 = torch.tensor(h0[None], requires_grad=True)
    C0 = torch.tensor(c0[None], requires_grad=True)
    W_hy = torch.tensor(w.W_hy, requires_grad=True)
    b_y = torch.tensor(w.b_y, requires_grad=True)
    out, (_, c_last) = net(torch.tensor(x), (H0, C0))
    y_ref = out @ W_hy.T + b_y
    (0.5 * ((y_ref - torch.tensor(targets)) ** 2).sum()).backward()

    states = lstm_forward(x, h0, c0, w)
    grads = lstm_backward(x, h0, c0, states, w, states.y - targets)
    assert_close(states.h, out.detach().numpy())
    assert_close(states.c[-1], c_last.detach().numpy()[0])
    assert_close(states.y, y_ref.detach().numpy())
    assert_close(grads.W_ih, net.weight_ih_l0.grad.numpy())
    assert_close(grads.W_hh, net.weight_hh_l0.grad.numpy())
    assert_close(grads.b_ih, net.bias_ih_l0.grad.numpy())
    assert_close(grads.b_hh, net.bias_hh_l0.grad.numpy())
    assert_close(grads.W_hy, W_hy.grad.numpy())
    assert_close(grads.b_y, b_y.grad.numpy())
    assert_close(grads.h0, H0.grad.numpy()[0])
    assert_close(grads.c0, C0.grad.numpy()[0])


def truncated_loss(x, h0, c0, w: LSTMWeights, targets, truncate, fixed):
    """The surrogate whose plain gradient is truncated BPTT (see test_rnn.truncated_loss)."""
    H = h0.shape[0]
    total = 0.0
    for t in range(len(x)):
        start = max(0, t - truncate + 1)
        h, c = (h0, c0) if start == 0 else (fixed.h[start - 1], fixed.c[start - 1])
        for s in range(start, t + 1):
            a = w.W_ih @ x[s] + w.b_ih + w.W_hh @ h + w.b_hh
            i, f, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[3 * H:])
            c = f * c + i * np.tanh(a[2 * H:3 * H])
            h = o * np.tanh(c)
        total += 0.5 * float(((w.W_hy @ h + w.b_y - targets[t]) ** 2).sum())
    return total


@pytest.mark.parametrize("truncate", [None, 1, 3])
def test_gradients_match_finite_differences(truncate):
    rng = np.random.default_rng(5)
    steps, i, h, o = 5, 2, 2, 2
    w = random_weights(rng, i, h, o, scale=0.8)
    x, h0, c0 = rng.normal(size=(steps, i)), rng.normal(size=h), rng.normal(size=h)
    targets = rng.normal(size=(steps, o))
    fixed = lstm_forward(x, h0, c0, w)
    grads = lstm_backward(x, h0, c0, fixed, w, fixed.y - targets, truncate)
    k = steps if truncate is None else truncate

    def loss_with(name):
        def f(value):
            return truncated_loss(x, h0, c0, w._replace(**{name: value}), targets, k, fixed)
        return f

    for name in LSTMWeights._fields:
        expected = numeric_grad(loss_with(name), getattr(w, name))
        assert_close(getattr(grads, name), expected, rtol=1e-6, atol=1e-8)
    assert_close(grads.h0, numeric_grad(
        lambda v: truncated_loss(x, v, c0, w, targets, k, fixed), h0), rtol=1e-6, atol=1e-8)
    assert_close(grads.c0, numeric_grad(
        lambda v: truncated_loss(x, h0, v, w, targets, k, fixed), c0), rtol=1e-6, atol=1e-8)
    if truncate is None:
        total = float(step_losses(fixed.y, targets).sum())
        assert truncated_loss(x, h0, c0, w, targets, k, fixed) == pytest.approx(total, rel=1e-12)


def test_same_data_as_bptt_and_torch_weight_layout():
    lstm = lstm_through_time(steps=5, hidden_size=4, seed=8, initial_state="random")
    rnn = backprop_through_time(steps=5, hidden_size=4, seed=8, initial_state="random")
    for key in ("x", "targets", "h0"):
        assert np.array_equal(getattr(lstm, key), getattr(rnn, key))
    assert lstm.W_ih.shape == (16, 2) and lstm.W_hh.shape == (16, 4)
    assert np.array_equal(lstm.b_ih, [0] * 4 + [1] * 4 + [0] * 8)  # forget gate: rows 4..7
    assert not lstm.b_hh.any() and np.any(lstm.c0 != 0)
    assert np.array_equal(lstm.grad_b_ih, lstm.grad_b_hh)
    for gate in range(4):  # each gate's recurrent block is orthogonal
        block = lstm.W_hh[4 * gate:4 * gate + 4]
        assert_close(block @ block.T, np.eye(4), atol=1e-14)
    assert np.array_equal(lstm_through_time(steps=5, hidden_size=4, seed=8).c0, np.zeros(4))


def test_one_step_and_one_hidden_unit():
    trace = lstm_through_time(steps=1, hidden_size=1, input_size=1, seed=3)
    i, f, g, o = trace.i[0, 0], trace.f[0, 0], trace.g[0, 0], trace.o[0, 0]
    assert trace.c[0, 0] == pytest.approx(i * g)  # c_0 = 0
    assert trace.h[0, 0] == pytest.approx(o * np.tanh(i * g))
    assert_close(trace.grad_h[0], trace.W_hy.T @ (trace.y[0] - trace.targets[0]))
    assert_close(trace.grad_W_hh, np.zeros((4, 1)))  # h_0 = 0 multiplies it
    assert trace.contributions[0] == trace.grad_norms[0]
    assert_close(trace.grad_c0, trace.grad_c[0] * f)


def test_saturated_gates_stay_finite_with_vanishing_gradients():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sigmoid must not overflow
        trace = lstm_through_time(steps=32, hidden_size=8, input_size=4, seed=3,
                                  recurrent_scale=10.0, input_scale=100.0, forget_bias=-10.0)
        rng = np.random.default_rng(0)
        w = random_weights(rng, 3, 4, 2, scale=1e4)
        x, zeros, targets = rng.normal(size=(6, 3)), np.zeros(4), rng.normal(size=(6, 2))
        states = lstm_forward(x, zeros, zeros, w)
        grads = lstm_backward(x, zeros, zeros, states, w, states.y - targets, 2)
    assert all(np.isfinite(getattr(trace, key)).all() for key in ("h", "c", "y", *GRADS))
    assert trace.to_json().count("null") == 1  # truncate; no NaN or inf
    assert trace.contributions[:-1].max() < 1e-3 * trace.contributions[-1]
    assert all(np.isfinite(g).all() for g in grads)
    assert np.all((states.i >= 0) & (states.i <= 1)) and np.abs(states.h).max() <= 1
    ref = lstm_reference(x, zeros, zeros, w, targets, 2)
    assert_close(grads.W_hh, ref["grad_W_hh"])
    assert_close(grads.h, ref["grad_h"])


def test_recurrent_scale_makes_the_last_loss_vanish_or_explode():
    small = lstm_through_time(recurrent_scale=0.5)
    assert np.all(np.diff(small.contributions) > 0)  # shrinks on the way back to t = 1
    assert small.contributions[0] < 0.1 * small.contributions[-1]
    assert np.all(np.diff(small.cell_contributions) > 0)
    # The cell path decays more slowly than the hidden path (forget gate ~ sigmoid(1)).
    assert small.cell_contributions[0] / small.cell_contributions[-1] > \
        small.contributions[0] / small.contributions[-1]
    large = lstm_through_time(recurrent_scale=5.0, seed=5).contributions
    assert np.all(np.diff(large) < 0)  # grows on the way back to t = 1
    assert large[0] > 5 * large[-1]


def test_truncation():
    full = lstm_through_time(steps=6, seed=2)
    one = lstm_through_time(steps=6, seed=2, truncate=1)
    assert_close(one.grad_h, (one.y - one.targets) @ one.W_hy, rtol=1e-13)
    assert np.all(one.contributions[:-1] == 0) and np.all(one.cell_contributions[:-1] == 0)
    for k in (2, 4):
        cut = lstm_through_time(steps=6, seed=2, truncate=k)
        assert_close(cut.contributions[6 - k:], full.contributions[6 - k:])
        assert np.all(cut.contributions[:6 - k] == 0)
    for k in (6, 9):
        same = lstm_through_time(steps=6, seed=2, truncate=k).to_dict()
        assert same.pop("truncate") == k
        assert same == {key: v for key, v in full.to_dict().items() if key != "truncate"}


def test_init_places_the_forget_bias():
    w = init_lstm(0, 2, 3, 1, recurrent_scale=2.0, input_scale=0.5, forget_bias=-1.5)
    assert np.array_equal(w.b_ih[3:6], [-1.5] * 3) and not np.delete(w.b_ih, [3, 4, 5]).any()
    assert_close(np.linalg.svd(w.W_hh[:3], compute_uv=False), np.full(3, 2.0))
    assert_close(w.W_ih, 0.5 * init_lstm(0, 2, 3, 1).W_ih)


def test_lesson_defaults_and_trace_is_frozen_and_json_ready():
    trace = LESSON.run({})
    assert trace.h.shape == trace.c.shape == trace.f.shape == (8, 3)
    assert_close(trace.c[1:], trace.f[1:] * trace.c[:-1] + trace.i[1:] * trace.g[1:])
    assert_close(trace.h, trace.o * np.tanh(trace.c))
    with pytest.raises(ValueError):
        trace.c[0, 0] = 1.0
    data = trace.to_dict()
    for key in ("x", "targets", "h0", "W_ih", "W_hh", "b_ih", "b_hh", "W_hy", "b_y", "i", "f",
                "g", "o", "c", "h", "y", "loss", *GRADS, "grad_norms", "contributions"):
        assert key in data


@pytest.mark.parametrize("overrides,message", [
    ({"steps": 33}, "steps: must be an integer from 1 to 32, got 33"),
    ({"forget_bias": "high"}, "forget_bias: must be a number from -10 to 10, got 'high'"),
    ({"hidden_size": 0}, "hidden_size: must be an integer from 1 to 32"),
])
def test_bad_parameters_are_refused(overrides, message):
    with pytest.raises(ParamError, match=message):
        LESSON.run(overrides)


# -- the keys the video adds: the worked step, the RNN on the same data, the comparison --------
@settings(max_examples=30, deadline=None)
@given(lessons())
def test_the_vanilla_rnn_run_is_the_bptt_lesson_with_the_same_parameters(params):
    trace = LESSON.run(params)
    same = {key: value for key, value in params.items() if key != "forget_bias"}
    bptt = rnn.LESSON.run(same)
    assert np.array_equal(trace.rnn_contributions, bptt.contributions)
    assert np.array_equal(trace.x, bptt.x) and np.array_equal(trace.targets, bptt.targets)


@settings(max_examples=30, deadline=None)
@given(lessons())
def test_pre_activations_and_cell_update_parts_match_pytorch(params):
    trace = lstm_through_time(**params)
    H = trace.h.shape[1]
    h_prev = torch.tensor(np.vstack([trace.h0, trace.h[:-1]]))
    pre = (torch.nn.functional.linear(torch.tensor(trace.x), torch.tensor(trace.W_ih),
                                      torch.tensor(trace.b_ih))
           + torch.nn.functional.linear(h_prev, torch.tensor(trace.W_hh),
                                        torch.tensor(trace.b_hh))).numpy()
    for k, gate in enumerate("ifgo"):
        assert_close(getattr(trace, f"a_{gate}"), pre[:, k * H:(k + 1) * H])
    assert_close(sigmoid(trace.a_f), trace.f)
    assert_close(sigmoid(trace.a_i), trace.i)
    assert_close(np.tanh(trace.a_g), trace.g)
    assert_close(sigmoid(trace.a_o), trace.o)
    assert np.array_equal(trace.c_prev, np.vstack([trace.c0, trace.c[:-1]]))
    assert_close(trace.f_c_prev + trace.i_g, trace.c)
    assert_close(trace.f_c_prev, trace.f * trace.c_prev)
    assert_close(trace.o * trace.tanh_c, trace.h)
    assert trace.worked_step == params["steps"]


def test_defaults_tell_the_story_the_video_narrates():
    trace = LESSON.run({})
    assert (trace.steps, trace.recurrent_scale, trace.input_scale) == (
        LESSON_DEFAULTS["steps"], LESSON_DEFAULTS["recurrent_scale"],
        LESSON_DEFAULTS["input_scale"])
    # The RNN's gradient fades by orders of magnitude on the way to step 1; the cell's does not.
    assert trace.rnn_trend == "vanishes" and trace.cell_trend == "shrinks"
    assert trace.winner == "cell" and trace.advantage > 100
    assert np.all(np.diff(trace.rnn_contributions) > 0)
    assert trace.rnn_contributions[0] / trace.rnn_contributions[-1] < 1e-3
    assert trace.cell_contributions[0] / trace.cell_contributions[-1] > 0.1
    assert trace.oldest_step == 1 and not trace.truncated
    # The gates take clearly different values at the worked step.
    t = trace.worked_step - 1
    gates = [trace.f[t, 0], trace.i[t, 0], trace.o[t, 0]]
    assert max(gates) - min(gates) > 0.2


@settings(max_examples=40, deadline=None)
@given(lessons())
def test_reach_comparison_follows_its_definition(params):
    trace = lstm_through_time(**params)
    steps, k = params["steps"], params["truncate"]
    oldest = 0 if k is None else max(0, steps - k)
    assert trace.oldest_step == oldest + 1 and trace.truncated == (oldest > 0)
    for kept, norms, fade, name in (
            (trace.rnn_kept, trace.rnn_contributions, trace.rnn_fade, "rnn"),
            (trace.cell_kept, trace.cell_contributions, trace.cell_fade, "cell")):
        expected = norms[oldest] / norms[-1] if norms[-1] > 0 else 0.0
        assert kept == pytest.approx(expected, rel=1e-12), name
        assert fade == (pytest.approx(1 / kept) if kept > 0 else 0.0)
    crossed = trace.f[oldest + 1:] if oldest + 1 < steps else trace.f[-1:]
    assert trace.f_mean == pytest.approx(crossed.mean())
    low, high = sorted((trace.rnn_kept, trace.cell_kept))
    if low > 0:
        assert trace.advantage == pytest.approx(high / low)
    if trace.winner == "cell":
        assert trace.cell_kept >= 2 * trace.rnn_kept
    elif trace.winner == "rnn":
        assert trace.rnn_kept >= 2 * trace.cell_kept
    else:
        assert trace.cell_kept < 2 * trace.rnn_kept or trace.cell_kept == 0
        assert trace.rnn_kept < 2 * trace.cell_kept or trace.rnn_kept == 0


@pytest.mark.parametrize("kept,word", [(0.0, "vanishes"), (0.0999, "vanishes"), (0.1, "shrinks"),
                                       (0.94, "shrinks"), (0.95, "holds"), (1.05, "holds"),
                                       (1.06, "grows"), (40.0, "grows")])
def test_trends_in_words(kept, word):
    from engine.lstm import trend
    assert trend(kept) == word


def test_truncation_moves_the_oldest_step_and_a_high_forget_bias_keeps_the_cell():
    cut = LESSON.run({"truncate": 3})
    assert cut.oldest_step == 6 and cut.truncated
    assert np.all(cut.rnn_contributions[:5] == 0) and cut.rnn_contributions[5] > 0
    assert cut.rnn_kept == pytest.approx(cut.rnn_contributions[5] / cut.rnn_contributions[7])
    keep = LESSON.run({"forget_bias": 4.0})
    low = LESSON.run({"forget_bias": -2.0})
    assert keep.f_mean > 0.95 > LESSON.run({}).f_mean > 0.5 > low.f_mean
    assert keep.cell_kept > LESSON.run({}).cell_kept > low.cell_kept
