"""SGD, momentum, RMSProp and Adam on 2-D loss surfaces, step by step, as torch.optim does them.

Surfaces f(x, y) (`SURFACES`):
  quadratic   x^2 / 20 + y^2: a long, narrow valley (curvatures 0.1 and 2, condition number 20);
              plain SGD zig-zags across it and crawls along it. Minimum 0 at (0, 0).
  rosenbrock  (1 - x)^2 + 100 (y - x^2)^2: a curved, flat-bottomed valley. Minimum 0 at (1, 1).
  saddle      x^2 + y^4 / 4 - y^2 / 2: a saddle point at (0, 0) between two minima -1/4 at
              (0, +-1); started just off the ridge, SGD lingers near the saddle, Adam escapes.

Updates, for the gradient g at step t = 1, 2, ... (PyTorch's semantics, in its order of operations,
without weight decay):
  sgd       p = p - lr g
  momentum  buf = g at t = 1, else momentum buf + g;  p = p - lr buf
            (nesterov: p = p - lr (g + momentum buf))                   torch.optim.SGD
  rmsprop   v = alpha v + (1 - alpha) g^2;  p = p - lr g / (sqrt(v) + eps)   torch.optim.RMSprop
  adam      m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2
            p = p - lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)   torch.optim.Adam

Divergence: the run stops at the first point with a coordinate beyond +-DIVERGED_AT (or not finite)
and reports diverged = true; that point is the last of the path. Below that bound every value of
these surfaces, gradients and optimizer states is a finite float64.

For the video, the trace also holds (new keys; the keys above describe the `optimizer` run):
  compare, runs   all four optimizers from the same start with the same rate and
                  hyper-parameters (runs[name] is what `optimizer=name` gives, plus Adam's
                  bias-corrected moments and each run's final gap f - min f); best: the lowest gap
  large_lr_*      the `optimizer` run again with only the rate raised: by default the first of
                  lr*2, lr*4, ... (then the largest allowed, LR_MAX) whose run diverges within
                  `steps`; if none does (RMSProp and Adam rescale their steps), LARGE_FACTOR * lr
  curvatures      the Hessian's eigenvalues at the first minimum, their ratio `condition`, and
                  lr_limit = 2 / the largest: plain gradient descent settles into the minimum only
                  below it (each step multiplies the offset along that axis by 1 - lr * curvature)
  saddles         the surface's saddle points
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, ParamError, spec
from engine.trace import Trace, frozen_array

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
DIVERGED_AT = 1e6  # |x| or |y| beyond this ends the run (far outside every plotting window)
MAX_START = 100.0
MAX_STEPS = 1000


@dataclass(frozen=True)
class Surface:
    formula: str
    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]  # f(x, y), element-wise
    grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (df/dx, df/dy)
    start: tuple[float, float]
    window: tuple[float, float, float, float]  # x_lo, x_hi, y_lo, y_hi for the contour grid
    minima: tuple[tuple[float, float], ...]
    min_loss: float


SURFACES: dict[str, Surface] = {
    "quadratic": Surface(
        "f(x, y) = x^2 / 20 + y^2",
        lambda x, y: x * x / 20 + y * y,
        lambda x, y: (x / 10, 2 * y),
        (-7.0, 2.0), (-10.0, 10.0, -5.0, 5.0), ((0.0, 0.0),), 0.0),
    "rosenbrock": Surface(
        "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        # grouped as autograd groups them: (100 * 2b) * (2x), so both round alike
        lambda x, y: (-2 * (1 - x) - 200 * (y - x * x) * (2 * x), 200 * (y - x * x)),
        (-1.2, 1.0), (-2.0, 2.0, -1.0, 3.0), ((1.0, 1.0),), 0.0),
    "saddle": Surface(
        "f(x, y) = x^2 + y^4 / 4 - y^2 / 2",
        lambda x, y: x * x + (y * y) ** 2 / 4 - y * y / 2,
        lambda x, y: (2 * x, y * y * y - y),
        (-1.5, 1e-3), (-2.0, 2.0, -2.0, 2.0), ((0.0, -1.0), (0.0, 1.0)), -0.25),
}


class Hyper(NamedTuple):
    lr: float
    momentum: float = 0.9
    nesterov: bool = False
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


class OptState(NamedTuple):
    """Everything an optimizer carries between steps, under torch's state names."""

    step: int
    momentum_buffer: np.ndarray | None  # momentum
    square_avg: np.ndarray | None  # rmsprop
    exp_avg: np.ndarray | None  # adam
    exp_avg_sq: np.ndarray | None  # adam


