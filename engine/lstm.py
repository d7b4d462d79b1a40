"""An LSTM with PyTorch's gate equations, trained by full or truncated BPTT.

    [a_i, a_f, a_g, a_o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh     (PyTorch order i, f, g, o)
    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c_t = f * c_{t-1} + i * g           h_t = o * tanh(c_t)
    y_t = W_hy h_t + b_y                L = sum_t 1/2 ||y_t - target_t||^2

W_ih is 4H x input and W_hh is 4H x H, the four gates stacked in that order (rows 0..H-1 are i,
H..2H-1 are f, and so on), exactly like torch.nn.LSTM's weight_ih_l0 and weight_hh_l0; the two
biases b_ih and b_hh are kept apart as in torch even though only their sum matters (their
gradients are equal).

Everything else matches the `bptt` lesson (engine/rnn.py): the same x, targets and h_0 for a seed,
0-based rows for steps t = 1..T, the same truncation rule (each loss term L_t back-propagates
through steps t, t-1, ..., t-k+1, with (h_{t-k}, c_{t-k}) held constant), and the same meaning
of `grad_h`, `grad_norms` and `contributions`. The gate activations are top-level T x hidden
arrays `i`, `f`, `g`, `o`, so `f[t]` is the forget gate at step t + 1.

Two gradients flow back from step t to t-1: dL/dh_{t-1} through the gates (times W_hh^T and a gate
derivative, sigmoid' <= 1/4), and dL/dc_{t-1} along the cell, times f_t only. So `contributions`
(||dL_T/dh_t||) drops sharply one step back from T, then decays or grows with
`recurrent_scale` (every gate's block of W_hh is the scale times an orthogonal matrix), while
`cell_contributions` (||dL_T/dc_t||) follows the memory path: each step back multiplies what
the cell carries by f_t (no weight matrix, no squashing) and adds what arrives through h_t.

For the video, the trace also holds the gate pre-activations `a_i`, `a_f`, `a_g`, `a_o` and the
parts of the cell update (`c_prev`, `f_c_prev` = f * c_{t-1}, `i_g` = i * g, `tanh_c`), the step
worked out on screen (`worked_step`, 1-based: the last), and the vanilla RNN of engine/rnn.py run
with the same parameters (`rnn_contributions`, equal to `lecture values bptt`'s `contributions`)
with the comparison the narration states: how much of the last loss's gradient reaches the oldest
step it reaches (`oldest_step`, 1-based) relative to step T, along the RNN's hidden state
(`rnn_kept`) and along the LSTM's cell (`cell_kept`), each in words (`rnn_trend`, `cell_trend`),
which reaches further (`winner`, by the factor `advantage`), and the mean forget gate the cell's
gradient is multiplied by on the way (`f_mean`).

The lesson's defaults (8 steps, recurrent_scale 0.5, input_scale 1) differ from the `bptt`
lesson's: the vanishing case of that lesson, with inputs large enough that the gates take
clearly different values. Then the RNN's gradient fades by orders of magnitude while the cell's
does not, which is what the video shows; other parameters may tell another story, and the
narration follows `winner` and the trends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, spec
from engine.rnn import (
    STREAMS,
    backprop_through_time,
    last_loss_only,
    make_sequence,
    orthogonal,
    recurrent_params,
    step_losses,
    windows,
)
from engine.seeding import stream
from engine.trace import Trace, frozen_array


class LSTMWeights(NamedTuple):
    W_ih: np.ndarray  # 4H x input, gates i, f, g, o
    W_hh: np.ndarray  # 4H x H
    b_ih: np.ndarray  # 4H
    b_hh: np.ndarray  # 4H
    W_hy: np.ndarray  # output x H
    b_y: np.ndarray  # output


class LSTMStates(NamedTuple):
    """Everything the forward pass computes, T x H each (y: T x output)."""

    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray
    y: np.ndarray


class LSTMGrads(NamedTuple):
    W_ih: np.ndarray
    W_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    h: np.ndarray  # T x H: total dL/dh_t (within the truncation window)
    c: np.ndarray  # T x H: total dL/dc_t
    h0: np.ndarray
    c0: np.ndarray


def sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a) without overflow for large |a|: exp(-log(1 + e^-a))."""
    return np.exp(-np.logaddexp(0.0, -a))


