"""2-D max and average pooling, forward and backward, with PyTorch's semantics.

A square `size` x `size` window moves by `stride` over each channel on its own. Padding follows
torch.nn.functional: max pooling pads with -inf (a padded cell never wins), average pooling pads
with zeros and always divides by size^2 (count_include_pad=True); padding may be at most
size // 2, so every window covers at least one real cell. Output size is the framework formula
floor((n + 2p - size) / stride) + 1 (ceil_mode=False).

Backward, for an upstream gradient dL/d(output):
  max  each output cell sends its whole gradient to the input cell that won its window (ties:
       the first in row-major order, as PyTorch's CPU kernel picks); the others get 0.
  avg  each output cell shares its gradient equally, 1 / size^2, among the cells it covers.
Where windows overlap (stride < size), an input cell collects the sum of what every window
sends it.

The lesson takes an H x W or C x H x W input; by default the convolution lesson's default output,
so the two lessons chain (convolution -> pooling).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import conv
from engine.lesson import LessonModel
from engine.params import Param, ParamError, spec
from engine.samples import SAMPLES
from engine.trace import Trace, frozen_array

MODES = ("max", "avg")


def _as_rows(array: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(row) for row in array.tolist())


# The convolution lesson's default output (digit-7 through a vertical-edge kernel): 6 x 6.
INPUTS: dict[str, tuple[tuple[float, ...], ...]] = {
    "convolution-output": _as_rows(conv.LESSON.run({}).output),
    **SAMPLES,
}


def frozen_indices(values: np.ndarray) -> np.ndarray:
    """A read-only int64 copy (positions print as 3, not 3.0)."""
    array = np.array(values, dtype=np.int64)
    array.setflags(write=False)
    return array


def pad_input(x: np.ndarray, padding: int, mode: str) -> np.ndarray:
    """Pad the last two axes of C x H x W: with -inf for max pooling, zeros for average."""
    fill = -np.inf if mode == "max" else 0.0
    return np.pad(x, ((0, 0), (padding, padding), (padding, padding)), constant_values=fill)


def windows(xp: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Every window of a padded C x H x W input: C x Ho x Wo x size x size (a view)."""
    view = np.lib.stride_tricks.sliding_window_view(xp, (size, size), axis=(1, 2))
    return view[:, ::stride, ::stride]


def pool2d(x: np.ndarray, size: int, stride: int, padding: int = 0,
           mode: str = "max") -> tuple[np.ndarray, np.ndarray | None]:
    """Forward pass of C x H x W -> C x Ho x Wo, and for max pooling the winners.

    The winners are C x Ho x Wo x 2: the [row, col] in the (unpadded) input of each window's
    maximum, the first in row-major order on ties (np.argmax returns the first, as PyTorch).
    """
    win = windows(pad_input(x, padding, mode), size, stride)
    if mode == "avg":
        return win.sum(axis=(3, 4)) / (size * size), None
    flat = win.reshape(*win.shape[:3], size * size)
    best = flat.argmax(axis=3)
    out = np.take_along_axis(flat, best[..., None], axis=3)[..., 0]
    rows = np.arange(win.shape[1])[:, None] * stride - padding + best // size
    cols = np.arange(win.shape[2])[None, :] * stride - padding + best % size
    return out, np.stack([rows, cols], axis=-1)


def pool2d_backward(x_shape: tuple[int, ...], grad_out: np.ndarray, size: int, stride: int,
                    padding: int = 0, mode: str = "max",
                    argmax: np.ndarray | None = None) -> np.ndarray:
    """dL/d(input), C x H x W, given dL/d(output) and (for max pooling) the winners."""
    channels, height, width = x_shape
    if mode == "max":
        if argmax is None:
            raise ValueError("max pooling backward needs the argmax of the forward pass")
        grad = np.zeros(x_shape)
        c = np.broadcast_to(np.arange(channels)[:, None, None], grad_out.shape)
        # add.at accumulates where overlapping windows share a winner (plain += would not)
        np.add.at(grad, (c, argmax[..., 0], argmax[..., 1]), grad_out)
        return grad
    grad_p = np.zeros((channels, height + 2 * padding, width + 2 * padding))
    share = grad_out / (size * size)
    for i in range(grad_out.shape[1]):
        for j in range(grad_out.shape[2]):
            grad_p[:, i * stride:i * stride + size, j * stride:j * stride + size] += (
                share[:, i, j, None, None])
    return grad_p[:, padding:padding + height, padding:padding + width]


@dataclass(frozen=True)
class PoolWindow:
    """One output cell: where the window sat, what it covered, and what it gave."""

    channel: int
    row: int  # output position
    col: int
    top: int  # top-left corner in input coordinates (negative when it starts in the padding)
    left: int
    patch: np.ndarray  # size x size covered values; padding is -inf (null in JSON) for max, 0 avg
    value: float  # the output cell: max or mean of the patch
    argmax: tuple[int, int] | None  # max pooling: [row, col] of the winner in the input


@dataclass(frozen=True)
class PoolTrace(Trace):
    input: np.ndarray
    mode: str
    size: int
    stride: int
    padding: int
    output: np.ndarray
    argmax: np.ndarray | None  # max: Ho x Wo x 2 (C x Ho x Wo x 2) input [row, col] per output
    grad_output: np.ndarray  # the upstream gradient used (ones unless given)
    grad_input: np.ndarray  # dL/d(input): routed to the winners (max) or shared (avg)
    in_height: int
    in_width: int
    out_height: int
    out_width: int
    windows: tuple[PoolWindow, ...]
    # The other mode on the same input, so one video can contrast max and average pooling.
    other_mode: str
    other_output: np.ndarray
    other_argmax: np.ndarray | None
    other_grad_input: np.ndarray
    other_windows: tuple[PoolWindow, ...]
    input_name: str  # the named input, or "custom"
    padded: np.ndarray  # the input with its padding (-inf for max, null in JSON; 0 for avg)
    other_padded: np.ndarray
    padded_height: int
    padded_width: int


