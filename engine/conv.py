"""2-D convolution as deep-learning frameworks define it: cross-correlation with zero padding.

Shapes follow PyTorch: input C_in x H x W, kernel C_out x C_in x kh x kw, bias C_out.
The lesson also accepts a plain H x W input and kh x kw kernel (one channel in and out) and
then reports 2-D arrays, as a student would write them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, ParamError, as_pair, spec
from engine.samples import SAMPLES
from engine.trace import Trace, frozen_array

KERNELS: dict[str, tuple[tuple[float, ...], ...]] = {
    "vertical-edge": ((1, 0, -1), (1, 0, -1), (1, 0, -1)),
    "horizontal-edge": ((1, 1, 1), (0, 0, 0), (-1, -1, -1)),
    "sobel-x": ((1, 0, -1), (2, 0, -2), (1, 0, -1)),
    "blur": ((1 / 9,) * 3,) * 3,
    "sharpen": ((0, -1, 0), (-1, 5, -1), (0, -1, 0)),
    "identity": ((0, 0, 0), (0, 1, 0), (0, 0, 0)),
}


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """floor((n + 2p - k) / s) + 1, the framework formula."""
    return (size + 2 * padding - kernel) // stride + 1


def pad(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    """Zero-pad the last two axes."""
    ph, pw = padding
    widths = [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)]
    return np.pad(x, widths)


def _windows(xp: np.ndarray, kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """Every window of a padded C x H x W input: an array Ho x Wo x C x kh x kw (a view)."""
    sh, sw = stride
    view = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))
    return view[:, ::sh, ::sw].transpose(1, 2, 0, 3, 4)


def conv2d(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """Forward pass: x C_in x H x W, w C_out x C_in x kh x kw, b C_out -> C_out x Ho x Wo."""
    windows = _windows(pad(x, as_pair(padding)), w.shape[2], w.shape[3], as_pair(stride))
    return np.einsum("ijckl,ockl->oij", windows, w) + b[:, None, None]


def conv2d_backward(
    x: np.ndarray, w: np.ndarray, grad_out: np.ndarray, stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a scalar loss with respect to x, w and b, given dL/d(output)."""
    (sh, sw), (ph, pw) = as_pair(stride), as_pair(padding)
    kh, kw = w.shape[2], w.shape[3]
    xp = pad(x, (ph, pw))
    windows = _windows(xp, kh, kw, (sh, sw))
    grad_w = np.einsum("ijckl,oij->ockl", windows, grad_out)
    grad_b = grad_out.sum(axis=(1, 2))
    grad_xp = np.zeros_like(xp)
    contribution = np.einsum("oij,ockl->ijckl", grad_out, w)  # each window's share
    for i in range(grad_out.shape[1]):
        for j in range(grad_out.shape[2]):
            grad_xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw] += contribution[i, j]
    grad_x = grad_xp[:, ph:ph + x.shape[1], pw:pw + x.shape[2]]
    return grad_x, grad_w, grad_b


@dataclass(frozen=True)
class Window:
    """One output cell: where the kernel sat, what it covered, and how the sum was formed."""

    channel: int  # output channel
    row: int  # output position
    col: int
    top: int  # top-left corner in the padded input
    left: int
    patch: np.ndarray  # the covered values (kh x kw, or C_in x kh x kw)
    products: np.ndarray  # patch * kernel, element-wise
    sum: float  # sum of products
    value: float  # sum + bias: the output cell


@dataclass(frozen=True)
class ConvTrace(Trace):
    input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray | float
    stride: int
    padding: int
    padded: np.ndarray
    output: np.ndarray
    in_height: int  # before padding
    in_width: int
    kernel_height: int
    kernel_width: int
    out_height: int
    out_width: int
    positions: int  # how many places the window visits (per output channel)
    output_min: float
    output_max: float
    windows: tuple[Window, ...]
    grad_input: np.ndarray  # for an upstream gradient of ones
    grad_kernel: np.ndarray
    grad_bias: np.ndarray | float


