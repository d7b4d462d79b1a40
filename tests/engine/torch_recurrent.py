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
    y = h @ p["W_hy"].T + p["b_y"]
    out = {"h": h.numpy(), "y": y.detach().numpy(), "loss": total.item(),
           "grad_h": _summed_grads(kept, 0, h0.shape[0]), "grad_h0": _grad(H0)}
    out.update({f"grad_{name}": _grad(tensor) for name, tensor in p.items()})
    return out


def _copy_lstm_weights(module: torch.nn.Module, w: LSTMWeights, suffix: str = "") -> None:
    with torch.no_grad():
        for name, value in (("weight_ih", w.W_ih), ("weight_hh", w.W_hh), ("bias_ih", w.b_ih),
                            ("bias_hh", w.b_hh)):
            getattr(module, name + suffix).copy_(torch.tensor(value))


def lstm_reference(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: LSTMWeights,
                   targets: np.ndarray, truncate: int | None = None,
                   last_only: bool = False) -> dict[str, np.ndarray]:
    """The same for an LSTM written out in torch operations (PyTorch's equations).

    Not torch.nn.LSTMCell: its fused kernel returns h and c side by side, so c.grad would miss
    the path c_t -> h_t and could not be the total dL/dc_t. The cell is checked separately.
    """
    hidden = h0.shape[0]
    p = {name: torch.tensor(value, requires_grad=True) for name, value in w._asdict().items()}
    H0 = torch.tensor(h0, requires_grad=True)
    C0 = torch.tensor(c0, requires_grad=True)

    def step(x_t: torch.Tensor, state: State) -> State:
        a = p["W_ih"] @ x_t + p["b_ih"] + p["W_hh"] @ state[0] + p["b_hh"]
        i, f, g, o = a.chunk(4)
        c = torch.sigmoid(f) * state[1] + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def readout(h: torch.Tensor) -> torch.Tensor:
        return p["W_hy"] @ h + p["b_y"]

    states, total, kept = _truncated(step, torch.tensor(x), (H0, C0), readout,
                                     torch.tensor(targets), truncate, last_only)
    h = torch.stack([s[0] for s in states]).detach()
    c = torch.stack([s[1] for s in states]).detach()
    with torch.no_grad():  # the gates, recomputed from the states
        h_prev = torch.cat([torch.tensor(h0)[None], h[:-1]])
        a = torch.tensor(x) @ p["W_ih"].T + p["b_ih"] + h_prev @ p["W_hh"].T + p["b_hh"]
        i, f, g, o = a.chunk(4, dim=1)
        y = h @ p["W_hy"].T + p["b_y"]
    out = {
        "h": h.numpy(), "c": c.numpy(), "y": y.numpy(), "loss": total.item(),
        "i": torch.sigmoid(i).numpy(), "f": torch.sigmoid(f).numpy(),
        "g": torch.tanh(g).numpy(), "o": torch.sigmoid(o).numpy(),
        "grad_h": _summed_grads(kept, 0, hidden), "grad_c": _summed_grads(kept, 1, hidden),
        "grad_h0": _grad(H0), "grad_c0": _grad(C0),
    }
    out.update({f"grad_{name}": _grad(tensor) for name, tensor in p.items()})
    return out


def lstm_module_reference(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, w: LSTMWeights,
                          targets: np.ndarray,
                          truncate: int | None = None) -> dict[str, np.ndarray]:
    """Truncated-BPTT weight gradients from torch.nn.LSTM itself: one run of the module per
    loss term, over the window only, started from the detached states (or from h_0, c_0)."""
    steps, hidden = x.shape[0], h0.shape[0]
    k = steps if truncate is None else truncate
    net = torch.nn.LSTM(x.shape[1], hidden, dtype=torch.float64)
    _copy_lstm_weights(net, w, "_l0")
    W_hy = torch.tensor(w.W_hy, requires_grad=True)
    b_y = torch.tensor(w.b_y, requires_grad=True)
    H0 = torch.tensor(h0[None], requires_grad=True)
    C0 = torch.tensor(c0[None], requires_grad=True)
    X, Y = torch.tensor(x), torch.tensor(targets)
    with torch.no_grad():
        out, _ = net(X, (H0, C0))
        c_all = [C0]
        for t in range(steps):  # the module returns only the last c; run it step by step
            c_all.append(net(X[t:t + 1], (out[t - 1:t] if t else H0, c_all[-1]))[1][1])
    total = torch.zeros((), dtype=torch.float64)
    for t in range(steps):
        start = max(0, t - k + 1)
        initial = (H0, C0) if start == 0 else (out[start - 1:start], c_all[start])
        window, _ = net(X[start:t + 1], initial)
        total = total + 0.5 * ((W_hy @ window[-1] + b_y - Y[t]) ** 2).sum()
    total.backward()
    return {"h": out.numpy(), "grad_W_ih": _grad(net.weight_ih_l0),
            "grad_W_hh": _grad(net.weight_hh_l0), "grad_b_ih": _grad(net.bias_ih_l0),
            "grad_b_hh": _grad(net.bias_hh_l0), "grad_W_hy": _grad(W_hy), "grad_b_y": _grad(b_y),
            "grad_h0": _grad(H0)[0], "grad_c0": _grad(C0)[0]}
