"""A tiny GAN on toy data, trained by hand-written backpropagation and Adam (GAN Lab style).

Data: `two-gaussians`, 1-D, an even mixture of N(-2, 0.3^2) and N(2, 0.3^2); `ring`, 2-D, an
even mixture of 8 Gaussians with standard deviation 0.1 centred on a circle of radius 2.

Networks (row vectors: a layer maps h to h W + b, W is fan_in x fan_out):
    G: z (noise_dim, standard normal) -> hidden -> hidden -> sample     tanh on hidden layers
    D: x -> hidden -> hidden -> logit a,  D(x) = sigmoid(a)             leaky ReLU(0.2) on hidden
Weights and biases start uniform in +-1/sqrt(fan_in), as torch.nn.Linear's.

Losses, each a mean over the batch of n (written with logits, as BCE-with-logits, so that
log D never takes the log of 0):
    d_loss = -mean log D(x_real) - mean log(1 - D(G(z)))  = BCE(D(real), 1) + BCE(D(fake), 0)
    g_loss = -mean log D(G(z))                            (non-saturating: G maximises log D)

One training step: draw a real batch and a noise batch; fake = G(z); update D on d_loss with
fake held fixed; then update G on g_loss through the *updated* D, with the same z (as in
PyTorch's DCGAN example). Both use Adam with PyTorch semantics, betas (0.5, 0.999), eps 1e-8.

Settings: `normal` trains both networks with learning rate `lr`; `mode-collapse` gives the
generator 20 x lr and the discriminator lr / 10. D then lags far behind G: G piles all its samples
onto whatever region D currently rates most real, D slowly lowers it, G jumps elsewhere together,
and at no time more than one or two modes are covered.

Measures at each snapshot, on fixed evaluation samples (EVAL real points and G of EVAL fixed noise
vectors, the same at every snapshot, so the numbers are comparable along training):
  distance      sliced 1-Wasserstein distance between generated and real samples: the mean over
                DIRECTIONS evenly spaced unit vectors u of W1(u.x_fake, u.x_real), where W1 of two
                equal-size 1-D samples is the mean |difference| of their sorted values (in 1-D it
                is exactly W1). Two independent real samples give about `distance_floor`, not 0.
  mode_counts   generated samples within 3 standard deviations of each mode
  modes_covered modes holding at least a quarter of their fair share, EVAL / (4 modes)
  on_mode       fraction of generated samples within 3 standard deviations of some mode

For the video, the trace also holds one step in full (`example_step`: a real and a fake batch,
D's outputs on them before and after D's update, both losses, G's samples after its update) and
the other setting trained with the same parameters and seed (`contrast_snapshots`), so that a
normal run and a collapsed one are compared within one trace.

All randomness comes from default_rng(seed), spawned into independent streams (STREAMS).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.optim import adam_update
from engine.params import Param, ParamError, spec
from engine.seeding import stream
from engine.trace import Trace, frozen_array

Params = tuple[np.ndarray, ...]  # W_1, b_1, W_2, b_2, ... of one network

BETAS = (0.5, 0.999)
EPS = 1e-8
LEAK = 0.2
EVAL = 2000  # evaluation samples for the measures
SHOW = 200  # samples drawn on screen
DIRECTIONS = 32  # for the sliced Wasserstein distance in 2-D
MAX_SNAPSHOTS = 200
SETTINGS = ("normal", "mode-collapse")
STREAMS = ("init", "real", "noise", "eval")


@dataclass(frozen=True)
class Dataset:
    modes: tuple[tuple[float, ...], ...]  # centres, K x dim
    std: float
    grid_lo: float  # the discriminator is shown on [lo, hi] (in each dimension)
    grid_hi: float
    grid_points: int  # per dimension


def _ring(k: int, radius: float) -> tuple[tuple[float, float], ...]:
    angles = [2 * math.pi * i / k for i in range(k)]
    return tuple((radius * math.cos(a), radius * math.sin(a)) for a in angles)


DATASETS: dict[str, Dataset] = {
    "two-gaussians": Dataset(((-2.0,), (2.0,)), 0.3, -4.0, 4.0, 81),
    "ring": Dataset(_ring(8, 2.0), 0.1, -3.0, 3.0, 31),
}



def sample_data(rng: np.random.Generator, dataset: Dataset, n: int) -> np.ndarray:
    """n points (n x dim): a mode chosen uniformly, plus Gaussian noise."""
    modes = np.array(dataset.modes)
    which = rng.integers(0, len(modes), n)
    return modes[which] + dataset.std * rng.standard_normal((n, modes.shape[1]))


def make_grid(dataset: Dataset) -> np.ndarray:
    """1-D: points x 1; 2-D: points x points x 2 with grid[i, j] = (x_j, y_i)."""
    axis = np.linspace(dataset.grid_lo, dataset.grid_hi, dataset.grid_points)
    if len(dataset.modes[0]) == 1:
        return axis[:, None]
    xs, ys = np.meshgrid(axis, axis)
    return np.stack([xs, ys], axis=-1)


# -- networks -------------------------------------------------------------------------------------
def init_mlp(rng: np.random.Generator, sizes: list[int]) -> Params:
    """Layers sizes[0] -> sizes[1] -> ...; W and b uniform in +-1/sqrt(fan_in)."""
    params: list[np.ndarray] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1.0 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)))
        params.append(rng.uniform(-bound, bound, fan_out))
    return tuple(params)


def activate(kind: str, z: np.ndarray) -> np.ndarray:
    return np.tanh(z) if kind == "tanh" else np.maximum(z, LEAK * z)  # leaky ReLU, LEAK < 1


def activate_grad(kind: str, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    return 1.0 - h * h if kind == "tanh" else np.where(z > 0, 1.0, LEAK)


class Cache(NamedTuple):
    inputs: tuple[np.ndarray, ...]  # what each layer received
    pre: tuple[np.ndarray, ...]  # each layer's h W + b
    post: tuple[np.ndarray, ...]  # after the activation (the last layer has none)


def exact_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b by NumPy's own single-threaded loops, never BLAS: BLAS may split a large product
    between threads and so change its last bits with the thread count. Slower than @, so used
    only for the large evaluation batches, whose results never feed back into training."""
    return np.einsum("ij,jk->ik", a, b)


