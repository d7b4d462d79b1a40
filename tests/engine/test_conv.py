import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.conv import KERNELS, conv2d, conv2d_backward, convolve, output_size
from engine.params import ParamError
from tests.numerics import assert_close, numeric_grad


@st.composite
def conv_cases(draw):
    c_in = draw(st.integers(1, 3))
    c_out = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, padding = draw(st.integers(1, 3)), draw(st.integers(0, 3))
    h = draw(st.integers(max(1, kh - 2 * padding), 8))
    w = draw(st.integers(max(1, kw - 2 * padding), 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(c_in, h, w)), rng.normal(size=(c_out, c_in, kh, kw)),
            rng.normal(size=c_out), stride, padding)


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_forward_and_backward_match_pytorch(case):
    x, w, b, stride, padding = case
    tx = torch.tensor(x[None], requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    y = conv2d(x, w, b, stride, padding)
    assert_close(y, ty.detach().numpy()[0])
    upstream = np.random.default_rng(0).normal(size=y.shape)
    ty.backward(torch.tensor(upstream[None]))
    gx, gw, gb = conv2d_backward(x, w, upstream, stride, padding)
    assert_close(gx, tx.grad.numpy()[0])
    assert_close(gw, tw.grad.numpy())
    assert_close(gb, tb.grad.numpy())


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2), (1, 4)])
def test_backward_matches_finite_differences(stride, padding):
    rng = np.random.default_rng(7)
    x, w, b = rng.normal(size=(2, 5, 6)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    upstream = rng.normal(size=conv2d(x, w, b, stride, padding).shape)

    def loss(x_, w_, b_):
        return float((conv2d(x_, w_, b_, stride, padding) * upstream).sum())

    gx, gw, gb = conv2d_backward(x, w, upstream, stride, padding)
    assert_close(gx, numeric_grad(lambda v: loss(v, w, b), x), rtol=1e-6, atol=1e-7)
    assert_close(gw, numeric_grad(lambda v: loss(x, v, b), w), rtol=1e-6, atol=1e-7)
    assert_close(gb, numeric_grad(lambda v: loss(x, w, v), b), rtol=1e-6, atol=1e-7)


def test_lesson_trace_windows_explain_every_output_cell():
    trace = convolve(np.arange(25.0).reshape(5, 5), np.array(KERNELS["sharpen"]), 0.5, 2, 1)
    assert trace.output.shape == (3, 3) == (trace.out_height, trace.out_width)
    assert trace.out_height == output_size(5, 3, 2, 1)
    for window in trace.windows:
        assert_close(window.products, window.patch * trace.kernel)
        assert window.sum == pytest.approx(window.products.sum())
        assert window.value == trace.output[window.row, window.col] == window.sum + 0.5
        assert_close(window.patch, trace.padded[window.top:window.top + 3,
                                                window.left:window.left + 3])


def test_lesson_gradients_are_for_an_upstream_of_ones():
    x, w = np.random.default_rng(1).normal(size=(4, 4)), np.array(KERNELS["blur"])
    trace = convolve(x, w, 0.0, 1, 0)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    torch.nn.functional.conv2d(tx[None, None], tw[None, None]).sum().backward()
    assert_close(trace.grad_input, tx.grad.numpy())
    assert_close(trace.grad_kernel, tw.grad.numpy())
    assert trace.grad_bias == 4.0


def test_multichannel_lesson_keeps_framework_shapes():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(2, 5, 5)), rng.normal(size=(4, 2, 3, 3))
    trace = convolve(x, w, 0.0, 1, 1)
    assert trace.output.shape == (4, 5, 5)
    assert len(trace.windows) == 100
    ref = torch.nn.functional.conv2d(torch.tensor(x[None]), torch.tensor(w), padding=1)
    assert_close(trace.output, ref.numpy()[0])


def test_kernel_larger_than_padded_input_is_refused():
    with pytest.raises(ParamError, match="kernel: height 5 is larger than the padded input"):
        convolve(np.ones((3, 3)), np.ones((5, 5)), 0.0, 1, 0)
    assert convolve(np.ones((3, 3)), np.ones((5, 5)), 0.0, 1, 1).output.shape == (1, 1)


def test_channel_mismatch_is_refused():
    with pytest.raises(ParamError, match="kernel: has 3 input channel"):
        convolve(np.ones((2, 4, 4)), np.ones((1, 3, 2, 2)), 0.0, 1, 0)


def test_trace_is_frozen_and_json_ready():
    trace = convolve(np.ones((3, 3)), np.ones((2, 2)), 1.0, 1, 0)
    with pytest.raises(ValueError):
        trace.output[0, 0] = 5
    data = trace.to_dict()
    assert data["output"] == [[5.0, 5.0], [5.0, 5.0]]
    assert data["windows"][0]["products"] == [[1.0, 1.0], [1.0, 1.0]]


def test_json_is_valid_and_prints_a_matrix_row_per_line():
    import json

    trace = convolve(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), 0.0, 1, 0)
    text = trace.to_json()
    assert json.loads(text) == trace.to_dict()
    assert '"output": [\n    [8.0, 12.0],\n    [20.0, 24.0]\n  ]' in text