def init_lstm(seed: int, input_size: int, hidden_size: int, output_size: int,
              recurrent_scale: float = 1.0, input_scale: float = 1.0,
              forget_bias: float = 1.0) -> LSTMWeights:
    """Each gate's H x H block of W_hh is recurrent_scale * its own orthogonal matrix.

    W_ih is Gaussian with variance input_scale^2 / input_size, W_hy with variance 1 / H. The
    biases are zero except the forget gate's part of b_ih, `forget_bias` (1 is the usual choice:
    f starts near sigmoid(1) = 0.73, so the cell remembers by default). Drawn from the seed's
    weight stream, apart from the data, so x, targets and h_0 are those of the RNN lesson.
    """
    rng = stream(seed, "weights", STREAMS)
    H = hidden_size
    W_hh = recurrent_scale * np.concatenate([orthogonal(rng, H) for _ in range(4)])
    W_ih = input_scale * rng.standard_normal((4 * H, input_size)) / np.sqrt(input_size)
    W_hy = rng.standard_normal((output_size, H)) / np.sqrt(H)
    b_ih = np.zeros(4 * H)
    b_ih[H:2 * H] = forget_bias
    return LSTMWeights(W_ih, W_hh, b_ih, np.zeros(4 * H), W_hy, np.zeros(output_size))


def lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: LSTMWeights) -> LSTMStates:
    """Gates, cell states and hidden states for every step, then the outputs."""
    steps, H = x.shape[0], h0.shape[0]
    i, f, g, o, c, tanh_c, h = (np.zeros((steps, H)) for _ in range(7))
    h_prev, c_prev = h0, c0
    for t in range(steps):
        a = w.W_ih @ x[t] + w.b_ih + w.W_hh @ h_prev + w.b_hh
        i[t], f[t] = sigmoid(a[:H]), sigmoid(a[H:2 * H])
        g[t], o[t] = np.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
        c[t] = f[t] * c_prev + i[t] * g[t]
        tanh_c[t] = np.tanh(c[t])
        h[t] = o[t] * tanh_c[t]
        h_prev, c_prev = h[t], c[t]
    return LSTMStates(i, f, g, o, c, tanh_c, h, h @ w.W_hy.T + w.b_y)


def lstm_backward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, s: LSTMStates, w: LSTMWeights,
                  grad_y: np.ndarray, truncate: int | None = None) -> LSTMGrads:
    """Gradients for an upstream dL/dy_t (T x output), by full or truncated BPTT.

    Two quantities flow back from step t to t-1: dL/dh_{t-1} (through the gates, W_hh^T) and
    dL/dc_{t-1} (through the cell, times f_t: the "constant error carousel").
    """
    steps, H = x.shape[0], h0.shape[0]
    grad_W_ih, grad_W_hh = np.zeros_like(w.W_ih), np.zeros_like(w.W_hh)
    grad_b = np.zeros(4 * H)
    grad_h, grad_c = np.zeros((steps, H)), np.zeros((steps, H))
    grad_h0, grad_c0 = np.zeros(H), np.zeros(H)
    local = grad_y @ w.W_hy
    for first, last, seeded in windows(steps, truncate):
        carry_h, carry_c = np.zeros(H), np.zeros(H)
        for t in range(last, first - 1, -1):
            dh = carry_h + (local[t] if t in seeded else 0.0)
            dc = carry_c + dh * s.o[t] * (1.0 - s.tanh_c[t] ** 2)
            grad_h[t] += dh
            grad_c[t] += dc
            c_prev = s.c[t - 1] if t > 0 else c0
            h_prev = s.h[t - 1] if t > 0 else h0
            da = np.concatenate([
                dc * s.g[t] * s.i[t] * (1.0 - s.i[t]),
                dc * c_prev * s.f[t] * (1.0 - s.f[t]),
                dc * s.i[t] * (1.0 - s.g[t] ** 2),
                dh * s.tanh_c[t] * s.o[t] * (1.0 - s.o[t]),
            ])
            grad_W_ih += np.outer(da, x[t])
            grad_W_hh += np.outer(da, h_prev)
            grad_b += da
            carry_h, carry_c = w.W_hh.T @ da, dc * s.f[t]
        if first == 0:  # the window reached the initial state; otherwise it is detached
            grad_h0 += carry_h
            grad_c0 += carry_c
    return LSTMGrads(grad_W_ih, grad_W_hh, grad_b, grad_b.copy(), grad_y.T @ s.h,
                     grad_y.sum(axis=0), grad_h, grad_c, grad_h0, grad_c0)


