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


MAX_TRACE_PRODUCTS = 250_000  # about 10 MB of JSON; seconds to compute and print


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
    # What the video teaches beyond the run itself (one trace per video). 2-D runs only:
    # for C x H x W inputs these are None.
    kernel_name: str  # the named kernel, or "custom"
    worked_windows: tuple[Window, ...]  # the two windows worked out in full
    output_argmax: tuple[int, int] | None  # [row, col] of the strongest and weakest response
    output_argmin: tuple[int, int] | None
    compare_kernel: np.ndarray | None  # a second kernel of the same size, and its map
    compare_kernel_name: str
    compare_output: np.ndarray | None
    compare_output_max: float | None
    compare_output_min: float | None
    compare_output_argmax: tuple[int, int] | None
    compare_output_argmin: tuple[int, int] | None
    demo_stride: int  # the window run again with stride + 1: jumps, and floor dropping cells
    demo_stride_out_height: int
    demo_stride_out_width: int
    demo_stride_positions: tuple[tuple[int, int], ...]  # [top, left] in the padded input
    demo_stride_unused_rows: int  # trailing padded rows/cols no window reaches (floor)
    demo_stride_unused_cols: int
    padded_height: int  # the input's size after padding
    padded_width: int
    input_cells: int  # H x W (x C): what a fully connected layer would connect to
    same_padding: int  # (k - 1) / 2 for an odd square kernel; -1 when no padding keeps the size
    demo_padding: int  # the padding shown: same_padding, or 1 when that is none or 0
    demo_padded: np.ndarray | None  # the input with demo_padding rings of zeros
    demo_padding_out_height: int  # the output size with demo_padding and stride 1
    demo_padding_out_width: int
    demo_padding_keeps_size: bool
    channels_input: np.ndarray | None  # next layer: the two maps as its 2 input channels
    channels_kernel: np.ndarray | None  # 1 x 2 x kh x kw: one slice per input channel
    channels_output: np.ndarray | None  # 1 x Ho x Wo (stride 1, no padding)
    channels_window: Window | None  # its first output cell, worked out
    channels_sums: tuple[float, ...] | None  # that cell's sum per input channel
    kernel_weights: int  # weights in the kernel (shared by every position)
    dense_weights: int  # weights a fully connected layer with the same input and output needs


def _first_worked(windows: tuple[Window, ...], real: np.ndarray) -> int:
    """The first window that covers mostly real input and has a non-zero product.

    A window over padding alone (or blank background) would teach nothing: 0 + 0 + ... = 0.
    `real` marks the padded input's real cells.
    """
    for index, window in enumerate(windows):
        kh, kw = window.patch.shape[-2:]
        covered = real[window.top:window.top + kh, window.left:window.left + kw]
        if covered.mean() > 0.5 and np.any(window.products != 0):
            return index
    return 0


def _argmax(a: np.ndarray) -> tuple[int, int]:
    row, col = np.unravel_index(int(np.argmax(a)), a.shape)
    return int(row), int(col)


def _argmin(a: np.ndarray) -> tuple[int, int]:
    row, col = np.unravel_index(int(np.argmin(a)), a.shape)
    return int(row), int(col)


def _windows_of(xp: np.ndarray, w4: np.ndarray, out: np.ndarray, stride: int,
                flat: bool) -> tuple[Window, ...]:
    """Every output cell of conv2d(xp) as a Window (xp is C x H x W, already padded)."""
    kh, kw = w4.shape[2:]
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
    return tuple(windows)


def convolve(input: np.ndarray, kernel: np.ndarray, bias: float | np.ndarray = 1.0,
             stride: int = 1, padding: int = 0,
             compare_kernel: np.ndarray | None = None) -> ConvTrace:
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
    written = output_size(height, kh, stride, padding) * output_size(width, kw, stride, padding) \
        * w4.size
    if written > MAX_TRACE_PRODUCTS:
        raise ParamError("input", f"this run writes {written} products into the trace (every "
                         f"window's patch and products); at most {MAX_TRACE_PRODUCTS} are "
                         "allowed: use a smaller input, kernel or padding, or a larger stride")
    out = conv2d(x3, w4, b, stride, padding)
    grad_x, grad_w, grad_b = conv2d_backward(x3, w4, np.ones_like(out), stride, padding)
    xp = pad(x3, (padding, padding))
    windows = _windows_of(xp, w4, out, stride, flat)
    lesson = _lesson_extras(x3, w4, b, out, stride, padding, windows, flat, kernel_name(w),
                            compare_kernel)

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
        **lesson,
    )


def kernel_name(kernel: np.ndarray) -> str:
    for name, values in KERNELS.items():
        if np.shape(kernel) == np.shape(values) and np.array_equal(kernel, values):
            return name
    return "custom"


def _second_kernel(kernel: np.ndarray) -> np.ndarray | None:
    """The default second kernel: this one turned 90 degrees (vertical edges -> horizontal),
    or, for a symmetric kernel, the first named kernel of its size that differs."""
    if not np.array_equal(kernel.T, kernel):
        return kernel.T.copy()
    for values in KERNELS.values():
        if np.shape(values) == kernel.shape and not np.array_equal(values, kernel):
            return np.array(values, dtype=np.float64)
    return None