STATE_KEYS: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("momentum_buffer",), "rmsprop": ("square_avg",),
    "adam": ("exp_avg", "exp_avg_sq"),
}


def initial_state() -> OptState:
    return OptState(0, None, None, None, None)


def optimizer_step(name: str, p: np.ndarray, g: np.ndarray, state: OptState,
                   h: Hyper) -> tuple[np.ndarray, OptState]:
    """One update of the point p given its gradient g (see the module docstring)."""
    t = state.step + 1
    if name == "sgd":
        return p - h.lr * g, state._replace(step=t)
    if name == "momentum":
        buf = g.copy() if state.momentum_buffer is None else h.momentum * state.momentum_buffer + g
        direction = g + h.momentum * buf if h.nesterov else buf
        return p - h.lr * direction, state._replace(step=t, momentum_buffer=buf)
    if name == "rmsprop":
        v = np.zeros_like(p) if state.square_avg is None else state.square_avg
        v = h.alpha * v + (1 - h.alpha) * g * g
        return p - h.lr * (g / (np.sqrt(v) + h.eps)), state._replace(step=t, square_avg=v)
    m = np.zeros_like(p) if state.exp_avg is None else state.exp_avg
    v = np.zeros_like(p) if state.exp_avg_sq is None else state.exp_avg_sq
    p, m, v = adam_update(p, g, m, v, t, h.lr, h.beta1, h.beta2, h.eps)
    return p, state._replace(step=t, exp_avg=m, exp_avg_sq=v)