@dataclass(frozen=True)
class LSTMTrace(Trace):
    steps: int
    truncate: int | None  # None: full BPTT
    recurrent_scale: float
    input_scale: float
    x: np.ndarray  # T x input
    targets: np.ndarray  # T x output
    h0: np.ndarray
    c0: np.ndarray
    W_ih: np.ndarray  # 4H x input, gates i, f, g, o
    W_hh: np.ndarray  # 4H x H
    b_ih: np.ndarray
    b_hh: np.ndarray
    W_hy: np.ndarray
    b_y: np.ndarray
    i: np.ndarray  # T x H input gate
    f: np.ndarray  # T x H forget gate
    g: np.ndarray  # T x H candidate cell values
    o: np.ndarray  # T x H output gate
    c: np.ndarray  # T x H cell states
    h: np.ndarray  # T x H
    y: np.ndarray  # T x output
    losses: np.ndarray
    loss: float
    grad_h: np.ndarray  # T x H: total dL/dh_t
    grad_c: np.ndarray  # T x H: total dL/dc_t
    grad_h0: np.ndarray
    grad_c0: np.ndarray
    grad_W_ih: np.ndarray
    grad_W_hh: np.ndarray
    grad_b_ih: np.ndarray
    grad_b_hh: np.ndarray  # equal to grad_b_ih
    grad_W_hy: np.ndarray
    grad_b_y: np.ndarray
    grad_norms: np.ndarray  # ||dL/dh_t||
    contributions: np.ndarray  # ||dL_T/dh_t||
    cell_contributions: np.ndarray  # ||dL_T/dc_t||: the last loss's reach along the cell
    # -- what the video shows around them --
    a_i: np.ndarray  # T x H gate pre-activations: i = sigmoid(a_i), and so on
    a_f: np.ndarray
    a_g: np.ndarray
    a_o: np.ndarray
    c_prev: np.ndarray  # T x H: c_{t-1} (row 0 is c_0)
    f_c_prev: np.ndarray  # T x H: f * c_{t-1}, what the cell keeps
    i_g: np.ndarray  # T x H: i * g, what it writes
    tanh_c: np.ndarray  # T x H
    forget_bias: float  # the forget gate's part of b_ih at initialisation
    worked_step: int  # 1-based step whose numbers are worked out (the last)
    f_mean: float  # mean forget gate over the steps the last loss's cell gradient crosses
    rnn_contributions: np.ndarray  # ||dL_T/dh_t|| of the vanilla RNN, same parameters
    oldest_step: int  # 1-based: the oldest step the last loss reaches (1 unless truncated)
    truncated: bool  # the last loss stops before step 1
    rnn_kept: float  # rnn_contributions[oldest] / rnn_contributions[T]
    cell_kept: float  # cell_contributions[oldest] / cell_contributions[T]
    rnn_fade: float  # 1 / rnn_kept (0 when nothing is kept)
    cell_fade: float
    rnn_trend: str  # "vanishes" (kept < 0.1), "shrinks", "holds" (0.95..1.05), "grows"
    cell_trend: str
    winner: str  # "cell" (cell_kept >= 2 rnn_kept), "rnn" (the reverse) or "tie"
    advantage: float  # the larger kept over the smaller (>= 1; 0 if either is 0)


def lstm_through_time(steps: int = 6, input_size: int = 2, hidden_size: int = 3,
                      output_size: int = 1, seed: int = 0, recurrent_scale: float = 1.0,
                      input_scale: float = 0.1, truncate: int | None = None,
                      initial_state: str = "zeros", forget_bias: float = 1.0) -> LSTMTrace:
    """The LSTM lesson: gates, cell and hidden states, the loss and every gradient."""
    x, targets, h0 = make_sequence(seed, steps, input_size, hidden_size, output_size,
                                   initial_state == "random")
    w = init_lstm(seed, input_size, hidden_size, output_size, recurrent_scale, input_scale,
                  forget_bias)
    c0 = np.zeros(hidden_size)
    if initial_state == "random":
        c0 = stream(seed, "c0", STREAMS).standard_normal(hidden_size)
    s = lstm_forward(x, h0, c0, w)
    losses = step_losses(s.y, targets)
    grad_y = s.y - targets
    grads = lstm_backward(x, h0, c0, s, w, grad_y, truncate)
    last = lstm_backward(x, h0, c0, s, w, last_loss_only(grad_y), truncate)
    rnn = backprop_through_time(  # the same data and sizes: only the cell differs
        steps=steps, input_size=input_size, hidden_size=hidden_size, output_size=output_size,
        seed=seed, recurrent_scale=recurrent_scale, input_scale=input_scale, truncate=truncate,
        initial_state=initial_state)
    shown = shown_parts(x, h0, c0, s, w)
    reach = compare_reach(rnn.contributions, np.linalg.norm(last.c, axis=1), s.f, truncate)
    a = frozen_array
    return LSTMTrace(
        steps=steps, truncate=truncate, recurrent_scale=recurrent_scale, input_scale=input_scale,
        x=a(x), targets=a(targets), h0=a(h0), c0=a(c0),
        W_ih=a(w.W_ih), W_hh=a(w.W_hh), b_ih=a(w.b_ih), b_hh=a(w.b_hh), W_hy=a(w.W_hy),
        b_y=a(w.b_y), i=a(s.i), f=a(s.f), g=a(s.g), o=a(s.o), c=a(s.c), h=a(s.h), y=a(s.y),
        losses=a(losses), loss=float(losses.sum()),
        grad_h=a(grads.h), grad_c=a(grads.c), grad_h0=a(grads.h0), grad_c0=a(grads.c0),
        grad_W_ih=a(grads.W_ih), grad_W_hh=a(grads.W_hh), grad_b_ih=a(grads.b_ih),
        grad_b_hh=a(grads.b_hh), grad_W_hy=a(grads.W_hy), grad_b_y=a(grads.b_y),
        grad_norms=a(np.linalg.norm(grads.h, axis=1)),
        contributions=a(np.linalg.norm(last.h, axis=1)),
        cell_contributions=a(np.linalg.norm(last.c, axis=1)),
        **shown, forget_bias=forget_bias, worked_step=steps,
        rnn_contributions=a(rnn.contributions), **reach,
    )