def mlp_forward(params: Params, x: np.ndarray, kind: str,
                dot: Callable[[np.ndarray, np.ndarray], np.ndarray] = np.matmul,
                ) -> tuple[np.ndarray, Cache]:
    inputs, pre, post = [], [], []
    h = x
    layers = len(params) // 2
    for i in range(layers):
        inputs.append(h)
        z = dot(h, params[2 * i]) + params[2 * i + 1]
        h = activate(kind, z) if i < layers - 1 else z
        pre.append(z)
        post.append(h)
    return h, Cache(tuple(inputs), tuple(pre), tuple(post))


def mlp_backward(params: Params, cache: Cache, grad_out: np.ndarray,
                 kind: str) -> tuple[Params, np.ndarray]:
    """Gradients for the parameters and for the input x, given dL/d(output)."""
    layers = len(params) // 2
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    g = grad_out
    for i in range(layers - 1, -1, -1):
        if i < layers - 1:
            g = g * activate_grad(kind, cache.pre[i], cache.post[i])
        grads[2 * i] = cache.inputs[i].T @ g
        grads[2 * i + 1] = g.sum(axis=0)
        g = g @ params[2 * i].T
    return tuple(grads), g


def generate(g: Params, z: np.ndarray) -> np.ndarray:
    """G(z) for an evaluation batch (by exact_dot)."""
    return mlp_forward(g, z, "tanh", exact_dot)[0]


def logits(d: Params, x: np.ndarray) -> np.ndarray:
    """D's logit a for each row of an evaluation batch x (n x 1, by exact_dot); D = sigmoid(a)."""
    return mlp_forward(d, x, "leaky", exact_dot)[0]


def softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def sigmoid(a: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -a))  # exact to the last bits even where it is tiny


