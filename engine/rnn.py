"""A vanilla RNN and backpropagation through time (BPTT), full or truncated.

    z_t = W_xh x_t + W_hh h_{t-1} + b_h        h_t = tanh(z_t)
    y_t = W_hy h_t + b_y                       L = sum_t L_t,  L_t = 1/2 ||y_t - target_t||^2

Steps are numbered t = 1..T in the text and stored 0-based: row i of `x`, `h`, `y`, `grad_h` is
step t = i + 1; the initial state h_0 is kept apart in `h0`.

Truncated BPTT with window k (`truncate`; the "k1 = 1, k2 = k" form: one forward pass, every loss
term truncated to k steps): each loss term L_t back-propagates through h_t, h_{t-1}, ..., h_{t-k+1}
and no further. The state h_{t-k} that feeds the oldest step of the window is a constant for L_t
(in torch: recompute steps t-k+1..t from h_{t-k}.detach()), so L_t reaches W_xh, W_hh and b_h only
through those k steps (W_hh still gets dz_{t-k+1} h_{t-k}^T), and reaches h_0 only if t <= k;
W_hy and b_y are not affected. The gradients are the sum of these per-term gradients, and
`grad_h[t]` is the sum over s = t..min(T, t+k-1) of dL_s/dh_t, so truncate=1 gives
dL_t/dh_t = W_hy^T (y_t - target_t) alone. truncate = None (or k >= T) is full BPTT.

`contributions[t]` = ||dL_T/dh_t||, the reach of the last loss alone (zero before step T-k+1 when
truncated). While h stays small, tanh is nearly linear and each step back multiplies this by about
`recurrent_scale` (W_hh is the scale times an orthogonal matrix): below 1 it vanishes
geometrically towards t = 1, above 1 it grows. Growth also drives h into tanh's flat tails, where
1 - h^2 -> 0 damps it again, which is why `input_scale` (the size of W_xh) defaults to a small 0.1.

The lesson draws everything from `numpy.random.default_rng(seed)`, spawned into independent
streams (inputs, targets, initial state, weights) so that, for one seed, changing the hidden size,
the scales or the cell type (this RNN or the LSTM in engine/lstm.py) never changes x or the
targets, and more steps only append rows.

What the video compares is computed into the same trace, from the same data and weights with one
thing changed (`compare_runs`): the last loss's reach with W_hh scaled by VANISHING_SCALE and by
EXPLODING_SCALE (full BPTT, so that every step has a bar), and the reach with and without
truncation (the user's window, or `default_window` when the run is full).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, spec
from engine.seeding import stream
from engine.trace import Trace, frozen_array

MAX_STEPS = 32
# The two recurrent scales the lesson contrasts: below 1 every step back shrinks ||dL_T/dh_t||
# by at least this factor; above 1 it may grow by up to 2 per step. At 2.0 (and the default small
# input_scale) the early states are still small, so tanh stays near-linear there and the growth
# shows; much larger scales saturate tanh at once and hide it (see the module docstring).
VANISHING_SCALE = 0.5
EXPLODING_SCALE = 2.0


class SequenceData(NamedTuple):
    """The data a recurrent lesson runs on: inputs, targets and the initial hidden state."""

    x: np.ndarray  # T x input_size
    targets: np.ndarray  # T x output_size
    h0: np.ndarray  # hidden_size


class RNNWeights(NamedTuple):
    W_xh: np.ndarray  # hidden x input
    W_hh: np.ndarray  # hidden x hidden
    b_h: np.ndarray  # hidden
    W_hy: np.ndarray  # output x hidden
    b_y: np.ndarray  # output


class RNNGrads(NamedTuple):
    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    h: np.ndarray  # T x hidden: total dL/dh_t (within the truncation window)
    h0: np.ndarray  # dL/dh_0


# -- random data and initialisation ---------------------------------------------------------------
STREAMS = ("x", "targets", "h0", "weights", "c0")



def make_sequence(seed: int, steps: int, input_size: int, hidden_size: int, output_size: int,
                  random_h0: bool = False) -> SequenceData:
    """x and targets standard normal; h_0 zeros, or standard normal if `random_h0`."""
    # Filled row by row (C order), so step t's values do not depend on T.
    x = stream(seed, "x", STREAMS).standard_normal((steps, input_size))
    targets = stream(seed, "targets", STREAMS).standard_normal((steps, output_size))
    h0 = (stream(seed, "h0", STREAMS).standard_normal(hidden_size) if random_h0
          else np.zeros(hidden_size))
    return SequenceData(x, targets, h0)


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random n x n orthogonal matrix (Haar distributed: QR of a Gaussian, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def init_rnn(seed: int, input_size: int, hidden_size: int, output_size: int,
             recurrent_scale: float = 1.0, input_scale: float = 1.0) -> RNNWeights:
    """W_hh = recurrent_scale * an orthogonal matrix, so every singular value of W_hh equals the
    scale: at 1 the recurrence neither shrinks nor grows a vector, and tanh' = 1 - h^2 <= 1 is
    the only damping.

    W_xh is Gaussian with variance input_scale^2 / input_size, W_hy with variance 1 / hidden_size;
    the biases start at zero.
    """
    rng = stream(seed, "weights", STREAMS)
    W_hh = recurrent_scale * orthogonal(rng, hidden_size)
    W_xh = input_scale * rng.standard_normal((hidden_size, input_size)) / np.sqrt(input_size)
    W_hy = rng.standard_normal((output_size, hidden_size)) / np.sqrt(hidden_size)
    return RNNWeights(W_xh, W_hh, np.zeros(hidden_size), W_hy, np.zeros(output_size))


# -- forward and backward -------------------------------------------------------------------------
def rnn_forward(x: np.ndarray, h0: np.ndarray, w: RNNWeights) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Pre-activations z, hidden states h (both T x hidden) and outputs y (T x output)."""
    steps, hidden = x.shape[0], h0.shape[0]
    z = np.zeros((steps, hidden))
    h = np.zeros((steps, hidden))
    prev = h0
    for t in range(steps):
        z[t] = w.W_xh @ x[t] + w.W_hh @ prev + w.b_h
        h[t] = np.tanh(z[t])
        prev = h[t]
    y = h @ w.W_hy.T + w.b_y
    return z, h, y