def _run(x3: np.ndarray, mode: str, size: int, stride: int, padding: int,
         grad3: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray,
                                            np.ndarray, tuple[PoolWindow, ...]]:
    """Output, winners, upstream gradient, input gradient and windows of one mode (C x H x W)."""
    out3, argmax3 = pool2d(x3, size, stride, padding, mode)
    grad3 = np.ones_like(out3) if grad3 is None else grad3
    grad_x3 = pool2d_backward(x3.shape, grad3, size, stride, padding, mode, argmax3)
    xp = pad_input(x3, padding, mode)
    cells = []
    for c in range(x3.shape[0]):
        for i in range(out3.shape[1]):
            for j in range(out3.shape[2]):
                top, left = i * stride, j * stride
                won = None if argmax3 is None else (int(argmax3[c, i, j, 0]),
                                                    int(argmax3[c, i, j, 1]))
                cells.append(PoolWindow(c, i, j, top - padding, left - padding,
                                        frozen_array(xp[c, top:top + size, left:left + size]),
                                        float(out3[c, i, j]), won))
    return out3, argmax3, grad3, grad_x3, tuple(cells)


def input_name(x: np.ndarray) -> str:
    for name, values in INPUTS.items():
        if np.shape(values) == x.shape and np.array_equal(values, x):
            return name
    return "custom"


def pool(input: np.ndarray, mode: str = "max", size: int = 2, stride: int = 2, padding: int = 0,
         grad_output: np.ndarray | None = None) -> PoolTrace:
    """The pooling lesson: every window and its result, and the gradient routed back."""
    x = np.asarray(input, dtype=np.float64)
    x3 = x[None] if x.ndim == 2 else x
    channels, height, width = x3.shape
    if 2 * padding > size:
        raise ParamError("padding", f"{padding} is more than half the window size {size}; use "
                         f"padding from 0 to {size // 2} (as PyTorch requires)")
    for axis, n in (("height", height), ("width", width)):
        if size > n + 2 * padding:
            raise ParamError("size", f"{size} is larger than the padded input {axis} {n} + "
                             f"2*{padding} = {n + 2 * padding}; use a size from 1 to "
                             f"{min(height, width) + 2 * padding} or more padding")
    written = channels * conv.output_size(height, size, stride, padding) \
        * conv.output_size(width, size, stride, padding) * size * size
    if written > conv.MAX_TRACE_PRODUCTS:
        raise ParamError("size", f"this run writes {written} window entries into the trace; at "
                         f"most {conv.MAX_TRACE_PRODUCTS} are allowed: use a smaller input or "
                         "window, or a larger stride")
    flat = x.ndim == 2
    grad3 = None
    if grad_output is not None:
        hw = (conv.output_size(height, size, stride, padding),
              conv.output_size(width, size, stride, padding))
        expected = hw if flat else (channels, *hw)
        g = np.asarray(grad_output, dtype=np.float64)
        if g.shape != expected:
            raise ParamError("grad_output", f"must have the output's shape {list(expected)}, "
                             f"got {list(g.shape)}; or null for ones")
        grad3 = g[None] if flat else g
    out3, argmax3, grad3, grad_x3, cells = _run(x3, mode, size, stride, padding, grad3)
    other = MODES[1 - MODES.index(mode)]
    o_out3, o_argmax3, _, o_grad_x3, o_cells = _run(x3, other, size, stride, padding, grad3)

    def shaped(a: np.ndarray) -> np.ndarray:
        return frozen_array(a[0] if flat else a)

    def winners(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else frozen_indices(a[0] if flat else a)

    return PoolTrace(
        input=frozen_array(x), mode=mode, size=size, stride=stride, padding=padding,
        output=shaped(out3),
        argmax=winners(argmax3),
        grad_output=shaped(grad3), grad_input=shaped(grad_x3),
        in_height=height, in_width=width, out_height=out3.shape[1], out_width=out3.shape[2],
        windows=cells,
        other_mode=other, other_output=shaped(o_out3), other_argmax=winners(o_argmax3),
        other_grad_input=shaped(o_grad_x3), other_windows=o_cells,
        input_name=input_name(x), padded=shaped(pad_input(x3, padding, mode)),
        other_padded=shaped(pad_input(x3, padding, other)),
        padded_height=height + 2 * padding, padded_width=width + 2 * padding,
    )


PARAMS = spec(
    Param("input", "array", "convolution-output",
          "what is pooled: a named matrix (default: the convolution lesson's output) or a matrix "
          "(H x W or C x H x W)", named=INPUTS, ndims=(2, 3)),
    Param("mode", "choice", "max", "max: each window keeps its largest value; avg: its mean",
          choices=MODES),
    Param("size", "int", 2, "the window is size x size", minimum=1, maximum=16),
    Param("stride", "int", 2, "how far the window moves each step (< size: windows overlap)",
          minimum=1, maximum=16),
    Param("padding", "int", 0, "cells added around the input (-inf for max, 0 for avg), at most "
          "size // 2", minimum=0, maximum=8),
    Param("grad_output", "array", None, "upstream gradient dL/d(output), the output's shape "
          "(null: ones)", ndims=(2, 3), nullable=True),
)

LESSON = LessonModel("Max and average pooling: windows, winners and the gradient routed back",
                     PARAMS, pool)