# -- losses and gradients -------------------------------------------------------------------------
def d_loss_and_grads(d: Params, real: np.ndarray, fake: np.ndarray) -> tuple[float, Params]:
    """d_loss = mean softplus(-a_real) + mean softplus(a_fake), since -log sigmoid(a) =
    softplus(-a) and -log(1 - sigmoid(a)) = softplus(a); and its gradient for D's parameters."""
    a, cache = mlp_forward(d, np.concatenate([real, fake]), "leaky")  # one pass for both
    a_real, a_fake = a[:len(real)], a[len(real):]
    loss = float(softplus(-a_real).mean() + softplus(a_fake).mean())
    grad_a = np.concatenate([-sigmoid(-a_real) / len(real), sigmoid(a_fake) / len(fake)])
    grads, _ = mlp_backward(d, cache, grad_a, "leaky")
    return loss, grads


def g_loss_and_grads(g: Params, d: Params, z: np.ndarray,
                     forward: tuple[np.ndarray, Cache] | None = None) -> tuple[float, Params]:
    """g_loss = mean softplus(-D_logit(G(z))) = -mean log D(G(z)); gradient for G's parameters,
    through D to the generated samples and on through G. `forward`: mlp_forward(g, z) if known."""
    fake, g_cache = forward if forward is not None else mlp_forward(g, z, "tanh")
    a_fake, d_cache = mlp_forward(d, fake, "leaky")
    loss = float(softplus(-a_fake).mean())
    _, grad_fake = mlp_backward(d, d_cache, -sigmoid(-a_fake) / len(z), "leaky")
    grads, _ = mlp_backward(g, g_cache, grad_fake, "tanh")
    return loss, grads


# -- Adam -----------------------------------------------------------------------------------------
class AdamState(NamedTuple):
    step: int
    m: Params  # first moments
    v: Params  # second moments


def adam_init(params: Params) -> AdamState:
    return AdamState(0, tuple(np.zeros_like(p) for p in params),
                     tuple(np.zeros_like(p) for p in params))


def adam_step(params: Params, grads: Params, state: AdamState, lr: float,
              betas: tuple[float, float] = BETAS, eps: float = EPS) -> tuple[Params, AdamState]:
    """One step of torch.optim.Adam over every parameter (see engine.optim.adam_update)."""
    t = state.step + 1
    updated = [adam_update(p, g, m, v, t, lr, *betas, eps)
               for p, g, m, v in zip(params, grads, state.m, state.v, strict=True)]
    new_p, new_m, new_v = zip(*updated, strict=True)
    return tuple(new_p), AdamState(t, tuple(new_m), tuple(new_v))


class StepResult(NamedTuple):
    g: Params  # after the step
    d: Params
    g_state: AdamState
    d_state: AdamState
    d_loss: float  # before D's update
    g_loss: float  # with the updated D, before G's update
    d_grads: Params
    g_grads: Params


def train_step(g: Params, d: Params, g_state: AdamState, d_state: AdamState, real: np.ndarray,
               z: np.ndarray, lr_g: float, lr_d: float) -> StepResult:
    """One GAN step: D on (real, G(z)), then G on z through the updated D."""
    forward = mlp_forward(g, z, "tanh")
    d_loss, d_grads = d_loss_and_grads(d, real, forward[0])
    d, d_state = adam_step(d, d_grads, d_state, lr_d)
    g_loss, g_grads = g_loss_and_grads(g, d, z, forward)
    g, g_state = adam_step(g, g_grads, g_state, lr_g)
    return StepResult(g, d, g_state, d_state, d_loss, g_loss, d_grads, g_grads)


# -- measures -------------------------------------------------------------------------------------
def directions(dim: int) -> np.ndarray:
    """dim x n unit vectors: 1-D just (1,); 2-D angles pi k / DIRECTIONS, k = 0..DIRECTIONS-1."""
    if dim == 1:
        return np.ones((1, 1))
    angles = np.pi * np.arange(DIRECTIONS) / DIRECTIONS
    return np.stack([np.cos(angles), np.sin(angles)])