def adam_update(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float,
                beta1: float, beta2: float, eps: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch.optim.Adam's update of one tensor at step t (from 1), in torch's order of
    operations (no weight decay, no amsgrad); returns the new p, m and v:

    m = lerp(m, g, 1 - b1);  v = b2 v + (1 - b2) g^2
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    torch's lerp(m, g, w) works from the nearer end: m + w (g - m) for w < 1/2, else
    g - (1 - w)(g - m) (exactly g when b1 = 0).
    """
    w = 1 - beta1
    m = m + w * (g - m) if w < 0.5 else g - (g - m) * (1 - w)
    v = v * beta2 + (1 - beta2) * g * g
    step_size = lr / (1 - beta1 ** t)
    denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + eps
    return p - step_size * (m / denom), m, v


class Run(NamedTuple):
    path: np.ndarray  # (n + 1) x 2, the start first
    losses: np.ndarray  # n + 1
    grads: np.ndarray  # n x 2: the gradient at path[i], used for step i
    states: dict[str, np.ndarray]  # torch state name -> n x 2, after each step
    diverged: bool


def gradient(surface: Surface, p: np.ndarray) -> np.ndarray:
    gx, gy = surface.grad(p[0], p[1])
    return np.array([gx, gy], dtype=np.float64)


def run_optimizer(surface: Surface, optimizer: str, start: np.ndarray, steps: int,
                  h: Hyper) -> Run:
    """Up to `steps` updates from `start`, stopping early once the point diverges."""
    p = np.array(start, dtype=np.float64)
    path, grads = [p], []
    states: dict[str, list[np.ndarray]] = {key: [] for key in STATE_KEYS[optimizer]}
    state = initial_state()
    diverged = False
    for _ in range(steps):
        g = gradient(surface, p)
        p, state = optimizer_step(optimizer, p, g, state, h)
        grads.append(g)
        path.append(p)
        for key in states:
            states[key].append(getattr(state, key))
        if not np.all(np.abs(p) <= DIVERGED_AT):  # also true for inf and nan
            diverged = True
            break
    path_array = np.array(path)
    losses = surface.loss(path_array[:, 0], path_array[:, 1])
    return Run(path_array, losses, np.array(grads).reshape(-1, 2),
               {k: np.array(v).reshape(-1, 2) for k, v in states.items()}, diverged)


def contour_grid(surface: Surface, start: np.ndarray,
                 points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, ...]]:
    """grid_x, grid_y and grid_loss[j, i] = f(grid_x[i], grid_y[j]) over the surface's window,
    widened (with a 10% margin) when the start lies outside it."""
    x_lo, x_hi, y_lo, y_hi = surface.window
    sx, sy = float(start[0]), float(start[1])
    if not x_lo <= sx <= x_hi:
        margin = 0.1 * (max(x_hi, sx) - min(x_lo, sx))
        x_lo, x_hi = min(x_lo, sx - margin), max(x_hi, sx + margin)
    if not y_lo <= sy <= y_hi:
        margin = 0.1 * (max(y_hi, sy) - min(y_lo, sy))
        y_lo, y_hi = min(y_lo, sy - margin), max(y_hi, sy + margin)
    grid_x, grid_y = np.linspace(x_lo, x_hi, points), np.linspace(y_lo, y_hi, points)
    gx, gy = np.meshgrid(grid_x, grid_y)
    return grid_x, grid_y, surface.loss(gx, gy), (x_lo, x_hi, y_lo, y_hi)


@dataclass(frozen=True)
class OptimTrace(Trace):
    surface: str
    formula: str
    optimizer: str
    lr: float
    momentum: float  # used by momentum only
    nesterov: bool
    alpha: float  # rmsprop only
    beta1: float  # adam only
    beta2: float
    eps: float  # rmsprop and adam
    steps: int  # asked for
    steps_taken: int  # fewer when diverged
    diverged: bool
    start: np.ndarray
    path: np.ndarray  # (steps_taken + 1) x 2
    loss: np.ndarray  # f at every point of the path
    grads: np.ndarray  # steps_taken x 2: the gradient each step used
    updates: np.ndarray  # steps_taken x 2: path[i + 1] - path[i]
    state: Mapping[str, np.ndarray]  # the optimizer's state after each step, torch's names
    final_loss: float
    minima: np.ndarray  # the surface's minimisers, k x 2
    min_loss: float
    window: tuple[float, ...]  # x_lo, x_hi, y_lo, y_hi of the grid
    grid_x: np.ndarray
    grid_y: np.ndarray
    grid_loss: np.ndarray  # len(grid_y) x len(grid_x): row j is y = grid_y[j]
    # -- new keys for the video (see the module docstring) --
    compare: tuple[str, ...]  # the optimizers compared, in order
    runs: Mapping[str, CompareRun]  # name -> its run from the same start, rate and settings
    best: str  # the compared run that ended closest to the minimum loss (first on ties)
    saddles: np.ndarray  # k x 2 (k may be 0)
    curvatures: np.ndarray  # Hessian eigenvalues at minima[0], ascending
    curvature_directions: np.ndarray  # 2 x 2: row i is the unit direction of curvatures[i]
    condition: float  # largest / smallest curvature
    lr_limit: float  # 2 / largest curvature: the stable rates of plain gradient descent
    diverged_at: float  # DIVERGED_AT
    lr_max: float  # the largest rate allowed (and tried)
    large_lr: float
    large_lr_factor: float  # large_lr / lr
    large_lr_case: str  # diverged | adaptive (rmsprop/adam: no rate up to lr_max diverges) | stable
    large_lr_path: np.ndarray
    large_lr_loss: np.ndarray
    large_lr_diverged: bool
    large_lr_steps_taken: int
    large_lr_final_loss: float
    rmsprop_first_longer: bool  # RMSProp's first step outruns the rate (s starts at zero)


def optimize(surface: str = "quadratic", optimizer: str = "sgd", lr: float = 0.1,
             steps: int = 100, start: np.ndarray | None = None, momentum: float = 0.9,
             nesterov: bool = False, alpha: float = 0.99, beta1: float = 0.9,
             beta2: float = 0.999, eps: float = 1e-8, grid_points: int = 41,
             large_lr: float | None = None) -> OptimTrace:
    """The optimizer lesson: the path, losses, gradients and states, and a contour grid."""
    s = SURFACES[surface]
    if start is None:
        start = np.array(s.start)
    elif start.shape != (2,):
        raise ParamError("start", f"must be [x, y], two numbers, got {start.shape[0]}")
    if optimizer == "momentum" and nesterov and momentum == 0:
        raise ParamError("nesterov", "needs momentum > 0 (as in PyTorch); set momentum above 0 "
                         "or nesterov=false")
    h = Hyper(lr, momentum, nesterov, alpha, beta1, beta2, eps)
    run = run_optimizer(s, optimizer, start, steps, h)
    grid_x, grid_y, grid_loss, window = contour_grid(s, start, grid_points)
    a = frozen_array
    return OptimTrace(
        surface=surface, formula=s.formula, optimizer=optimizer, lr=lr, momentum=momentum,
        nesterov=nesterov, alpha=alpha, beta1=beta1, beta2=beta2, eps=eps,
        steps=steps, steps_taken=len(run.grads), diverged=run.diverged,
        start=a(start), path=a(run.path), loss=a(run.losses), grads=a(run.grads),
        updates=a(np.diff(run.path, axis=0)),
        state=MappingProxyType({k: a(v) for k, v in run.states.items()}),
        final_loss=float(run.losses[-1]), minima=a(s.minima), min_loss=s.min_loss,
        window=window, grid_x=a(grid_x), grid_y=a(grid_y), grid_loss=a(grid_loss),
        **video_keys(surface, optimizer, start, steps, h, large_lr),
    )


# -- new keys for the video: the comparison, the large-rate run, the curvature -----------------

LR_MAX = 100.0  # the largest rate the lesson allows
LR_FLOOR = 1e-4  # the large-rate search doubles from here when lr is smaller (e.g. 0)
LARGE_FACTOR = 10.0  # the rate shown when no doubling diverges (RMSProp and Adam)

SADDLES: dict[str, tuple[tuple[float, float], ...]] = {
    "quadratic": (), "rosenbrock": (), "saddle": ((0.0, 0.0),)}


def hessian(surface: str, x: float, y: float) -> np.ndarray:
    """The analytic Hessian of a surface at (x, y)."""
    if surface == "quadratic":
        return np.array([[0.1, 0.0], [0.0, 2.0]])
    if surface == "rosenbrock":
        return np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])
    return np.array([[2.0, 0.0], [0.0, 3 * y * y - 1]])


@dataclass(frozen=True)
class CompareRun:
    """One optimizer's run in the comparison: the keys of the lesson's own run, per optimizer."""

    optimizer: str
    steps_taken: int
    diverged: bool
    path: np.ndarray
    loss: np.ndarray
    grads: np.ndarray
    updates: np.ndarray
    state: Mapping[str, np.ndarray]  # torch's names, after each step
    # Adam: exp_avg / (1 - beta1^t) and exp_avg_sq / (1 - beta2^t) after each step (the m-hat
    # and v-hat of the paper; torch folds them into its step); empty for the others
    bias_corrected: Mapping[str, np.ndarray]
    final_loss: float
    final_gap: float  # final_loss - min_loss (>= 0): how far above the lowest loss it ended


def compare_run(s: Surface, optimizer: str, start: np.ndarray, steps: int, h: Hyper) -> CompareRun:
    run = run_optimizer(s, optimizer, start, steps, h)
    a = frozen_array
    corrected = {}
    if optimizer == "adam":
        t = np.arange(1, len(run.grads) + 1)[:, None]
        corrected = {"exp_avg": a(run.states["exp_avg"] / (1 - h.beta1 ** t)),
                     "exp_avg_sq": a(run.states["exp_avg_sq"] / (1 - h.beta2 ** t))}
    final = float(run.losses[-1])
    return CompareRun(
        optimizer=optimizer, steps_taken=len(run.grads), diverged=run.diverged,
        path=a(run.path), loss=a(run.losses), grads=a(run.grads),
        updates=a(np.diff(run.path, axis=0)),
        state=MappingProxyType({k: a(v) for k, v in run.states.items()}),
        bias_corrected=MappingProxyType(corrected), final_loss=final,
        final_gap=max(final - s.min_loss, 0.0))  # rounding may dip a hair below


def large_rate(s: Surface, optimizer: str, start: np.ndarray, steps: int,
               h: Hyper) -> tuple[float, Run]:
    """The first of lr*2, lr*4, ... (then LR_MAX) whose run diverges within `steps`; if none
    does, LARGE_FACTOR * lr (at most LR_MAX) and its run."""
    rate = max(h.lr, LR_FLOOR)
    while rate < LR_MAX:
        rate = min(rate * 2, LR_MAX)
        run = run_optimizer(s, optimizer, start, steps, h._replace(lr=rate))
        if run.diverged:
            return rate, run
    rate = min(LARGE_FACTOR * max(h.lr, LR_FLOOR), LR_MAX)
    return rate, run_optimizer(s, optimizer, start, steps, h._replace(lr=rate))


def video_keys(surface: str, optimizer: str, start: np.ndarray, steps: int, h: Hyper,
               large_lr: float | None) -> dict:
    """The trace keys the video adds: the four runs, the large-rate run, the curvature."""
    s = SURFACES[surface]
    runs = {name: compare_run(s, name, start, steps, h) for name in OPTIMIZERS}
    finite = [name for name in OPTIMIZERS if not runs[name].diverged] or list(OPTIMIZERS)
    best = min(finite, key=lambda name: runs[name].final_gap)  # min keeps the first on ties
    searched = large_lr is None
    if searched:
        large_lr, big = large_rate(s, optimizer, start, steps, h)
    else:
        big = run_optimizer(s, optimizer, start, steps, h._replace(lr=large_lr))
    # adaptive: RMSProp or Adam, and no doubling up to LR_MAX diverged
    adaptive = searched and optimizer in ("rmsprop", "adam")
    case = "diverged" if big.diverged else "adaptive" if adaptive else "stable"
    curvatures, directions = np.linalg.eigh(hessian(surface, *s.minima[0]))
    a = frozen_array
    return dict(
        compare=OPTIMIZERS, runs=MappingProxyType(runs), best=best,
        saddles=a(np.reshape(SADDLES[surface], (-1, 2))), curvatures=a(curvatures),
        curvature_directions=a(directions.T),
        condition=float(curvatures[-1] / curvatures[0]), lr_limit=float(2 / curvatures[-1]),
        diverged_at=DIVERGED_AT, lr_max=LR_MAX,
        large_lr=large_lr, large_lr_factor=large_lr / h.lr if h.lr > 0 else math.inf,
        large_lr_case=case, large_lr_path=a(big.path), large_lr_loss=a(big.losses),
        large_lr_diverged=big.diverged, large_lr_steps_taken=len(big.grads),
        large_lr_final_loss=float(big.losses[-1]),
        rmsprop_first_longer=bool(len(runs["rmsprop"].updates) > 0 and np.all(
            np.abs(runs["rmsprop"].updates[0]) > h.lr * (1 + 1e-9))),
    )


BETA_MAX = 0.99999  # a decay of 1 never forgets (and Adam's bias correction divides by 0)

PARAMS = spec(
    Param("surface", "choice", "quadratic", "quadratic: narrow valley; rosenbrock: curved "
          "valley; saddle: a saddle point between two minima", choices=tuple(SURFACES)),
    Param("optimizer", "choice", "sgd", "the update rule, as in torch.optim",
          choices=OPTIMIZERS),
    Param("lr", "float", 0.1, "learning rate", minimum=0.0, maximum=100.0),
    Param("steps", "int", 100, "updates to run (fewer if the point diverges)", minimum=1,
          maximum=MAX_STEPS),
    Param("start", "array", None, "the starting point [x, y], each from -100 to 100 (null: the "
          "surface's usual start)",
          ndims=(1,), nullable=True, minimum=-MAX_START, maximum=MAX_START),
    Param("momentum", "float", 0.9, "momentum: how much of the last step carries over",
          minimum=0.0, maximum=1.0),
    Param("nesterov", "bool", False, "momentum: Nesterov's look-ahead form"),
    Param("alpha", "float", 0.99, "rmsprop: decay of the average of g^2 (rho elsewhere)",
          minimum=0.0, maximum=BETA_MAX),
    Param("beta1", "float", 0.9, "adam: decay of the average of g", minimum=0.0,
          maximum=BETA_MAX),
    Param("beta2", "float", 0.999, "adam: decay of the average of g^2", minimum=0.0,
          maximum=BETA_MAX),
    Param("eps", "float", 1e-8, "rmsprop and adam: added to sqrt(v) to avoid dividing by 0",
          minimum=1e-12, maximum=1.0),
    Param("grid_points", "int", 41, "points per axis of the contour grid", minimum=2,
          maximum=201),
    Param("large_lr", "float", None, "the too-large rate shown (null: the first of lr*2, lr*4, "
          "... whose run diverges)", minimum=0.0, maximum=LR_MAX, nullable=True),
)

LESSON = LessonModel("SGD, momentum, RMSProp and Adam on 2-D loss surfaces", PARAMS, optimize)
