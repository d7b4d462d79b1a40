import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import conv
from engine.conv import output_size
from engine.params import ParamError
from engine.pool import LESSON, pool, pool2d, pool2d_backward
from tests.numerics import assert_close, numeric_grad


@st.composite
def pool_cases(draw):
    channels = draw(st.integers(1, 3))
    size = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 4))
    padding = draw(st.integers(0, size // 2))
    h = draw(st.integers(max(1, size - 2 * padding), 8))
    w = draw(st.integers(max(1, size - 2 * padding), 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):  # few distinct values: many ties inside windows
        x = rng.integers(-2, 3, size=(channels, h, w)).astype(np.float64)
    else:
        x = rng.normal(size=(channels, h, w))
    return x, size, stride, padding, draw(st.sampled_from(["max", "avg"]))


def torch_pool(x: np.ndarray, size: int, stride: int, padding: int, mode: str,
               upstream: np.ndarray):
    """Output, flat indices (max) and input gradient from torch.nn.functional."""
    tx = torch.tensor(x[None], requires_grad=True)
    if mode == "max":
        ty, idx = F.max_pool2d(tx, size, stride, padding, return_indices=True)
        idx = idx.numpy()[0]
    else:
        ty, idx = F.avg_pool2d(tx, size, stride, padding), None
    ty.backward(torch.tensor(upstream[None]))
    return ty.detach().numpy()[0], idx, tx.grad.numpy()[0]


@settings(max_examples=200, deadline=None)
@given(pool_cases())
def test_forward_indices_and_backward_match_pytorch(case):
    x, size, stride, padding, mode = case
    out, argmax = pool2d(x, size, stride, padding, mode)
    upstream = np.random.default_rng(1).normal(size=out.shape)
    ref_out, ref_idx, ref_grad = torch_pool(x, size, stride, padding, mode, upstream)
    assert out.shape == ref_out.shape
    assert out.shape[1:] == (output_size(x.shape[1], size, stride, padding),
                             output_size(x.shape[2], size, stride, padding))
    assert_close(out, ref_out, rtol=1e-12, atol=1e-14)
    if mode == "max":
        # torch's indices are flat positions row * W + col in each unpadded channel
        np.testing.assert_array_equal(argmax[..., 0] * x.shape[2] + argmax[..., 1], ref_idx)
    else:
        assert argmax is None
    grad = pool2d_backward(x.shape, upstream, size, stride, padding, mode, argmax)
    assert_close(grad, ref_grad, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size,stride,padding", [(2, 2, 0), (3, 1, 0), (3, 2, 1), (2, 1, 1),
                                                 (4, 3, 2)])
def test_backward_matches_finite_differences(mode, size, stride, padding):
    rng = np.random.default_rng(size * 10 + stride)
    x = rng.normal(size=(2, 5, 6))  # distinct values: max pooling is differentiable here
    out, _ = pool2d(x, size, stride, padding, mode)
    upstream = rng.normal(size=out.shape)

    def loss(v):
        return float((pool2d(v, size, stride, padding, mode)[0] * upstream).sum())

    _, argmax = pool2d(x, size, stride, padding, mode)
    grad = pool2d_backward(x.shape, upstream, size, stride, padding, mode, argmax)
    assert_close(grad, numeric_grad(loss, x), rtol=1e-6, atol=1e-8)


def test_overlapping_windows_accumulate_the_gradient():
    x = np.zeros((5, 5))
    x[2, 2] = 9.0  # wins every 3 x 3 window at stride 1: all nine of them
    trace = pool(x, "max", 3, 1)
    assert trace.output.shape == (3, 3) and np.all(trace.output == 9.0)
    assert trace.argmax.tolist() == [[[2, 2]] * 3] * 3
    expected = np.zeros((5, 5))
    expected[2, 2] = 9.0
    assert_close(trace.grad_input, expected)
    avg = pool(x, "avg", 3, 1)
    tx = torch.tensor(x, requires_grad=True)
    F.avg_pool2d(tx[None, None], 3, 1).sum().backward()
    assert_close(avg.grad_input, tx.grad.numpy())
    assert avg.grad_input[2, 2] == pytest.approx(1.0)  # 9 windows x 1/9
    assert avg.grad_input[0, 0] == pytest.approx(1 / 9)


def test_ties_go_to_the_first_cell_in_row_major_order():
    trace = pool(np.ones((4, 4)), "max", 2, 2)
    assert trace.argmax.tolist() == [[[0, 0], [0, 2]], [[2, 0], [2, 2]]]
    x = np.array([[1.0, 5.0, 5.0], [5.0, 5.0, 0.0], [5.0, 2.0, 5.0]])
    trace = pool(x, "max", 2, 1)
    assert trace.argmax.tolist() == [[[0, 1], [0, 1]], [[1, 0], [1, 1]]]
    _, idx = F.max_pool2d(torch.tensor(x[None, None]), 2, 1, return_indices=True)
    assert idx[0, 0].tolist() == [[1, 1], [3, 4]]
    assert trace.grad_input.tolist() == [[0, 2, 0], [1, 1, 0], [0, 0, 0]]


def test_padding_never_wins_a_max_and_counts_as_zero_in_an_average():
    x = -np.arange(1.0, 10.0).reshape(3, 3)  # all negative: a padded 0 would win if it could
    trace = pool(x, "max", 2, 2, 1)
    assert trace.output.tolist() == [[-1.0, -2.0], [-4.0, -5.0]]
    assert trace.windows[0].top == -1 and trace.windows[0].patch[0, 0] == -np.inf
    assert trace.to_dict()["windows"][0]["patch"] == [[None, None], [None, -1.0]]
    avg = pool(x, "avg", 2, 2, 1)
    assert avg.output[0, 0] == -1 / 4 and avg.argmax is None
    assert avg.to_dict()["argmax"] is None and avg.windows[0].argmax is None


def test_lesson_default_pools_the_convolution_lessons_output():
    trace = LESSON.run({})
    conv_out = conv.LESSON.run({}).output
    assert_close(trace.input, conv_out)
    assert (trace.mode, trace.size, trace.stride, trace.padding) == ("max", 2, 2, 0)
    assert trace.output.shape == (3, 3) and trace.argmax.shape == (3, 3, 2)
    assert_close(trace.grad_output, np.ones((3, 3)))
    for cell in trace.windows:
        r, c = cell.argmax
        assert cell.value == trace.output[cell.row, cell.col] == conv_out[r, c]
        assert_close(cell.patch, conv_out[cell.top:cell.top + 2, cell.left:cell.left + 2])
    assert trace.grad_input.sum() == 9.0  # non-overlapping windows: one 1 per window


def test_given_upstream_gradient_and_channels_keep_pytorch_shapes():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 6, 5))
    g = rng.normal(size=(3, 2, 2))
    trace = LESSON.run({"input": x.tolist(), "size": 3, "stride": 2, "mode": "avg",
                        "grad_output": g.tolist()})
    ref_out, _, ref_grad = torch_pool(x, 3, 2, 0, "avg", g)
    assert_close(trace.output, ref_out)
    assert_close(trace.grad_input, ref_grad)
    assert len(trace.windows) == 12 and trace.windows[-1].channel == 2
    trace = pool(x, "max", 2, 2)
    assert trace.argmax.shape == (3, 3, 2, 2)