def sliced_wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over fixed directions of the 1-D W1 distance of the projections (equal sizes)."""
    u = directions(a.shape[1])
    return float(np.abs(np.sort(a @ u, axis=0) - np.sort(b @ u, axis=0)).mean())


def mode_counts(fake: np.ndarray, dataset: Dataset) -> np.ndarray:
    """How many samples lie within 3 standard deviations of each mode."""
    modes = np.array(dataset.modes)
    dist = np.linalg.norm(fake[:, None, :] - modes[None], axis=2)
    near = dist.min(axis=1) < 3 * dataset.std
    return np.bincount(dist.argmin(axis=1)[near], minlength=len(modes))


# -- the lesson -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    step: int  # training steps done
    real: np.ndarray  # the SHOW real points on screen (the same in every snapshot), n x dim
    fake: np.ndarray  # G of the SHOW fixed noise vectors, n x dim
    d_loss: float  # on the evaluation samples
    g_loss: float
    d_real: float  # mean D(x) over the real evaluation samples
    d_fake: float  # mean D(G(z)) over the generated ones
    d_grid: np.ndarray  # D at every grid point: shape grid.shape[:-1]
    distance: float  # sliced Wasserstein distance, generated vs real (see module docstring)
    mode_counts: np.ndarray  # generated evaluation samples within 3 std of each mode
    modes_covered: int
    on_mode: float


@dataclass(frozen=True)
class ExampleStep:
    """One training step in full: the step early in training (within the first EXAMPLE_WINDOW)
    at which D separates its real and fake batch best (largest mean D(real) - mean D(fake)
    before its update). Per-sample outputs are D = sigmoid(logit) on the batch."""

    step: int
    real: np.ndarray  # the real batch, batch_size x dim
    fake: np.ndarray  # G(z) before the step
    d_real: np.ndarray  # D(x) on each real sample, before D's update
    d_fake: np.ndarray  # D(G(z)) on each fake sample, before D's update
    d_real_mean: float
    d_fake_mean: float
    d_loss: float  # = d_loss_history[step - 1]; it updates D only (fake held fixed)
    d_grid: np.ndarray  # D before its update, at every grid point
    d_real_updated: np.ndarray  # D after its update, same samples
    d_fake_updated: np.ndarray  # what G's loss sees
    d_real_updated_mean: float
    d_fake_updated_mean: float
    d_loss_updated: float  # d_loss of the updated D on the same batch
    g_loss: float  # = g_loss_history[step - 1], through the updated D; it updates G only
    fake_after: np.ndarray  # G after its update, on the same z
    d_fake_after: np.ndarray  # the updated D on those samples
    d_fake_after_mean: float
    g_loss_after: float  # g_loss of the updated G (through the same updated D)


@dataclass(frozen=True)
class ContrastSnapshot:
    """A snapshot of the contrast run (the other setting): what its video part draws and says.
    The real points are the main run's (same seed, so the same evaluation samples)."""

    step: int
    fake: np.ndarray
    d_loss: float
    g_loss: float
    d_grid: np.ndarray
    distance: float
    mode_counts: np.ndarray
    modes_covered: int


@dataclass(frozen=True)
class GanTrace(Trace):
    data: str
    setting: str
    steps: int
    seed: int
    batch_size: int
    hidden: int
    noise_dim: int
    lr: float
    lr_g: float  # what the setting made of lr
    lr_d: float
    betas: tuple[float, float]
    dim: int  # of a sample
    generator_sizes: tuple[int, ...]  # layer widths, noise to sample
    discriminator_sizes: tuple[int, ...]
    modes: np.ndarray  # centres, K x dim
    mode_std: float
    grid: np.ndarray  # 1-D: points x 1; 2-D: points x points x 2
    distance_floor: float  # the distance between two independent real evaluation samples
    snapshots: tuple[Snapshot, ...]
    d_loss_history: np.ndarray  # every training step's batch d_loss
    g_loss_history: np.ndarray
    # What the video teaches around the snapshots (see ExampleStep and ContrastSnapshot):
    snapshot_every: int
    mode_count: int  # K, the modes of the data
    d_grid_min: np.ndarray  # per snapshot, the least and greatest D over the grid
    d_grid_max: np.ndarray
    example_step: ExampleStep
    example_d_improved: bool  # D's step lowered d_loss on its batch
    example_g_improved: bool  # G's step lowered g_loss on its batch
    lr_ratio: float  # lr_g / lr_d: how much faster G learns than D
    max_modes_covered: int  # over all snapshots
    contrast_setting: str  # the other setting, trained with the same parameters
    contrast_lr_g: float
    contrast_lr_d: float
    contrast_lr_ratio: float
    contrast_snapshots: tuple[ContrastSnapshot, ...]
    contrast_max_modes_covered: int  # over all its snapshots


