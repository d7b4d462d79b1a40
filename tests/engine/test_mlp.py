import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.mlp import (
    ACTIVATIONS,
    LESSON,
    MLPWeights,
    backprop,
    mlp_backward,
    mlp_forward,
    mse_half,
)
from engine.params import ParamError
from tests.numerics import assert_close, numeric_grad

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
VALUES = ("z1", "a1", "z2", "y_hat")
GRADS = ("grad_W1", "grad_b1", "grad_W2", "grad_b2", "grad_z1", "grad_a1", "grad_z2",
         "grad_y_hat")
NEW = ("W1_new", "b1_new", "W2_new", "b2_new")


def torch_reference(trace) -> dict[str, np.ndarray | float]:
    """The same network in torch autograd (float64), and one torch.optim.SGD step."""
    params = {k: torch.tensor(np.array(getattr(trace, k)), requires_grad=True)
              for k in ("W1", "b1", "W2", "b2")}
    x, target = torch.tensor(np.array(trace.x)), torch.tensor(np.array(trace.target))
    act = TORCH_ACT[trace.activation]

    def forward():
        z1 = params["W1"] @ x + params["b1"]
        a1 = act(z1)
        z2 = params["W2"] @ a1 + params["b2"]
        return z1, a1, z2, 0.5 * ((z2 - target) ** 2).sum()

    z1, a1, z2, loss = forward()
    for t in (z1, a1, z2):
        t.retain_grad()
    opt = torch.optim.SGD(list(params.values()), lr=trace.lr)
    opt.zero_grad()
    loss.backward()
    ref = {"z1": z1, "a1": a1, "z2": z2, "y_hat": z2, "loss": loss.item(),
           "grad_z1": z1.grad, "grad_a1": a1.grad, "grad_z2": z2.grad, "grad_y_hat": z2.grad}
    ref |= {f"grad_{k}": p.grad for k, p in params.items()}
    opt.step()
    with torch.no_grad():
        *_, z2_new, loss_new = forward()
    ref |= {f"{k}_new": p for k, p in params.items()}
    ref |= {"y_hat_new": z2_new, "loss_new": loss_new.item()}
    return {k: v if isinstance(v, float) else v.detach().numpy() for k, v in ref.items()}


@st.composite
def lessons(draw):
    params = dict(
        input_size=draw(st.integers(1, 6)), hidden_size=draw(st.integers(1, 6)),
        output_size=draw(st.integers(1, 4)), activation=draw(st.sampled_from(ACTIVATIONS)),
        seed=draw(st.integers(0, 2**32 - 1)), lr=draw(st.floats(0.0, 2.0)),
    )
    if draw(st.booleans()):  # a given x, on any scale up to saturation
        scale = draw(st.sampled_from([0.01, 1.0, 30.0, 1e3]))
        rng = np.random.default_rng(params["seed"])
        params["x"] = (scale * rng.normal(size=params["input_size"])).tolist()
    return params