def test_named_inputs_include_the_digits():
    trace = LESSON.run({"input": "digit-0", "size": 4, "stride": 4})
    assert trace.output.shape == (2, 2) and trace.output[0, 0] == 15.0


@pytest.mark.parametrize("overrides,message", [
    ({"size": 7}, "size: 7 is larger than the padded input height 6 + 2*0 = 6"),
    ({"size": 3, "padding": 2}, "padding: 2 is more than half the window size 3; use padding "
     "from 0 to 1"),
    ({"grad_output": [[1.0, 2.0], [3.0, 4.0]]},
     "grad_output: must have the output's shape [3, 3], got [2, 2]"),
    ({"grad_output": np.ones((1, 3, 3)).tolist()},
     "grad_output: must have the output's shape [3, 3], got [1, 3, 3]"),
    ({"mode": "min"}, "mode: must be one of max, avg, got 'min'"),
    ({"input": [[1, 2], [3]]}, "input: ragged"),
])
def test_bad_parameters_are_refused_with_a_clear_message(overrides, message):
    with pytest.raises(ParamError) as info:
        LESSON.run(overrides)
    assert message in str(info.value)


def test_trace_is_frozen_and_json_ready():
    trace = pool(np.arange(16.0).reshape(4, 4), "max", 2, 2)
    with pytest.raises(ValueError):
        trace.grad_input[0, 0] = 1.0
    data = trace.to_dict()
    assert data["output"] == [[5.0, 7.0], [13.0, 15.0]]
    assert data["argmax"] == [[[1, 1], [1, 3]], [[3, 1], [3, 3]]]
    assert isinstance(data["argmax"][0][0][0], int)
    assert data["windows"][0]["argmax"] == [1, 1]