def _lesson_extras(x3: np.ndarray, w4: np.ndarray, b: np.ndarray, out: np.ndarray, stride: int,
                   padding: int, windows: tuple[Window, ...], flat: bool, name: str,
                   compare: np.ndarray | None) -> dict:
    """What the video shows around the run: worked windows, a second kernel, stride and
    padding variants, two channels into a next layer, and the weight count."""
    c_out, c_in, kh, kw = w4.shape
    height, width = x3.shape[1:]
    real = np.zeros((height + 2 * padding, width + 2 * padding), dtype=bool)
    real[padding:padding + height, padding:padding + width] = True
    first = _first_worked(windows, real) if flat else 0
    worked = windows[first:first + 2] if len(windows) > first + 1 else windows[:2]

    demo = stride + 1
    demo_h, demo_w = output_size(height, kh, demo, padding), output_size(width, kw, demo, padding)
    odd_square = kh == kw and kh % 2 == 1
    same = (kh - 1) // 2 if odd_square else -1
    ring = same if same > 0 else 1
    ring_h, ring_w = output_size(height, kh, 1, ring), output_size(width, kw, 1, ring)
    extras: dict = dict(
        kernel_name=name, worked_windows=worked,
        output_argmax=None, output_argmin=None, compare_kernel=None,
        compare_kernel_name="", compare_output=None, compare_output_max=None,
        compare_output_min=None, compare_output_argmax=None, compare_output_argmin=None,
        demo_stride=demo, demo_stride_out_height=max(demo_h, 0),
        demo_stride_out_width=max(demo_w, 0),
        demo_stride_positions=tuple((i * demo, j * demo) for i in range(max(demo_h, 0))
                                    for j in range(max(demo_w, 0))),
        demo_stride_unused_rows=max(height + 2 * padding - ((demo_h - 1) * demo + kh), 0),
        demo_stride_unused_cols=max(width + 2 * padding - ((demo_w - 1) * demo + kw), 0),
        padded_height=height + 2 * padding, padded_width=width + 2 * padding,
        input_cells=int(x3.size),
        same_padding=same, demo_padding=ring,
        demo_padded=frozen_array(pad(x3, (ring, ring))[0]) if flat else None,
        demo_padding_out_height=ring_h, demo_padding_out_width=ring_w,
        demo_padding_keeps_size=(ring_h, ring_w) == (height, width),
        channels_input=None, channels_kernel=None, channels_output=None, channels_window=None,
        channels_sums=None,
        kernel_weights=int(w4.size),
        dense_weights=int(c_in * height * width * c_out * out.shape[1] * out.shape[2]),
    )
    if not flat:
        return extras
    output = out[0]
    extras.update(output_argmax=_argmax(output), output_argmin=_argmin(output))
    second = _second_kernel(w4[0, 0]) if compare is None else np.asarray(compare, np.float64)
    if second is None:
        return extras
    if second.shape != (kh, kw):
        raise ParamError("compare_kernel", f"must have the kernel's shape {kh} x {kw}, got "
                         f"{' x '.join(map(str, second.shape))}")
    compare_out = conv2d(x3, second[None, None], b, stride, padding)[0]
    extras.update(
        compare_kernel=frozen_array(second), compare_kernel_name=kernel_name(second),
        compare_output=frozen_array(compare_out), compare_output_max=float(compare_out.max()),
        compare_output_min=float(compare_out.min()),
        compare_output_argmax=_argmax(compare_out), compare_output_argmin=_argmin(compare_out))
    maps = np.stack([output, compare_out])
    if maps.shape[1] < kh or maps.shape[2] < kw:
        return extras  # the maps are smaller than the kernel: no next layer to show
    w_next = np.stack([w4[0, 0], second])[None]
    out_next = conv2d(maps, w_next, b[:1], 1, 0)
    cell = _windows_of(maps, w_next, out_next, 1, flat=False)[0]
    extras.update(
        channels_input=frozen_array(maps), channels_kernel=frozen_array(w_next),
        channels_output=frozen_array(out_next), channels_window=cell,
        channels_sums=tuple(float(s) for s in cell.products.sum(axis=(1, 2))))
    return extras


PARAMS = spec(
    Param("input", "array", "digit-7", "the image: a named sample or a matrix (H x W or C x H x W)",
          named=SAMPLES, ndims=(2, 3)),
    Param("kernel", "array", "vertical-edge",
          "the filter: a name or a matrix (kh x kw, or C_out x C_in x kh x kw)",
          named=KERNELS, ndims=(2, 3, 4)),
    Param("bias", "float", 1.0, "added to every output cell"),
    Param("stride", "int", 1, "how far the window moves each step", minimum=1, maximum=16),
    Param("padding", "int", 0, "zeros added around the input", minimum=0, maximum=16),
    Param("compare_kernel", "array", None,
          "a second kernel of the same size (2-D runs), shown beside the first; with the first "
          "it makes two output channels, the input of a next layer (null: the kernel turned 90 "
          "degrees, or for a symmetric one another named kernel of its size)",
          named=KERNELS, ndims=(2,), nullable=True),
)

LESSON = LessonModel("2-D convolution: sliding a kernel over an image", PARAMS, convolve)