@settings(max_examples=150, deadline=None)
@given(lessons())
def test_every_value_gradient_and_update_matches_pytorch(params):
    trace = LESSON.run(params)
    ref = torch_reference(trace)
    for key in (*VALUES, *GRADS, *NEW, "y_hat_new"):
        assert_close(getattr(trace, key), ref[key])
    assert trace.loss == pytest.approx(ref["loss"], rel=1e-12)
    assert trace.loss_new == pytest.approx(ref["loss_new"], rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_finite_differences(activation):
    trace = backprop(3, 5, 2, activation, seed=11)
    x, target = np.array(trace.x), np.array(trace.target)
    w = MLPWeights(*(np.array(getattr(trace, k)) for k in ("W1", "b1", "W2", "b2")))
    assert np.all(np.abs(trace.z1) > 1e-3)  # away from ReLU's kink

    def loss_with(index: int):
        def f(v: np.ndarray) -> float:
            return mse_half(mlp_forward(x, w._replace(**{w._fields[index]: v}), activation).z2,
                            target)
        return f

    for index, key in enumerate(("W1", "b1", "W2", "b2")):
        numeric = numeric_grad(loss_with(index), getattr(w, key))
        assert_close(getattr(trace, f"grad_{key}"), numeric, rtol=1e-6, atol=1e-8)


def test_small_steps_always_lower_the_loss():
    for seed in range(20):
        for activation in ACTIVATIONS:
            trace = backprop(4, 6, 3, activation, seed=seed, lr=0.01)
            assert trace.loss_new < trace.loss
    default = LESSON.run({})
    assert default.loss_new < 0.6 * default.loss


def test_lr_zero_changes_nothing():
    trace = backprop(lr=0.0)
    for key in ("W1", "b1", "W2", "b2"):
        assert_close(getattr(trace, f"{key}_new"), getattr(trace, key), rtol=0, atol=0)
    assert trace.loss_new == trace.loss


def test_sizes_of_one():
    trace = LESSON.run({"input_size": 1, "hidden_size": 1, "output_size": 1, "activation": "tanh"})
    assert trace.W1.shape == trace.W2.shape == (1, 1) and trace.x.shape == (1,)
    ref = torch_reference(trace)
    for key in (*GRADS, *NEW):
        assert_close(getattr(trace, key), ref[key])


def test_relu_passes_no_gradient_where_the_pre_activation_is_negative():
    trace = backprop(3, 8, 2, "relu", seed=3)
    dead = np.array(trace.z1) <= 0
    assert dead.any() and (~dead).any()
    assert np.all(trace.a1[dead] == 0) and np.all(trace.da1_dz1[dead] == 0)
    assert np.all(trace.grad_z1[dead] == 0) and np.all(trace.grad_b1[dead] == 0)
    assert np.all(trace.grad_W1[dead] == 0)  # the whole row of each dead unit
    assert np.all(trace.W1_new[dead] == trace.W1[dead])
    assert_close(trace.grad_z1[~dead], trace.grad_a1[~dead])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_saturation_stays_finite(activation):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp
        trace = LESSON.run({"activation": activation, "x": [1e4, -1e4, 5e3], "lr": 10.0,
                            "target": [1e4, -1e4]})
    data = trace.to_dict()
    for key in ("a1", "da1_dz1", "grad_z1", "grad_W1", "W1_new", "loss", "loss_new"):
        assert np.all(np.isfinite(getattr(trace, key))), key
        assert None not in np.ravel(data[key]).tolist(), key
    assert np.all(np.abs(trace.da1_dz1) < 1e-12)  # saturated: the gradient stops here
    ref = torch_reference(trace)
    for key in (*VALUES, *GRADS, *NEW):
        assert_close(getattr(trace, key), ref[key])


def test_backward_lines_follow_the_chain_rule():
    trace = LESSON.run({"activation": "tanh", "seed": 5})
    assert_close(trace.grad_y_hat, trace.y_hat - trace.target, rtol=0, atol=0)
    assert_close(trace.grad_W2, np.outer(trace.grad_z2, trace.a1))
    assert_close(trace.grad_a1, trace.W2.T @ trace.grad_z2)
    assert_close(trace.da1_dz1, 1 - np.tanh(trace.z1) ** 2)
    assert_close(trace.grad_z1, trace.grad_a1 * trace.da1_dz1)
    assert_close(trace.grad_W1, np.outer(trace.grad_z1, trace.x))
    assert_close(trace.W1_new, trace.W1 - 0.1 * trace.grad_W1)


def test_x_and_target_come_from_their_own_streams():
    base = LESSON.run({"seed": 9})
    for change in ({"hidden_size": 7}, {"activation": "relu"}, {"lr": 1.0}):
        other = LESSON.run({"seed": 9, **change})
        assert_close(other.x, base.x, rtol=0, atol=0)
        assert_close(other.target, base.target, rtol=0, atol=0)
    assert not np.array_equal(LESSON.run({"seed": 10}).x, base.x)
    given = LESSON.run({"x": [1, 2, 3], "target": [0.5, -0.5]})
    assert given.x.tolist() == [1.0, 2.0, 3.0] and given.target.tolist() == [0.5, -0.5]
    assert_close(given.W1, LESSON.run({}).W1, rtol=0, atol=0)


def test_forward_and_backward_functions_agree_with_the_trace():
    trace = backprop(seed=2)
    w = MLPWeights(trace.W1, trace.b1, trace.W2, trace.b2)
    fwd = mlp_forward(trace.x, w, "sigmoid")
    grads = mlp_backward(trace.x, trace.target, w, fwd, "sigmoid")
    assert_close(grads.W1, trace.grad_W1, rtol=0, atol=0)
    assert_close(fwd.a1, 1 / (1 + np.exp(-np.array(trace.z1))))


@pytest.mark.parametrize("overrides,message", [
    ({"x": [1.0, 2.0]}, "x: has 2 entries but input_size is 3; give 3 numbers, or null"),
    ({"target": [1.0, 2.0, 3.0]}, "target: has 3 entries but output_size is 2"),
    ({"x": [[1.0, 2.0, 3.0]]}, "x: must be a 1-D list of numbers from -10000 to 10000"),
    ({"x": [1.0, 2.0, 1e5]}, "x: entries must be <= 10000"),
    ({"hidden_size": 0}, "hidden_size: must be an integer from 1 to 16, got 0"),
    ({"activation": "gelu"}, "activation: must be one of sigmoid, tanh, relu, got 'gelu'"),
    ({"lr": -0.1}, "lr: must be a number from 0 to 10, got -0.1"),
])
def test_bad_parameters_are_refused_with_a_clear_message(overrides, message):
    with pytest.raises(ParamError) as info:
        LESSON.run(overrides)
    assert message in str(info.value)


def test_trace_is_frozen_and_json_ready():
    trace = LESSON.run({})
    with pytest.raises(ValueError):
        trace.W1[0, 0] = 1.0
    data = trace.to_dict()
    assert np.shape(data["W1"]) == (4, 3) and np.shape(data["W2"]) == (2, 4)
    assert isinstance(data["loss"], float) and data["activation"] == "sigmoid"


# -- what the video teaches around the numbers: the worked path, the activation, the step size --

def torch_loss_after_step(trace, lr: float) -> float:
    """The loss after one torch.optim.SGD step with learning rate `lr` (float64)."""
    params = [torch.tensor(np.array(getattr(trace, k)), requires_grad=True)
              for k in ("W1", "b1", "W2", "b2")]
    x, target = torch.tensor(np.array(trace.x)), torch.tensor(np.array(trace.target))
    act = TORCH_ACT[trace.activation]

    def loss():
        y = params[2] @ act(params[0] @ x + params[1]) + params[3]
        return 0.5 * ((y - target) ** 2).sum()

    opt = torch.optim.SGD(params, lr=lr)
    opt.zero_grad()
    loss().backward()
    opt.step()
    with torch.no_grad():
        return loss().item()


@settings(max_examples=40, deadline=None)
@given(lessons())
def test_the_worked_path_is_every_factor_of_its_chain_rule(params):
    trace = LESSON.run(params)
    ref = torch_reference(trace)
    c = trace.chain
    i, j, k = c.input, c.hidden, c.output
    assert i == np.argmax(np.abs(trace.x)) and j == np.argmax(np.abs(ref["grad_z1"]))
    assert k == np.argmax(np.abs(ref["grad_y_hat"]))
    for name, expected in (("x", trace.x[i]), ("w1", trace.W1[j, i]), ("b1", trace.b1[j]),
                           ("w2", trace.W2[k, j]), ("target", trace.target[k]),
                           ("z1", ref["z1"][j]), ("a1", ref["a1"][j]),
                           ("y_hat", ref["y_hat"][k]), ("grad_y_hat", ref["grad_y_hat"][k]),
                           ("grad_w2", ref["grad_W2"][k, j]), ("grad_a1", ref["grad_a1"][j]),
                           ("grad_z1", ref["grad_z1"][j]), ("grad_w1", ref["grad_W1"][j, i]),
                           ("w1_new", ref["W1_new"][j, i]), ("w2_new", ref["W2_new"][k, j])):
        assert_close(getattr(c, name), expected)
    # the terms written on screen add up to what they claim
    assert_close(np.sum(c.z1_products) + c.b1, c.z1)
    assert_close(c.z1_products, trace.W1[j] * trace.x, rtol=0, atol=0)
    assert_close(np.sum(c.grad_a1_products), c.grad_a1)
    assert_close(c.grad_w2, c.grad_y_hat * c.a1)
    assert_close(c.grad_z1, c.grad_a1 * c.act_grad)
    assert_close(c.grad_w1, c.grad_a1 * c.act_grad * c.x)
    # the hidden layer after the step, by torch from the stepped weights
    with torch.no_grad():
        a1_new = TORCH_ACT[trace.activation](torch.tensor(ref["W1_new"]) @ torch.tensor(trace.x)
                                             + torch.tensor(ref["b1_new"]))
    assert_close(trace.a1_new, a1_new.numpy())


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_activation_curve_and_its_largest_slope_match_autograd(activation):
    trace = LESSON.run({"activation": activation})
    z = torch.tensor(np.array(trace.act_curve_z), requires_grad=True)
    a = TORCH_ACT[activation](z)
    assert_close(trace.act_curve_a, a.detach().numpy())
    a.sum().backward()  # each point's slope: the points are independent
    assert_close(trace.act_curve_grad, z.grad.numpy())
    # the slope of the activation everywhere on a fine grid through 0, by autograd
    grid = torch.linspace(-10, 10, 20001, dtype=torch.float64, requires_grad=True)
    TORCH_ACT[activation](grid).sum().backward()
    assert trace.act_grad_max == pytest.approx(grid.grad.max().item(), rel=1e-9)
    if activation == "sigmoid":
        assert np.all(trace.da1_dz1 <= trace.act_grad_max)
    reach = max(4.0, 1.15 * np.abs(trace.z1).max())
    assert trace.act_curve_z[0] == -reach and trace.act_curve_z[-1] == reach


@settings(max_examples=25, deadline=None)
@given(lessons())
def test_the_loss_after_one_step_matches_torch_sgd_at_every_learning_rate(params):
    trace = LESSON.run(params)
    for lr, loss in list(zip(trace.lr_curve_lr, trace.lr_curve_loss, strict=True))[::8]:
        assert loss == pytest.approx(torch_loss_after_step(trace, float(lr)), rel=1e-8,
                                     abs=1e-12)
    if trace.lr_overshoot is None:
        return
    assert 0 < trace.lr_best < trace.lr_overshoot
    assert trace.lr_curve_lr[-1] == pytest.approx(1.25 * max(trace.lr, trace.lr_overshoot))
    # the crossing: the loss is back where it started, lower just before, higher just after
    at = torch_loss_after_step(trace, trace.lr_overshoot)
    assert at == pytest.approx(trace.loss, rel=1e-6, abs=1e-9)
    assert torch_loss_after_step(trace, trace.lr_overshoot * 1.001) > trace.loss
    assert trace.loss_best == pytest.approx(torch_loss_after_step(trace, trace.lr_best),
                                            rel=1e-8, abs=1e-12)
    assert trace.loss_best < trace.loss


def test_the_step_size_that_helps_most_and_the_one_that_overshoots():
    trace = LESSON.run({})
    lrs = np.linspace(0, trace.lr_overshoot, 401)[1:-1]
    losses = [torch_loss_after_step(trace, float(lr)) for lr in lrs]
    assert max(losses) < trace.loss  # every step shorter than the overshoot helps
    assert trace.loss_best <= min(losses) + 1e-3 * trace.loss
    assert trace.lr_regime == "descent"
    big = LESSON.run({"lr": 2 * trace.lr_overshoot})
    assert big.lr_regime == "overshoot" and big.loss_new > big.loss
    assert LESSON.run({"lr": 0.0}).lr_regime == "none"


def test_a_network_that_already_fits_has_no_step_to_take():
    fitted = LESSON.run({"target": LESSON.run({}).y_hat.tolist()})
    assert fitted.loss == 0 and np.all(fitted.grad_W1 == 0)
    assert fitted.lr_best is fitted.lr_overshoot is fitted.loss_best is None
    assert fitted.lr_regime == "none"
    assert None not in np.ravel(fitted.to_dict()["lr_curve_loss"]).tolist()
