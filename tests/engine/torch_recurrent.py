"""PyTorch references for the recurrent lessons, with truncated BPTT built from detach().

Each loss term L_t gets its own chain: the steps max(0, t-k+1)..t are recomputed from the
detached forward state h_{t-k} (or from h_0 itself, which requires grad, if the window reaches
it). Summing the terms and calling backward() gives the truncated gradients; the recomputed
states keep their .grad, and their sum per step is the truncated dL/dh_t.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from engine.lstm import LSTMWeights
    from engine.rnn import RNNWeights

State = tuple[torch.Tensor, ...]


def _truncated(
    step: Callable[[torch.Tensor, State], State], x: torch.Tensor, initial: State,
    readout: Callable[[torch.Tensor], torch.Tensor], targets: torch.Tensor,
    truncate: int | None, last_only: bool,
) -> tuple[list[State], torch.Tensor, list[list[State]]]:
    """The forward states, the summed truncated loss, and every recomputed state per step."""
    steps = x.shape[0]
    k = steps if truncate is None else truncate
    states, state = [], initial
    for t in range(steps):
        state = step(x[t], state)
        states.append(state)
    kept: list[list[State]] = [[] for _ in range(steps)]
    total = torch.zeros((), dtype=torch.float64)
    for t in [steps - 1] if last_only else range(steps):
        start = max(0, t - k + 1)
        state = initial if start == 0 else tuple(s.detach() for s in states[start - 1])
        for s in range(start, t + 1):
            state = step(x[s], state)
            for part in state:
                part.retain_grad()
            kept[s].append(state)
        total = total + 0.5 * ((readout(state[0]) - targets[t]) ** 2).sum()
    total.backward()
    return states, total, kept


def _summed_grads(kept: list[list[State]], part: int, size: int) -> np.ndarray:
    return np.array([sum((s[part].grad.numpy() for s in chain), np.zeros(size))
                     for chain in kept])


def _grad(tensor: torch.Tensor) -> np.ndarray:
    return np.zeros(tuple(tensor.shape)) if tensor.grad is None else tensor.grad.numpy()


def rnn_reference(x: np.ndarray, h0: np.ndarray, w: RNNWeights, targets: np.ndarray,
                  truncate: int | None = None, last_only: bool = False) -> dict[str, np.ndarray]:
    """Forward values and truncated-BPTT gradients of sum_t L_t (or of L_T alone)."""
    p = {name: torch.tensor(value, requires_grad=True) for name, value in w._asdict().items()}
    H0 = torch.tensor(h0, requires_grad=True)

    def step(x_t: torch.Tensor, state: State) -> State:
        return (torch.tanh(p["W_xh"] @ x_t + p["W_hh"] @ state[0] + p["b_h"]),)

    def readout(h: torch.Tensor) -> torch.Tensor:
        return p["W_hy"] @ h + p["b_y"]

    states, total, kept = _truncated(step, torch.tensor(x), (H0,), readout,
                                     torch.tensor(targets), truncate, last_only)
    h = torch.stack([s[0] for s in states]).detach()
    out = {"h": h.numpy(), "y": (h @ p["W_hy"].T + p["b_y"]).detach().numpy(), "loss": total.item(),
           "grad_h": _summed_grads(kept, 0, h0.shape[0]), "grad_h0": _grad(H0)}
    out.update({f"grad_{name}": _grad(tensor) for name, tensor in p.items()})
    return out


def lstm_reference(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: LSTMWeights,
                   targets: np.ndarray, truncate: int | None = None,
                   last_only: bool = False) -> dict[str, np.ndarray]:
    """The same for torch.nn.LSTMCell with the lesson's weights copied in."""
    hidden = h0.shape[0]
    cell = torch.nn.LSTMCell(x.shape[1], hidden, dtype=torch.float64)
    with torch.no_grad():
        for name, value in (("weight_ih", w.W_ih), ("weight_hh", w.W_hh), ("bias_ih", w.b_ih),
                            ("bias_hh", w.b_hh)):
            getattr(cell, name).copy_(torch.tensor(value))
    W_hy = torch.tensor(w.W_hy, requires_grad=True)
    b_y = torch.tensor(w.b_y, requires_grad=True)
    H0 = torch.tensor(h0, requires_grad=True)
    C0 = torch.tensor(c0, requires_grad=True)

    def step(x_t: torch.Tensor, state: State) -> State:
        h, c = cell(x_t[None], (state[0][None], state[1][None]))
        return h[0], c[0]

    def readout(h: torch.Tensor) -> torch.Tensor:
        return W_hy @ h + b_y

    states, total, kept = _truncated(step, torch.tensor(x), (H0, C0), readout,
                                     torch.tensor(targets), truncate, last_only)
    h = torch.stack([s[0] for s in states]).detach()
    c = torch.stack([s[1] for s in states]).detach()
    with torch.no_grad():  # the gates, recomputed from the states the cell produced
        h_prev = torch.cat([torch.tensor(h0)[None], h[:-1]])
        a = torch.tensor(x) @ cell.weight_ih.T + cell.bias_ih + h_prev @ cell.weight_hh.T \
            + cell.bias_hh
        i, f, g, o = a.chunk(4, dim=1)
    return {
        "h": h.numpy(), "c": c.numpy(), "y": (h @ W_hy.T + b_y).detach().numpy(),
        "i": torch.sigmoid(i).numpy(), "f": torch.sigmoid(f).numpy(),
        "g": torch.tanh(g).numpy(), "o": torch.sigmoid(o).numpy(), "loss": total.item(),
        "grad_h": _summed_grads(kept, 0, hidden), "grad_c": _summed_grads(kept, 1, hidden),
        "grad_h0": _grad(H0), "grad_c0": _grad(C0),
        "grad_W_ih": _grad(cell.weight_ih), "grad_W_hh": _grad(cell.weight_hh),
        "grad_b_ih": _grad(cell.bias_ih), "grad_b_hh": _grad(cell.bias_hh),
        "grad_W_hy": _grad(W_hy), "grad_b_y": _grad(b_y),
    }