def learning_rates(setting: str, lr: float) -> tuple[float, float]:
    """(lr_g, lr_d) for a setting."""
    if setting == "normal":
        return lr, lr
    if setting == "mode-collapse":
        return 20 * lr, lr / 10
    raise ParamError("setting", f"must be one of {', '.join(SETTINGS)}, got {setting!r}")


# Training cost grows with steps x batch x hidden^2 (the hidden-to-hidden products): the defaults
# are 1.3e8 per training; the cap, on the two trainings of a trace together (the run and its
# contrast), keeps every allowed run within seconds.
MAX_WORK = 2e9
TRAININGS = 2
EXAMPLE_WINDOW = 100  # the example step is taken among the first steps: early in training


def snapshot_steps(steps: int, every: int) -> list[int]:
    """0, every, 2 every, ... and the last step."""
    marks = list(range(0, steps + 1, every))
    return marks if marks[-1] == steps else [*marks, steps]


class Run(NamedTuple):
    """One training of a setting: its snapshots, loss histories and (if asked) example step."""

    snapshots: list[Snapshot]
    d_history: np.ndarray
    g_history: np.ndarray
    example: ExampleStep | None


def separation(g: Params, d: Params, real: np.ndarray, z: np.ndarray) -> float:
    """Mean D(real) - mean D(G(z)) on one batch: how well D tells them apart."""
    fake = mlp_forward(g, z, "tanh")[0]
    return float(sigmoid(mlp_forward(d, real, "leaky")[0]).mean()
                 - sigmoid(mlp_forward(d, fake, "leaky")[0]).mean())


def explain_step(g: Params, d: Params, result: StepResult, real: np.ndarray, z: np.ndarray,
                 step: int, grid_points: np.ndarray, grid_shape: tuple[int, ...]) -> ExampleStep:
    """The numbers of one step (before: g, d; after: result), for the video to show."""
    fake = mlp_forward(g, z, "tanh")[0]
    d_real, d_fake = (sigmoid(mlp_forward(d, x, "leaky")[0][:, 0]) for x in (real, fake))
    d_real_up, d_fake_up = (sigmoid(mlp_forward(result.d, x, "leaky")[0][:, 0])
                            for x in (real, fake))
    fake_after = mlp_forward(result.g, z, "tanh")[0]
    d_fake_after = sigmoid(mlp_forward(result.d, fake_after, "leaky")[0][:, 0])
    return ExampleStep(
        step=step, real=frozen_array(real), fake=frozen_array(fake),
        d_real=frozen_array(d_real), d_fake=frozen_array(d_fake),
        d_real_mean=float(d_real.mean()), d_fake_mean=float(d_fake.mean()),
        d_loss=result.d_loss,
        d_grid=frozen_array(sigmoid(logits(d, grid_points)).reshape(grid_shape)),
        d_real_updated=frozen_array(d_real_up), d_fake_updated=frozen_array(d_fake_up),
        d_real_updated_mean=float(d_real_up.mean()),
        d_fake_updated_mean=float(d_fake_up.mean()),
        d_loss_updated=float(-np.log(d_real_up).mean() - np.log1p(-d_fake_up).mean()),
        g_loss=result.g_loss, fake_after=frozen_array(fake_after),
        d_fake_after=frozen_array(d_fake_after), d_fake_after_mean=float(d_fake_after.mean()),
        g_loss_after=float(-np.log(d_fake_after).mean()),
    )