def convolve(input: np.ndarray, kernel: np.ndarray, bias: float | np.ndarray = 0.0,
             stride: int = 1, padding: int = 0) -> ConvTrace:
    """The convolution lesson: every window, product and sum, plus the gradients for ones."""
    x = np.asarray(input, dtype=np.float64)
    w = np.asarray(kernel, dtype=np.float64)
    flat = x.ndim == 2 and w.ndim == 2
    x3 = x[None] if x.ndim == 2 else x
    if w.ndim == 2:
        w4 = w[None, None]
    elif w.ndim == 3:  # C_in x kh x kw: one output channel
        w4 = w[None]
    else:
        w4 = w
    if w4.shape[1] != x3.shape[0]:
        raise ParamError(
            "kernel", f"has {w4.shape[1]} input channel(s) but the input has {x3.shape[0]}; "
            "give a kernel C_out x C_in x kh x kw with C_in equal to the input's channels"
        )
    b = np.asarray(bias, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(w4.shape[0], float(b))
    if b.shape != (w4.shape[0],):
        raise ParamError("bias", f"must be one number or a list of {w4.shape[0]} (one per output "
                         f"channel), got {b.shape[0]}")
    kh, kw = w4.shape[2:]
    height, width = x3.shape[1:]
    for axis, size, k in (("height", height, kh), ("width", width, kw)):
        if k > size + 2 * padding:
            raise ParamError("kernel", f"{axis} {k} is larger than the padded input {axis} "
                             f"{size} + 2*{padding} = {size + 2 * padding}; use a smaller kernel "
                             "or more padding")
    out = conv2d(x3, w4, b, stride, padding)
    grad_x, grad_w, grad_b = conv2d_backward(x3, w4, np.ones_like(out), stride, padding)
    xp = pad(x3, (padding, padding))
    windows = []
    for o in range(out.shape[0]):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                top, left = i * stride, j * stride
                patch = xp[:, top:top + kh, left:left + kw]
                products = patch * w4[o]
                if flat:
                    patch, products = patch[0], products[0]
                windows.append(Window(o, i, j, top, left, frozen_array(patch),
                                      frozen_array(products), float(products.sum()),
                                      float(out[o, i, j])))

    def shaped(a: np.ndarray, like_flat: bool) -> np.ndarray:
        return frozen_array(a.reshape(a.shape[-2:]) if like_flat else a)

    scalar_bias = np.ndim(bias) == 0
    return ConvTrace(
        input=frozen_array(x),
        kernel=frozen_array(w),
        bias=float(b[0]) if scalar_bias else frozen_array(b),
        stride=stride,
        padding=padding,
        padded=shaped(xp, x.ndim == 2),
        output=shaped(out, flat),
        in_height=height,
        in_width=width,
        kernel_height=kh,
        kernel_width=kw,
        out_height=out.shape[1],
        out_width=out.shape[2],
        positions=out.shape[1] * out.shape[2],
        output_min=float(out.min()),
        output_max=float(out.max()),
        windows=tuple(windows),
        grad_input=shaped(grad_x, x.ndim == 2),
        grad_kernel=frozen_array(grad_w.reshape(w.shape)),
        grad_bias=float(grad_b.sum()) if scalar_bias else frozen_array(grad_b),
    )


PARAMS = spec(
    Param("input", "array", "digit-7", "the image: a named sample or a matrix (H x W or C x H x W)",
          named=SAMPLES, ndims=(2, 3)),
    Param("kernel", "array", "vertical-edge",
          "the filter: a name or a matrix (kh x kw, or C_out x C_in x kh x kw)",
          named=KERNELS, ndims=(2, 3, 4)),
    Param("bias", "float", 0.0, "added to every output cell"),
    Param("stride", "int", 1, "how far the window moves each step", minimum=1, maximum=16),
    Param("padding", "int", 0, "zeros added around the input", minimum=0, maximum=16),
)

LESSON = LessonModel("2-D convolution: sliding a kernel over an image", PARAMS, convolve)
