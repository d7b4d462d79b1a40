"""Backpropagation by hand in a two-layer MLP on one example, then one SGD step.

    z1 = W1 x + b1        a1 = act(z1)        (W1 is hidden x input, column vectors)
    z2 = W2 a1 + b2       y_hat = z2          (linear output)
    L  = 1/2 sum (y_hat - target)^2

Backward, by the chain rule, one line per forward line in reverse:

    dL/dy_hat = dL/dz2 = y_hat - target
    dL/dW2 = dL/dz2 a1^T      dL/db2 = dL/dz2      dL/da1 = W2^T dL/dz2
    dL/dz1 = dL/da1 * act'(z1)   (element-wise)
    dL/dW1 = dL/dz1 x^T       dL/db1 = dL/dz1

act'(z) is s (1 - s) for the sigmoid s, 1 - tanh(z)^2 for tanh, and for ReLU 1 where z > 0 and 0
elsewhere (0 at z = 0 as well, as PyTorch). One SGD step: every weight w becomes w - lr dL/dw;
`loss_new` is the loss of the same example after the step.

Weights start as torch.nn.Linear's: uniform in +-1/sqrt(fan_in), biases too. x and the target
are standard normal. All draws come from independent streams spawned from default_rng(seed), so
changing the hidden size or the activation never changes x or the target.

For the video the trace also holds what it teaches around these numbers: `chain`, one path
input i -> hidden j -> output k with every factor of its chain rule written out (the output
with the largest |dL/dy_hat|, the hidden unit with the largest |dL/dz1|, the input with the
largest |x|); the activation's curve and the largest slope it can have; and the loss after one
step as a function of the learning rate, with the step that lowers it most and the learning
rate beyond which the step overshoots (the loss ends higher than it started).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, ParamError, spec
from engine.seeding import stream
from engine.trace import Trace, frozen_array

ACTIVATIONS = ("sigmoid", "tanh", "relu")
# The largest slope each activation has anywhere: sigmoid' = s (1 - s) peaks at z = 0.
ACT_GRAD_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}
CURVE_POINTS = 161  # samples of the activation's curve
LR_CURVE_POINTS = 81  # samples of the loss after one step, from lr 0
LR_SCAN_POINTS = 2001  # the fine scan that finds the best and the overshooting learning rates
STREAMS = ("x", "target", "weights")
MAX_SIZE = 16
MAX_ENTRY = 1e4  # bound on given x and target entries: keeps every number finite


class MLPWeights(NamedTuple):
    W1: np.ndarray  # hidden x input
    b1: np.ndarray  # hidden
    W2: np.ndarray  # output x hidden
    b2: np.ndarray  # output


class Forward(NamedTuple):
    z1: np.ndarray
    a1: np.ndarray
    z2: np.ndarray  # = y_hat


class MLPGrads(NamedTuple):
    z2: np.ndarray  # = dL/dy_hat
    W2: np.ndarray
    b2: np.ndarray
    a1: np.ndarray
    z1: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    da1_dz1: np.ndarray  # act'(z1), element-wise


# -- random data and initialisation ---------------------------------------------------------------

def make_example(seed: int, input_size: int, output_size: int) -> tuple[np.ndarray, np.ndarray]:
    """x and the target, standard normal."""
    return (stream(seed, "x", STREAMS).standard_normal(input_size),
            stream(seed, "target", STREAMS).standard_normal(output_size))


def init_mlp(seed: int, input_size: int, hidden_size: int, output_size: int) -> MLPWeights:
    """torch.nn.Linear's initialisation: weights and biases uniform in +-1/sqrt(fan_in)."""
    rng = stream(seed, "weights", STREAMS)
    k1, k2 = 1 / np.sqrt(input_size), 1 / np.sqrt(hidden_size)
    return MLPWeights(rng.uniform(-k1, k1, (hidden_size, input_size)),
                      rng.uniform(-k1, k1, hidden_size),
                      rng.uniform(-k2, k2, (output_size, hidden_size)),
                      rng.uniform(-k2, k2, output_size))


# -- activations ----------------------------------------------------------------------------------
def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z) without overflow: exp only ever sees -|z|, so a large |z| gives 0 or 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0.0)