def train_run(dataset: Dataset, setting: str, steps: int, seed: int, lr: float,
              snapshot_every: int, batch_size: int, hidden: int, noise_dim: int,
              explain: bool) -> Run:
    """Train one setting from the seed's initial weights; snapshots on the seed's evaluation
    samples. `explain`: also record the example step (see ExampleStep)."""
    lr_g, lr_d = learning_rates(setting, lr)
    dim = len(dataset.modes[0])
    init_rng = stream(seed, "init", STREAMS)
    g = init_mlp(init_rng, [noise_dim, hidden, hidden, dim])
    d = init_mlp(init_rng, [dim, hidden, hidden, 1])
    g_state, d_state = adam_init(g), adam_init(d)
    real_rng, noise_rng = stream(seed, "real", STREAMS), stream(seed, "noise", STREAMS)
    eval_rng = stream(seed, "eval", STREAMS)
    eval_real = sample_data(eval_rng, dataset, EVAL)
    eval_z = eval_rng.standard_normal((EVAL, noise_dim))
    show_real = eval_real[:SHOW]  # fake[:SHOW] uses eval_z[:SHOW], the same points each time
    grid = make_grid(dataset)
    grid_points = grid.reshape(-1, dim)

    def snapshot(step: int) -> Snapshot:
        fake = generate(g, eval_z)
        a_real, a_fake = logits(d, eval_real), logits(d, fake)
        counts = mode_counts(fake, dataset)
        return Snapshot(
            step=step,
            real=frozen_array(show_real),
            fake=frozen_array(fake[:SHOW]),
            d_loss=float(softplus(-a_real).mean() + softplus(a_fake).mean()),
            g_loss=float(softplus(-a_fake).mean()),
            d_real=float(sigmoid(a_real).mean()),
            d_fake=float(sigmoid(a_fake).mean()),
            d_grid=frozen_array(sigmoid(logits(d, grid_points)).reshape(grid.shape[:-1])),
            distance=sliced_wasserstein(fake, eval_real),
            mode_counts=frozen_array(counts),
            modes_covered=int((counts >= EVAL / (4 * len(counts))).sum()),
            on_mode=float(counts.sum() / EVAL),
        )

    marks = set(snapshot_steps(steps, snapshot_every))
    snapshots = [snapshot(0)]
    d_history, g_history = np.zeros(steps), np.zeros(steps)
    best: tuple | None = None  # (gap, the arguments of explain_step) of the example so far
    for step in range(1, steps + 1):
        real = sample_data(real_rng, dataset, batch_size)
        z = noise_rng.standard_normal((batch_size, noise_dim))
        result = train_step(g, d, g_state, d_state, real, z, lr_g, lr_d)
        if explain and step <= EXAMPLE_WINDOW:
            gap = separation(g, d, real, z)
            if best is None or gap > best[0]:
                best = (gap, (g, d, result, real, z, step))
        g, d, g_state, d_state = result.g, result.d, result.g_state, result.d_state
        d_history[step - 1], g_history[step - 1] = result.d_loss, result.g_loss
        if step in marks:
            snapshots.append(snapshot(step))
    example = None if best is None else explain_step(*best[1], grid_points, grid.shape[:-1])
    return Run(snapshots, frozen_array(d_history), frozen_array(g_history), example)


def contrast_of(snapshot: Snapshot) -> ContrastSnapshot:
    return ContrastSnapshot(
        step=snapshot.step, fake=snapshot.fake, d_loss=snapshot.d_loss, g_loss=snapshot.g_loss,
        d_grid=snapshot.d_grid, distance=snapshot.distance, mode_counts=snapshot.mode_counts,
        modes_covered=snapshot.modes_covered)