def step_losses(y: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """L_t = 1/2 ||y_t - target_t||^2 for every step."""
    return 0.5 * ((y - targets) ** 2).sum(axis=1)


def windows(steps: int, truncate: int | None) -> list[tuple[int, int, range]]:
    """The backward sweeps as (first, last, seeded), 0-based: each sweep runs from step `last`
    down to step `first`, and `seeded` are the steps whose own loss gradient enters it.

    Full BPTT is one sweep over every step with every loss term entering where it arises;
    truncated BPTT is one sweep per loss term t, over steps max(0, t-k+1)..t.
    """
    if truncate is None or truncate >= steps:
        return [(0, steps - 1, range(steps))]
    return [(max(0, t - truncate + 1), t, range(t, t + 1)) for t in range(steps)]


def rnn_backward(x: np.ndarray, h0: np.ndarray, h: np.ndarray, w: RNNWeights,
                 grad_y: np.ndarray, truncate: int | None = None) -> RNNGrads:
    """Gradients for an upstream dL/dy_t (T x output), by full or truncated BPTT.

    grad_y[t] is the local gradient of loss term L_t; see the module docstring for how
    `truncate` limits how far each term flows back.
    """
    steps = x.shape[0]
    grad_W_xh, grad_W_hh = np.zeros_like(w.W_xh), np.zeros_like(w.W_hh)
    grad_b_h, grad_h0 = np.zeros_like(w.b_h), np.zeros_like(h0)
    grad_h = np.zeros_like(h)
    local = grad_y @ w.W_hy  # dL_t/dh_t through y_t only
    for first, last, seeded in windows(steps, truncate):
        carry = np.zeros_like(h0)  # dL/dh_t arriving from step t+1
        for t in range(last, first - 1, -1):
            delta = carry + (local[t] if t in seeded else 0.0)
            grad_h[t] += delta
            dz = delta * (1.0 - h[t] ** 2)
            prev = h[t - 1] if t > 0 else h0
            grad_W_xh += np.outer(dz, x[t])
            grad_W_hh += np.outer(dz, prev)
            grad_b_h += dz
            carry = w.W_hh.T @ dz
        if first == 0:
            grad_h0 += carry  # h_{first-1} is h_0; otherwise it is detached and carry dropped
    return RNNGrads(grad_W_xh, grad_W_hh, grad_b_h, grad_y.T @ h, grad_y.sum(axis=0), grad_h,
                    grad_h0)


def last_loss_only(grad_y: np.ndarray) -> np.ndarray:
    """The upstream gradient of L_T alone: every row but the last set to zero."""
    only = np.zeros_like(grad_y)
    only[-1] = grad_y[-1]
    return only


# -- the lesson -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BPTTTrace(Trace):
    steps: int
    truncate: int | None  # None: full BPTT
    recurrent_scale: float
    input_scale: float
    x: np.ndarray  # T x input
    targets: np.ndarray  # T x output
    h0: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray
    b_h: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    z: np.ndarray  # T x hidden pre-activations
    h: np.ndarray  # T x hidden
    y: np.ndarray  # T x output
    losses: np.ndarray  # L_t per step
    loss: float
    grad_h: np.ndarray  # T x hidden: total dL/dh_t
    grad_h0: np.ndarray
    grad_W_xh: np.ndarray
    grad_W_hh: np.ndarray
    grad_b_h: np.ndarray
    grad_W_hy: np.ndarray
    grad_b_y: np.ndarray
    grad_norms: np.ndarray  # ||dL/dh_t|| per step
    contributions: np.ndarray  # ||dL_T/dh_t|| per step: how far the last loss reaches back
    # -- what the video adds to the run: the first step written out, and the compared runs --
    bptt_mode: str  # "full", or "truncated" when truncate < steps
    back_steps: int  # T - 1: the steps back from the last loss to the first step
    tanh_slopes: np.ndarray  # T x hidden: tanh'(z_t) = 1 - h_t^2
    tanh_slope_min: float  # the smallest of them: how far tanh is from linear here
    first_unit: int  # the hidden unit whose first step is written out: largest |z_1|
    first_input_term: float  # (W_xh x_1)[unit]
    first_recurrent_term: float  # (W_hh h_0)[unit]
    first_z: float  # z_1[unit] = the two terms + b_h[unit]
    first_h: float  # h_1[unit] = tanh(first_z)
    first_slope: float  # 1 - first_h^2
    vanishing_scale: float  # W_hh scaled by this, everything else the user's, full BPTT
    vanishing_contributions: np.ndarray  # ||dL_T/dh_t|| of that run
    vanishing_shrink: float  # its last / first contribution (0 if the first underflows to 0)
    vanishing_bound: float  # (1 / scale)^(T-1): the shrink is at least this
    vanishing_ceiling: np.ndarray  # scale^(T-t) ||dL_T/dh_T||: no contribution lies above it
    exploding_scale: float
    exploding_contributions: np.ndarray
    exploding_growth: float  # its first / last contribution (0 if the last is 0)
    exploding_bound: float  # scale^(T-1): the growth is at most this
    exploding_ceiling: np.ndarray  # scale^(T-t) ||dL_T/dh_T||, as for vanishing
    exploding_grows: bool  # growth > 1 (tanh saturation can eat it all)
    truncated_window: int  # the user's truncate, or default_window(steps) for a full run
    truncated_contributions: np.ndarray  # ||dL_T/dh_t|| truncated to that window
    full_contributions: np.ndarray  # ||dL_T/dh_t|| by full BPTT
    truncated_ignored_steps: int  # T - window: the steps L_T no longer reaches
    truncation_grad_error: float  # ||grad W_hh truncated - full|| / ||full||


def default_window(steps: int) -> int:
    """The truncation window shown beside a full run: about half the steps, at least 2, and
    short enough (below T) that something is cut (1 for T <= 2)."""
    return max(1, min(steps - 1, max(2, steps // 2)))


def last_loss_reach(seq: SequenceData, w: RNNWeights, truncate: int | None) -> np.ndarray:
    """||dL_T/dh_t|| for every step: the contributions of a run with these weights."""
    _, h, y = rnn_forward(seq.x, seq.h0, w)
    grads = rnn_backward(seq.x, seq.h0, h, w, last_loss_only(y - seq.targets), truncate)
    return np.linalg.norm(grads.h, axis=1)


def _ratio(top: float, bottom: float) -> float:
    """top / bottom, or 0 for a zero bottom: a trace holds no infinity, and a zero bottom means
    that nothing reaches that step at all (tanh saturated exactly; the scene refuses that)."""
    return top / bottom if bottom > 0 else 0.0


def ceiling(last: float, scale: float, steps: int) -> np.ndarray:
    """scale^(T-t) * ||dL_T/dh_T|| for t = 1..T: each step back multiplies the gradient by
    W_hh^T (norm `scale`, W_hh being the scale times an orthogonal matrix) and by tanh' <= 1,
    so ||dL_T/dh_t|| can never exceed this."""
    return last * scale ** np.arange(steps - 1, -1, -1, dtype=np.float64)


def compare_runs(seq: SequenceData, w: RNNWeights, weights_at: Callable[[float], RNNWeights],
                 grad_W_hh: np.ndarray, contributions: np.ndarray,
                 truncate: int | None) -> dict[str, object]:
    """The trace keys of the runs the video compares with this one: the same data, and the
    weights `weights_at(scale)` (the user's seed and sizes) or `w` with one thing changed."""
    steps = seq.x.shape[0]
    vanishing = last_loss_reach(seq, weights_at(VANISHING_SCALE), None)
    exploding = last_loss_reach(seq, weights_at(EXPLODING_SCALE), None)
    growth = _ratio(float(exploding[0]), float(exploding[-1]))
    out: dict[str, object] = dict(
        vanishing_scale=VANISHING_SCALE, vanishing_contributions=frozen_array(vanishing),
        vanishing_shrink=_ratio(float(vanishing[-1]), float(vanishing[0])),
        vanishing_bound=(1 / VANISHING_SCALE) ** (steps - 1),
        vanishing_ceiling=frozen_array(ceiling(vanishing[-1], VANISHING_SCALE, steps)),
        exploding_scale=EXPLODING_SCALE, exploding_contributions=frozen_array(exploding),
        exploding_growth=growth, exploding_bound=EXPLODING_SCALE ** (steps - 1),
        exploding_ceiling=frozen_array(ceiling(exploding[-1], EXPLODING_SCALE, steps)),
        exploding_grows=bool(growth > 1),
    )

    truncated = truncate is not None and truncate < steps
    window = truncate if truncated else default_window(steps)
    other_truncate = None if truncated else window  # the run this one is compared with
    other = last_loss_reach(seq, w, other_truncate)
    _, h, y = rnn_forward(seq.x, seq.h0, w)
    other_W_hh = rnn_backward(seq.x, seq.h0, h, w, y - seq.targets, other_truncate).W_hh
    full_W_hh, cut_W_hh = (other_W_hh, grad_W_hh) if truncated else (grad_W_hh, other_W_hh)
    out.update(
        bptt_mode="truncated" if truncated else "full", truncated_window=window,
        full_contributions=frozen_array(other if truncated else contributions),
        truncated_contributions=frozen_array(contributions if truncated else other),
        truncated_ignored_steps=steps - window,
        truncation_grad_error=_ratio(float(np.linalg.norm(cut_W_hh - full_W_hh)),
                                     float(np.linalg.norm(full_W_hh))),
    )
    return out


def backprop_through_time(steps: int = 6, input_size: int = 2, hidden_size: int = 3,
                          output_size: int = 1, seed: int = 0, recurrent_scale: float = 1.0,
                          input_scale: float = 0.1, truncate: int | None = None,
                          initial_state: str = "zeros") -> BPTTTrace:
    """The BPTT lesson: forward states, the loss, every gradient, and the last loss's reach."""
    x, targets, h0 = make_sequence(seed, steps, input_size, hidden_size, output_size,
                                   initial_state == "random")
    w = init_rnn(seed, input_size, hidden_size, output_size, recurrent_scale, input_scale)
    z, h, y = rnn_forward(x, h0, w)
    losses = step_losses(y, targets)
    grad_y = y - targets
    grads = rnn_backward(x, h0, h, w, grad_y, truncate)
    last = rnn_backward(x, h0, h, w, last_loss_only(grad_y), truncate)
    contributions = np.linalg.norm(last.h, axis=1)
    slopes = 1.0 - h ** 2
    unit = int(np.argmax(np.abs(z[0])))
    compared = compare_runs(
        SequenceData(x, targets, h0), w,
        lambda scale: init_rnn(seed, input_size, hidden_size, output_size, scale, input_scale),
        grads.W_hh, contributions, truncate)
    a = frozen_array
    return BPTTTrace(
        steps=steps, truncate=truncate, recurrent_scale=recurrent_scale, input_scale=input_scale,
        x=a(x), targets=a(targets), h0=a(h0),
        W_xh=a(w.W_xh), W_hh=a(w.W_hh), b_h=a(w.b_h), W_hy=a(w.W_hy), b_y=a(w.b_y),
        z=a(z), h=a(h), y=a(y), losses=a(losses), loss=float(losses.sum()),
        grad_h=a(grads.h), grad_h0=a(grads.h0),
        grad_W_xh=a(grads.W_xh), grad_W_hh=a(grads.W_hh), grad_b_h=a(grads.b_h),
        grad_W_hy=a(grads.W_hy), grad_b_y=a(grads.b_y),
        grad_norms=a(np.linalg.norm(grads.h, axis=1)),
        contributions=a(contributions),
        back_steps=steps - 1, tanh_slopes=a(slopes), tanh_slope_min=float(slopes.min()),
        first_unit=unit, first_input_term=float(w.W_xh[unit] @ x[0]),
        first_recurrent_term=float(w.W_hh[unit] @ h0), first_z=float(z[0, unit]),
        first_h=float(h[0, unit]), first_slope=float(slopes[0, unit]),
        **compared,
    )


def recurrent_params() -> tuple[Param, ...]:
    """The parameters shared by the recurrent lessons (bptt and lstm), in display order."""
    return (
        Param("steps", "int", 6, "sequence length T", minimum=1, maximum=MAX_STEPS),
        Param("input_size", "int", 2, "numbers per input x_t", minimum=1, maximum=16),
        Param("hidden_size", "int", 3, "numbers per hidden state h_t", minimum=1, maximum=32),
        Param("output_size", "int", 1, "numbers per output y_t and target", minimum=1,
              maximum=16),
        Param("seed", "int", 0, "random seed for inputs, targets and weights", minimum=0,
              maximum=2**32 - 1),
        Param("recurrent_scale", "float", 1.0, "multiplies the orthogonal recurrent weights: "
              "<1 vanishing, >1 exploding gradients", minimum=0.0, maximum=10.0),
        Param("input_scale", "float", 0.1, "multiplies the input weights: small keeps tanh "
              "near-linear, large saturates it", minimum=0.0, maximum=100.0),
        Param("truncate", "int", None, "truncated BPTT: each loss flows back at most this many "
              "steps (null: full BPTT)", minimum=1, maximum=MAX_STEPS, nullable=True),
        Param("initial_state", "choice", "zeros", "h_0 (and the LSTM's c_0): zeros, or random "
              "normal", choices=("zeros", "random")),
    )


PARAMS = spec(*recurrent_params())

LESSON = LessonModel("Backpropagation through time in a vanilla RNN", PARAMS,
                     backprop_through_time)