def activation_slope(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """act'(z), from z and a = act(z); 0 in a saturated sigmoid or tanh, and for ReLU at z <= 0."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    return (z > 0).astype(np.float64)


# -- forward, backward, update --------------------------------------------------------------------
def mlp_forward(x: np.ndarray, w: MLPWeights, activation: str) -> Forward:
    z1 = w.W1 @ x + w.b1
    a1 = activate(activation, z1)
    return Forward(z1, a1, w.W2 @ a1 + w.b2)


def mse_half(y_hat: np.ndarray, target: np.ndarray) -> float:
    """L = 1/2 sum (y_hat - target)^2."""
    return float(0.5 * np.sum((y_hat - target) ** 2))


def mlp_backward(x: np.ndarray, target: np.ndarray, w: MLPWeights, fwd: Forward,
                 activation: str) -> MLPGrads:
    grad_z2 = fwd.z2 - target
    grad_a1 = w.W2.T @ grad_z2
    slope = activation_slope(activation, fwd.z1, fwd.a1)
    grad_z1 = grad_a1 * slope
    return MLPGrads(grad_z2, np.outer(grad_z2, fwd.a1), grad_z2, grad_a1, grad_z1,
                    np.outer(grad_z1, x), grad_z1, slope)


def sgd_step(w: MLPWeights, g: MLPGrads, lr: float) -> MLPWeights:
    return MLPWeights(w.W1 - lr * g.W1, w.b1 - lr * g.b1, w.W2 - lr * g.W2, w.b2 - lr * g.b2)


def loss_after_step(x: np.ndarray, target: np.ndarray, w: MLPWeights, g: MLPGrads,
                    activation: str, lr: float) -> float:
    """The loss on the same example after one SGD step with learning rate `lr`."""
    return mse_half(mlp_forward(x, sgd_step(w, g, lr), activation).z2, target)


class StepSizes(NamedTuple):
    best: float | None  # the scanned lr that lowers the loss most in one step
    loss_best: float | None
    overshoot: float | None  # the first lr > 0 at which the loss is back where it started


def step_sizes(x: np.ndarray, target: np.ndarray, w: MLPWeights, g: MLPGrads,
               activation: str) -> StepSizes:
    """Where one step along -gradient stops helping. The loss after a step of size lr starts at
    the loss (lr = 0) and falls (the gradient points uphill, the step goes the other way); far
    enough along it rises past the start. Doubling finds a learning rate past that point, a
    fine scan the first crossing, bisection the crossing itself. With a zero gradient no step
    changes anything: all None."""
    start = mse_half(mlp_forward(x, w, activation).z2, target)

    def f(lr: float) -> float:
        return loss_after_step(x, target, w, g, activation, lr)

    far = 1e-3
    while f(far) <= start and far < 1e12:
        far *= 2
    if not f(far) > start:
        return StepSizes(None, None, None)
    lrs = np.linspace(0.0, far, LR_SCAN_POINTS)
    losses = np.array([f(lr) for lr in lrs])
    first = int(np.argmax(losses > start))  # the first scanned lr past the crossing
    low, high = float(lrs[first - 1]), float(lrs[first])
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if f(middle) <= start else (low, middle)
    best = int(np.argmin(losses[:first]))
    return StepSizes(float(lrs[best]), float(losses[best]), high)


@dataclass(frozen=True)
class ChainPath:
    """One path input -> hidden -> output and every factor of its chain rule, as scalars."""

    input: int  # i: the input with the largest |x_i|
    hidden: int  # j: the hidden unit with the largest |dL/dz1_j|
    output: int  # k: the output with the largest |dL/dy_hat_k|
    x: float  # x_i
    w1: float  # W1[j][i]
    b1: float  # b1[j]
    z1_products: np.ndarray  # W1[j][i'] x_i' for every input i'
    z1: float  # their sum plus b1[j]
    a1: float  # act(z1)
    act_grad: float  # act'(z1)
    w2: float  # W2[k][j]
    y_hat: float
    target: float
    grad_y_hat: float  # y_hat - target
    grad_w2: float  # dL/dW2[k][j] = dL/dy_hat_k a1_j
    grad_a1_products: np.ndarray  # W2[k'][j] dL/dy_hat_k' for every output k'
    grad_a1: float  # their sum
    grad_z1: float  # dL/da1_j act'(z1_j)
    grad_w1: float  # dL/dW1[j][i] = dL/da1_j act'(z1_j) x_i
    w1_new: float  # W1[j][i] - lr dL/dW1[j][i]
    w2_new: float  # W2[k][j] - lr dL/dW2[k][j]


def chain_path(x: np.ndarray, target: np.ndarray, w: MLPWeights, fwd: Forward, g: MLPGrads,
               new: MLPWeights) -> ChainPath:
    i, j, k = (int(np.argmax(np.abs(v))) for v in (x, g.z1, g.z2))
    return ChainPath(
        input=i, hidden=j, output=k, x=float(x[i]), w1=float(w.W1[j, i]), b1=float(w.b1[j]),
        z1_products=frozen_array(w.W1[j] * x), z1=float(fwd.z1[j]), a1=float(fwd.a1[j]),
        act_grad=float(g.da1_dz1[j]), w2=float(w.W2[k, j]), y_hat=float(fwd.z2[k]),
        target=float(target[k]), grad_y_hat=float(g.z2[k]), grad_w2=float(g.W2[k, j]),
        grad_a1_products=frozen_array(w.W2[:, j] * g.z2), grad_a1=float(g.a1[j]),
        grad_z1=float(g.z1[j]), grad_w1=float(g.W1[j, i]), w1_new=float(new.W1[j, i]),
        w2_new=float(new.W2[k, j]))


def lr_regime(loss: float, loss_new: float) -> str:
    """What the one step did: nothing (lr 0 or a zero gradient), lowered the loss, or overshot
    (went so far that the loss ends higher)."""
    if loss_new == loss:
        return "none"
    return "descent" if loss_new < loss else "overshoot"


# -- the lesson -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackpropTrace(Trace):
    input_size: int
    hidden_size: int
    output_size: int
    activation: str
    seed: int
    lr: float
    x: np.ndarray
    target: np.ndarray
    W1: np.ndarray  # hidden x input
    b1: np.ndarray
    z1: np.ndarray
    a1: np.ndarray
    W2: np.ndarray  # output x hidden
    b2: np.ndarray
    z2: np.ndarray
    y_hat: np.ndarray  # = z2
    loss: float
    grad_y_hat: np.ndarray  # = grad_z2 = y_hat - target
    grad_z2: np.ndarray
    grad_W2: np.ndarray
    grad_b2: np.ndarray
    grad_a1: np.ndarray
    da1_dz1: np.ndarray  # act'(z1): what the gradient is multiplied by to cross the activation
    grad_z1: np.ndarray
    grad_W1: np.ndarray
    grad_b1: np.ndarray
    W1_new: np.ndarray  # after one SGD step
    b1_new: np.ndarray
    W2_new: np.ndarray
    b2_new: np.ndarray
    y_hat_new: np.ndarray
    loss_new: float
    # What the video teaches around the numbers above (see the module docstring).
    chain: ChainPath
    act_grad_max: float  # the largest slope of the activation anywhere
    act_curve_z: np.ndarray  # the activation's curve over +-max(4, 1.15 max|z1|)
    act_curve_a: np.ndarray
    act_curve_grad: np.ndarray  # its slope act'(z) at the same points
    lr_curve_lr: np.ndarray  # from 0 to 1.25 max(lr, lr_overshoot)
    lr_curve_loss: np.ndarray  # the loss after one step with each of them
    lr_best: float | None  # the step that lowers the loss most (None: zero gradient)
    loss_best: float | None
    lr_overshoot: float | None  # past it, one step ends with a higher loss than before
    lr_regime: str  # none, descent or overshoot: what this run's step did
    a1_new: np.ndarray  # the hidden layer's values after the step


def _given(name: str, value: np.ndarray, size_name: str, size: int) -> np.ndarray:
    if value.shape != (size,):
        raise ParamError(name, f"has {value.shape[0]} entries but {size_name} is {size}; give "
                         f"{size} numbers, or null to draw them from the seed")
    return value


def backprop(input_size: int = 3, hidden_size: int = 4, output_size: int = 2,
             activation: str = "sigmoid", seed: int = 0, lr: float = 0.1,
             x: np.ndarray | None = None, target: np.ndarray | None = None) -> BackpropTrace:
    """The backprop lesson: forward values, loss, every gradient, and one SGD step."""
    drawn_x, drawn_target = make_example(seed, input_size, output_size)
    x = drawn_x if x is None else _given("x", x, "input_size", input_size)
    target = drawn_target if target is None else _given("target", target, "output_size",
                                                        output_size)
    w = init_mlp(seed, input_size, hidden_size, output_size)
    fwd = mlp_forward(x, w, activation)
    g = mlp_backward(x, target, w, fwd, activation)
    new = sgd_step(w, g, lr)
    after = mlp_forward(x, new, activation)
    y_new = after.z2
    loss, loss_new = mse_half(fwd.z2, target), mse_half(y_new, target)
    reach = max(4.0, 1.15 * float(np.abs(fwd.z1).max()))
    curve_z = np.linspace(-reach, reach, CURVE_POINTS)
    curve_a = activate(activation, curve_z)
    sizes = step_sizes(x, target, w, g, activation)
    lr_curve = np.linspace(0.0, 1.25 * max(lr, sizes.overshoot or 0.0) or 1.0, LR_CURVE_POINTS)
    a = frozen_array
    return BackpropTrace(
        input_size=input_size, hidden_size=hidden_size, output_size=output_size,
        activation=activation, seed=seed, lr=lr, x=a(x), target=a(target),
        W1=a(w.W1), b1=a(w.b1), z1=a(fwd.z1), a1=a(fwd.a1), W2=a(w.W2), b2=a(w.b2),
        z2=a(fwd.z2), y_hat=a(fwd.z2), loss=loss,
        grad_y_hat=a(g.z2), grad_z2=a(g.z2), grad_W2=a(g.W2), grad_b2=a(g.b2), grad_a1=a(g.a1),
        da1_dz1=a(g.da1_dz1), grad_z1=a(g.z1), grad_W1=a(g.W1), grad_b1=a(g.b1),
        W1_new=a(new.W1), b1_new=a(new.b1), W2_new=a(new.W2), b2_new=a(new.b2),
        y_hat_new=a(y_new), loss_new=loss_new,
        chain=chain_path(x, target, w, fwd, g, new), act_grad_max=ACT_GRAD_MAX[activation],
        act_curve_z=a(curve_z), act_curve_a=a(curve_a),
        act_curve_grad=a(activation_slope(activation, curve_z, curve_a)),
        lr_curve_lr=a(lr_curve),
        lr_curve_loss=a([loss_after_step(x, target, w, g, activation, r) for r in lr_curve]),
        lr_best=sizes.best, loss_best=sizes.loss_best, lr_overshoot=sizes.overshoot,
        lr_regime=lr_regime(loss, loss_new), a1_new=a(after.a1),
    )


PARAMS = spec(
    Param("input_size", "int", 3, "numbers in the input x", minimum=1, maximum=MAX_SIZE),
    Param("hidden_size", "int", 4, "hidden units", minimum=1, maximum=MAX_SIZE),
    Param("output_size", "int", 2, "numbers in the output y_hat and the target", minimum=1,
          maximum=MAX_SIZE),
    Param("activation", "choice", "sigmoid", "the hidden layer's activation", choices=ACTIVATIONS),
    Param("seed", "int", 0, "random seed for x, the target and the initial weights", minimum=0,
          maximum=2**32 - 1),
    Param("lr", "float", 0.1, "SGD learning rate of the one update step", minimum=0.0,
          maximum=10.0),
    Param("x", "array", None, "the input: input_size numbers, each within +-10000 (null: drawn "
          "from the seed)",
          ndims=(1,), nullable=True, minimum=-MAX_ENTRY, maximum=MAX_ENTRY),
    Param("target", "array", None, "the target: output_size numbers, each within +-10000 (null: "
          "drawn from the seed)",
          ndims=(1,), nullable=True, minimum=-MAX_ENTRY, maximum=MAX_ENTRY),
)

LESSON = LessonModel("Backpropagation in a two-layer MLP, and one SGD step", PARAMS, backprop)