def train_gan(data: str, setting: str, steps: int, seed: int, lr: float, snapshot_every: int,
              batch_size: int, hidden: int, noise_dim: int) -> GanTrace:
    """The GAN lesson: train, and take a snapshot every `snapshot_every` steps; then train the
    other setting with the same parameters, for the video's contrast."""
    if data not in DATASETS:
        raise ParamError("data", f"must be one of {', '.join(DATASETS)}, got {data!r}")
    count = len(snapshot_steps(steps, snapshot_every))
    if count > MAX_SNAPSHOTS + 1:
        raise ParamError(
            "snapshot_every", f"{snapshot_every} with {steps} steps gives {count} snapshots, at "
            f"most {MAX_SNAPSHOTS + 1} are allowed; use snapshot_every >= "
            f"{math.ceil(steps / MAX_SNAPSHOTS)}")
    work = steps * batch_size * hidden * hidden
    if TRAININGS * work > MAX_WORK:
        raise ParamError(
            "steps", f"steps x batch_size x hidden^2 = {steps} x {batch_size} x {hidden}^2 = "
            f"{work:.2g}, trained twice (this setting and the other, for contrast); at most "
            f"{MAX_WORK / TRAININGS:.0e} (some seconds of training each) is allowed: fewer "
            "steps, a smaller batch or fewer hidden units")
    lr_g, lr_d = learning_rates(setting, lr)
    dataset = DATASETS[data]
    dim = len(dataset.modes[0])
    g_sizes, d_sizes = [noise_dim, hidden, hidden, dim], [dim, hidden, hidden, 1]
    eval_rng = stream(seed, "eval", STREAMS)  # the same draws as train_run's, then the floor's
    eval_real = sample_data(eval_rng, dataset, EVAL)
    eval_rng.standard_normal((EVAL, noise_dim))
    floor = sliced_wasserstein(eval_real, sample_data(eval_rng, dataset, EVAL))
    grid = make_grid(dataset)

    run = train_run(dataset, setting, steps, seed, lr, snapshot_every, batch_size, hidden,
                    noise_dim, explain=True)
    other = next(s for s in SETTINGS if s != setting)
    contrast = train_run(dataset, other, steps, seed, lr, snapshot_every, batch_size, hidden,
                         noise_dim, explain=False)
    example = run.example
    assert example is not None  # steps >= 1, so the first step is a candidate
    other_lr_g, other_lr_d = learning_rates(other, lr)
    grids = np.array([s.d_grid for s in run.snapshots])
    flat = grids.reshape(len(grids), -1)

    return GanTrace(
        data=data, setting=setting, steps=steps, seed=seed, batch_size=batch_size, hidden=hidden,
        noise_dim=noise_dim, lr=lr, lr_g=lr_g, lr_d=lr_d, betas=BETAS, dim=dim,
        generator_sizes=tuple(g_sizes), discriminator_sizes=tuple(d_sizes),
        modes=frozen_array(dataset.modes), mode_std=dataset.std, grid=frozen_array(grid),
        distance_floor=floor, snapshots=tuple(run.snapshots),
        d_loss_history=run.d_history, g_loss_history=run.g_history,
        snapshot_every=snapshot_every, mode_count=len(dataset.modes),
        d_grid_min=frozen_array(flat.min(axis=1)), d_grid_max=frozen_array(flat.max(axis=1)),
        example_step=example,
        example_d_improved=bool(example.d_loss_updated < example.d_loss),
        example_g_improved=bool(example.g_loss_after < example.g_loss),
        lr_ratio=lr_g / lr_d, max_modes_covered=max(s.modes_covered for s in run.snapshots),
        contrast_setting=other, contrast_lr_g=other_lr_g, contrast_lr_d=other_lr_d,
        contrast_lr_ratio=other_lr_g / other_lr_d,
        contrast_snapshots=tuple(contrast_of(s) for s in contrast.snapshots),
        contrast_max_modes_covered=max(s.modes_covered for s in contrast.snapshots),
    )


PARAMS = spec(
    Param("data", "choice", "ring", "two-gaussians: 1-D, two modes; ring: 2-D, eight modes",
          choices=tuple(DATASETS)),
    Param("setting", "choice", "normal",
          "mode-collapse: G learns at 20 x lr, D at lr / 10, so G collapses", choices=SETTINGS),
    Param("steps", "int", 2000, "training steps (one D update, then one G update); "
          "steps x batch_size x hidden^2 may be at most 1e9 (each setting is trained: the "
          "run and its contrast)",
          minimum=1, maximum=20000),
    Param("seed", "int", 0, "draws the initial weights, the batches and the evaluation samples",
          minimum=0, maximum=2**32 - 1),
    Param("lr", "float", 1e-3, "Adam learning rate (of both networks when normal)",
          minimum=1e-6, maximum=0.1),
    Param("snapshot_every", "int", 100, "steps between snapshots (at most 201, with step 0)",
          minimum=1, maximum=20000),
    Param("batch_size", "int", 64, "real and generated samples per step", minimum=1,
          maximum=1024),
    Param("hidden", "int", 32, "units in each of the two hidden layers of G and of D",
          minimum=1, maximum=128),
    Param("noise_dim", "int", 2, "size of G's standard normal input z", minimum=1, maximum=8),
)

LESSON = LessonModel("a tiny GAN on toy data, trained by hand-written backprop and Adam", PARAMS,
                     train_gan)