def shown_parts(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, s: LSTMStates,
                w: LSTMWeights) -> dict[str, np.ndarray]:
    """The gate pre-activations and the parts of the cell update, T x H each."""
    H = h0.shape[0]
    h_prev = np.vstack([h0, s.h[:-1]])
    c_prev = np.vstack([c0, s.c[:-1]])
    pre = x @ w.W_ih.T + w.b_ih + h_prev @ w.W_hh.T + w.b_hh
    parts = {f"a_{gate}": pre[:, k * H:(k + 1) * H] for k, gate in enumerate("ifgo")}
    parts.update(c_prev=c_prev, f_c_prev=s.f * c_prev, i_g=s.i * s.g, tanh_c=s.tanh_c)
    return {key: frozen_array(value) for key, value in parts.items()}


def trend(kept: float) -> str:
    """How a gradient norm at the oldest step compares with the last step's, in words."""
    if kept < 0.1:
        return "vanishes"
    if kept < 0.95:
        return "shrinks"
    return "holds" if kept <= 1.05 else "grows"


def compare_reach(rnn: np.ndarray, cell: np.ndarray, f: np.ndarray,
                  truncate: int | None) -> dict:
    """How far the last loss reaches back along the RNN's h and along the LSTM's cell."""
    steps = len(rnn)
    oldest = 0 if truncate is None else max(0, steps - truncate)

    def kept(norms: np.ndarray) -> float:
        return float(norms[oldest] / norms[-1]) if norms[-1] > 0 else 0.0

    rnn_kept, cell_kept = kept(rnn), kept(cell)
    low, high = sorted((rnn_kept, cell_kept))
    if cell_kept >= 2 * rnn_kept and cell_kept > 0:
        winner = "cell"
    elif rnn_kept >= 2 * cell_kept and rnn_kept > 0:
        winner = "rnn"
    else:
        winner = "tie"
    # From c_T back to c_oldest the cell's gradient is multiplied by f at steps oldest+1..T.
    crossed = f[oldest + 1:] if oldest + 1 < steps else f[-1:]
    return dict(
        f_mean=float(crossed.mean()), oldest_step=oldest + 1, truncated=oldest > 0,
        rnn_kept=rnn_kept, cell_kept=cell_kept,
        rnn_fade=1 / rnn_kept if rnn_kept > 0 else 0.0,
        cell_fade=1 / cell_kept if cell_kept > 0 else 0.0,
        rnn_trend=trend(rnn_kept), cell_trend=trend(cell_kept), winner=winner,
        advantage=high / low if low > 0 else 0.0,
    )


# The vanishing case of the bptt lesson, with inputs that make the gates differ (see above).
LESSON_DEFAULTS = {"steps": 8, "recurrent_scale": 0.5, "input_scale": 1.0}

PARAMS = spec(
    *(replace(p, default=LESSON_DEFAULTS.get(p.name, p.default)) for p in recurrent_params()),
    Param("forget_bias", "float", 1.0, "initial forget-gate bias: higher keeps the cell longer",
          minimum=-10.0, maximum=10.0),
)

LESSON = LessonModel("An LSTM cell unrolled through time, with BPTT", PARAMS, lstm_through_time)
