import json
import math
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.attention import (
    LESSON,
    SCALE_DEMO_DIMS,
    SCALE_DEMO_KEYS,
    SCALE_DEMO_ROWS,
    SCALE_DEMO_STREAM,
    Weights,
    allowed_pairs,
    attend,
    attention,
    init_weights,
    masked_softmax,
    measure_scaling,
    multi_head_backward,
    multi_head_forward,
    sinusoidal_positions,
    token_embedding,
)
from engine.params import ParamError
from tests.numerics import assert_close, numeric_grad


def torch_attention(x, w, heads, mask, upstream=None):
    """The same computation in PyTorch, by hand and with scaled_dot_product_attention."""
    t = x.shape[0]
    d_k = w.W_q.shape[1] // heads
    tx = torch.tensor(x, requires_grad=True)
    tw = [torch.tensor(m, requires_grad=True) for m in (w.W_q, w.W_k, w.W_v)]
    two = None if w.W_o is None else torch.tensor(w.W_o, requires_grad=True)
    q, k, v = (tx @ m for m in tw)
    # T x H d_k -> H x T x d_k: head h is columns h*d_k..(h+1)*d_k-1
    qh, kh, vh = (m.reshape(t, heads, d_k).transpose(0, 1) for m in (q, k, v))
    allowed = torch.tensor(allowed_pairs(t, mask))
    scores = (qh @ kh.transpose(-1, -2) / math.sqrt(d_k)).masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    heads_out = weights @ vh
    sdpa = torch.nn.functional.scaled_dot_product_attention(qh, kh, vh,
                                                            is_causal=mask == "causal")
    concat = heads_out.transpose(0, 1).reshape(t, heads * d_k)
    y = concat if two is None else concat @ two
    grad_y = y.detach() if upstream is None else torch.tensor(upstream)
    y.backward(grad_y)
    out = {"scores": scores, "weights": weights, "heads_out": heads_out, "sdpa": sdpa,
           "output": y, "grad_X": tx.grad, "grad_W_q": tw[0].grad, "grad_W_k": tw[1].grad,
           "grad_W_v": tw[2].grad, "grad_W_o": None if two is None else two.grad}
    return {key: None if val is None else val.detach().numpy() for key, val in out.items()}


@st.composite
def lesson_cases(draw):
    heads = draw(st.integers(1, 4))
    return dict(
        tokens=draw(st.lists(st.sampled_from(["我", "爱", "深度", "学习", "the", "cat", "sat"]),
                             min_size=1, max_size=9)),
        d_model=draw(st.integers(2, 12)), d_k=draw(st.integers(1, 6)), heads=heads,
        mask=draw(st.sampled_from(["none", "causal"])), seed=draw(st.integers(0, 2**32 - 1)))


@settings(max_examples=120, deadline=None)
@given(lesson_cases())
def test_lesson_matches_pytorch_forward_and_gradients(case):
    trace = attention(**case)
    w = Weights(trace.W_q, trace.W_k, trace.W_v, trace.W_o)
    ref = torch_attention(np.array(trace.X), w, case["heads"], case["mask"])
    one = case["heads"] == 1
    assert_close(trace.scores, ref["scores"][0] if one else ref["scores"])
    assert_close(trace.weights, ref["weights"][0] if one else ref["weights"])
    for h, head in enumerate(trace.heads):
        assert_close(head.output, ref["heads_out"][h])
        assert_close(head.output, ref["sdpa"][h])
        assert_close(head.weights, ref["weights"][h])
    assert_close(trace.output, ref["output"])
    assert trace.loss == pytest.approx(0.5 * (ref["output"] ** 2).sum(), rel=1e-12)
    for key in ("grad_X", "grad_W_q", "grad_W_k", "grad_W_v"):
        assert_close(getattr(trace, key), ref[key])
    if one:
        assert trace.W_o is None and trace.grad_W_o is None and trace.concat is None
    else:
        assert_close(trace.grad_W_o, ref["grad_W_o"])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(1, 5), st.integers(1, 3), st.sampled_from(["none", "causal"]),
       st.integers(0, 2**32 - 1))
def test_backward_matches_pytorch_for_any_upstream(t, d_k, heads, mask, seed):
    rng = np.random.default_rng(seed)
    d_model = int(rng.integers(2, 9))
    x = rng.normal(size=(t, d_model))
    w = init_weights(seed, d_model, d_k, heads)
    allowed = allowed_pairs(t, mask)
    fwd = multi_head_forward(x, w, heads, allowed)
    upstream = rng.normal(size=fwd.output.shape)
    grads = multi_head_backward(x, w, heads, fwd, upstream)
    ref = torch_attention(x, w, heads, mask, upstream)
    assert_close(fwd.output, ref["output"])
    for key in ("X", "W_q", "W_k", "W_v", "W_o"):
        if getattr(grads, key) is not None:
            assert_close(getattr(grads, key), ref[f"grad_{key}"])


@pytest.mark.parametrize("heads,mask", [(1, "none"), (1, "causal"), (2, "causal"), (3, "none")])
def test_gradients_match_finite_differences(heads, mask):
    rng = np.random.default_rng(11)
    t, d_model, d_k = 4, 5, 3
    x = rng.normal(size=(t, d_model))
    w = init_weights(5, d_model, d_k, heads)
    allowed = allowed_pairs(t, mask)

    def loss(x_, w_):
        y = multi_head_forward(x_, w_, heads, allowed).output
        return 0.5 * float((y * y).sum())

    fwd = multi_head_forward(x, w, heads, allowed)
    grads = multi_head_backward(x, w, heads, fwd, fwd.output)
    tol = dict(rtol=1e-6, atol=1e-8)
    assert_close(grads.X, numeric_grad(lambda v: loss(v, w), x), **tol)
    for i, name in enumerate(Weights._fields):
        if getattr(w, name) is None:
            continue
        numeric = numeric_grad(lambda v, i=i: loss(x, Weights(*w[:i], v, *w[i + 1:])), w[i])
        assert_close(getattr(grads, name), numeric, **tol)


def test_default_lesson_values_are_consistent():
    trace = LESSON.run({})
    assert trace.tokens == ("我", "爱", "深度", "学习")
    assert trace.X.shape == (4, 8) and trace.Q.shape == (4, 4) and trace.scores.shape == (4, 4)
    assert_close(trace.X, trace.embeddings + trace.positions)
    assert_close(trace.Q, trace.X @ trace.W_q)
    assert_close(trace.scores, trace.Q @ trace.K.T / 2.0)
    assert_close(trace.weights.sum(axis=1), np.ones(4))
    assert_close(trace.output, trace.weights @ trace.V)
    assert trace.loss == pytest.approx(0.5 * (trace.output ** 2).sum())
    assert_close(trace.grad_X, LESSON.run({}).grad_X, rtol=0, atol=0)  # deterministic


@pytest.mark.parametrize("d_model", [6, 5])
def test_positions_follow_the_paper(d_model):
    p = sinusoidal_positions(5, d_model)
    for t in range(5):
        for j in range(d_model):
            angle = t / 10000 ** (2 * (j // 2) / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert p[t, j] == pytest.approx(expected, abs=1e-15)


def test_causal_mask_hides_the_future():
    trace = attention(["the", "cat", "sat", "down"], 8, 4, 2, "causal", 3)
    upper = ~np.tril(np.ones((4, 4), dtype=bool))
    for head in trace.heads:
        assert (head.weights[upper] == 0.0).all()
        assert np.isneginf(head.scores[upper]).all()
        assert (head.grad_scores[upper] == 0.0).all()
    data = trace.to_dict()
    assert data["heads"][0]["scores"][0][1:] == [None, None, None]
    assert data["scores"][1][0][1:] == [None, None, None]
    assert data["weights"][0][0] == [1.0, 0.0, 0.0, 0.0]
    json.loads(trace.to_json())  # valid JSON: no NaN or Infinity


def test_causal_mask_on_one_token():
    trace = attention(["我"], 4, 2, 1, "causal", 0)
    assert trace.weights.tolist() == [[1.0]]
    assert_close(trace.output, trace.V)
    ref = torch_attention(np.array(trace.X), Weights(trace.W_q, trace.W_k, trace.W_v, None), 1,
                          "causal")
    assert_close(trace.grad_X, ref["grad_X"])


def test_softmax_of_huge_scores_does_not_overflow():
    scores = np.array([[1e300, 1e300 - 1e290, -1e300], [800.0, 799.0, -800.0],
                       [1.7e308, -1.7e308, 0.0]])
    allowed = np.ones((3, 3), dtype=bool)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        weights = masked_softmax(scores, allowed)
    assert np.isfinite(weights).all()
    assert_close(weights, torch.softmax(torch.tensor(scores), dim=-1).numpy())
    assert weights[0].tolist() == [1.0, 0.0, 0.0]
    # queries far larger than usual: saturated weights, still finite and matching PyTorch
    rng = np.random.default_rng(2)
    q, k, v = rng.normal(size=(3, 5, 4)) * 1e4
    result = attend(q, k, v, allowed_pairs(5, "causal"))
    assert np.isfinite(result.weights).all() and np.isfinite(result.output).all()
    ref = torch.nn.functional.scaled_dot_product_attention(
        *(torch.tensor(a) for a in (q, k, v)), is_causal=True).numpy()
    assert_close(result.output, ref)


def test_same_token_same_embedding_in_chinese_and_english():
    trace = attention(["学习", "深度", "学习", "learn", "learn"], 6, 3, 1, "none", 9)
    e = trace.embeddings
    assert_close(e[0], e[2], rtol=0, atol=0)
    assert_close(e[3], e[4], rtol=0, atol=0)
    assert not np.allclose(e[0], e[1])
    assert not np.allclose(trace.X[0], trace.X[2])  # positions tell them apart
    assert trace.token_hashes[0] == zlib.crc32("学习".encode()) == trace.token_hashes[2]
    assert_close(e[1], token_embedding("深度", 6, 9), rtol=0, atol=0)


def test_embeddings_do_not_depend_on_pythons_hash_seed():
    code = ("from engine.attention import LESSON; "
            "print(LESSON.run({'tokens': ['我', '爱', 'you']}).to_json())")
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, check=True, cwd=os.path.dirname(os.path.dirname(
                                    os.path.dirname(os.path.abspath(__file__)))))
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["embeddings"][0][0] == token_embedding("我", 8, 0)[0]


def test_head_matrices_do_not_depend_on_the_number_of_heads():
    one = attention(["a", "b", "c"], 6, 2, 1, "none", 4)
    three = attention(["a", "b", "c"], 6, 2, 3, "none", 4)
    assert_close(three.heads[0].W_q, one.W_q, rtol=0, atol=0)
    assert_close(three.heads[0].weights, one.weights, rtol=0, atol=0)
    assert three.scores.shape == (3, 3, 3) and three.output.shape == (3, 6)
    assert three.W_o.shape == (6, 6) and three.concat.shape == (3, 6)
    for h, head in enumerate(three.heads):
        assert_close(head.Q, three.Q[:, 2 * h:2 * h + 2], rtol=0, atol=0)
        assert_close(head.output, three.concat[:, 2 * h:2 * h + 2], rtol=0, atol=0)


def test_d_k_null_splits_d_model_between_heads():
    trace = LESSON.run({"d_k": None, "heads": 4})
    assert trace.d_k == 2 and trace.Q.shape == (4, 8) and trace.scale == pytest.approx(0.5 ** 0.5)
    with pytest.raises(ParamError, match=r"heads: 3 heads do not divide d_model = 8; .* use "
                       r"heads in \[1, 2, 4, 8\] or set d_k"):
        LESSON.run({"d_k": None, "heads": 3})
    assert LESSON.run({"heads": 3}).Q.shape == (4, 12)  # an explicit d_k needs no division


@pytest.mark.parametrize("overrides,message", [
    ({"tokens": []}, "tokens: must be a list of 1 to 16 strings"),
    ({"tokens": ["a"] * 17}, "tokens: must be a list of 1 to 16 strings"),
    ({"tokens": ["a", " "]}, "tokens: every entry must be a non-empty string"),
    ({"mask": "future"}, "mask: must be one of none, causal"),
    ({"d_model": 1}, "d_model: must be an integer from 2 to 64"),
    ({"d_k": 0}, "d_k: must be an integer from 1 to 64, or null"),
    ({"heads": 9}, "heads: must be an integer from 1 to 8"),
])
def test_bad_parameters_are_refused(overrides, message):
    with pytest.raises(ParamError, match=message):
        LESSON.run(overrides)


def test_trace_is_frozen():
    trace = LESSON.run({"heads": 2})
    with pytest.raises(ValueError):
        trace.heads[0].weights[0, 0] = 1.0
    with pytest.raises(ValueError):
        trace.X[0, 0] = 1.0


# -- what the video teaches with: one query worked out, the causal view, sqrt(d_k), heads ---------
@settings(max_examples=60, deadline=None)
@given(lesson_cases())
def test_the_focus_query_is_worked_out_as_pytorch_computes_it(case):
    trace = attention(**case)
    ref = torch_attention(np.array(trace.X), Weights(trace.W_q, trace.W_k, trace.W_v, trace.W_o),
                          case["heads"], case["mask"])
    i, j = trace.focus_query, trace.focus_key
    head = trace.heads[0]
    tq, tk, tv = (torch.tensor(np.array(m)) for m in (head.Q, head.K, head.V))
    assert i == len(case["tokens"]) - 1
    assert j == int(np.argmax(ref["weights"][0][i])) and trace.focus_key_number == j + 1
    assert_close(trace.focus_terms, (tq[i] * tk[j]).numpy())
    assert trace.focus_raw_score == pytest.approx(float(tq[i] @ tk[j]), rel=1e-12, abs=1e-12)
    assert trace.focus_score == pytest.approx(float(ref["scores"][0][i][j]), rel=1e-12,
                                              abs=1e-12)
    assert trace.focus_score == pytest.approx(trace.focus_raw_score / trace.sqrt_d_k, rel=1e-12,
                                              abs=1e-12)
    exps = torch.exp(torch.tensor(ref["scores"][0][i]))  # exp(-inf) = 0 where masked
    assert_close(trace.focus_exps, exps.numpy())
    assert trace.focus_exp_sum == pytest.approx(float(exps.sum()), rel=1e-12)
    assert trace.focus_exp == trace.focus_exps[j]
    assert trace.focus_weight == pytest.approx(float(ref["weights"][0][i][j]), rel=1e-10)
    weighted = torch.tensor(ref["weights"][0][i])[:, None] * tv
    assert_close(trace.focus_weighted_values, weighted.numpy())
    assert_close(trace.focus_weighted_values.sum(axis=0), ref["heads_out"][0][i])
    assert trace.weights_max == pytest.approx(float(ref["weights"][0].max()), rel=1e-10)
    assert trace.weights_min == pytest.approx(float(ref["weights"][0].min()), abs=1e-15)
    assert trace.num_tokens == len(case["tokens"])
    assert trace.sqrt_d_k == pytest.approx(math.sqrt(trace.d_k), rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(lesson_cases())
def test_the_causal_view_matches_pytorch_on_the_same_inputs(case):
    trace = attention(**case)
    head = trace.heads[0]
    t = len(case["tokens"])
    tq, tk, tv = (torch.tensor(np.array(m))[None] for m in (head.Q, head.K, head.V))
    sdpa = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)[0]
    allowed = torch.tensor(allowed_pairs(t, "causal"))
    scores = (tq[0] @ tk[0].T / math.sqrt(trace.d_k)).masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    assert_close(trace.causal_scores, scores.numpy())
    assert_close(trace.causal_weights, weights.numpy())
    assert_close(trace.causal_weights @ np.array(head.V), sdpa.numpy())
    assert trace.causal_masked == t * (t - 1) // 2
    row = trace.causal_focus
    assert row == min(1, t - 1)
    assert_close(trace.causal_focus_exps, torch.exp(scores[row]).numpy())
    assert (trace.causal_focus_exps[row + 1:] == 0.0).all()
    assert trace.causal_focus_exp_sum == pytest.approx(float(torch.exp(scores[row]).sum()),
                                                       rel=1e-12)
    if case["mask"] == "causal":  # the run's own numbers: both views are one computation
        assert_close(trace.causal_weights, head.weights, rtol=0, atol=0)
        assert_close(trace.causal_scores, head.scores, rtol=0, atol=0)


def test_the_causal_view_is_in_the_json():
    data = LESSON.run({}).to_dict()
    assert data["causal_scores"][0][1:] == [None, None, None]
    assert data["causal_weights"][0] == [1.0, 0.0, 0.0, 0.0]
    assert data["causal_focus_exps"][2:] == [0.0, 0.0]
    assert data["scores"][0][1] is not None  # the run itself has no mask
    json.loads(LESSON.run({}).to_json())


@pytest.mark.parametrize("seed", [0, 7])
def test_the_scaling_demo_matches_pytorch(seed):
    demo = measure_scaling(seed)
    assert demo.dims == SCALE_DEMO_DIMS and demo.rows == SCALE_DEMO_ROWS
    rng = np.random.default_rng([seed, SCALE_DEMO_STREAM])  # the same draws, in the same order
    jacobian = torch.func.vmap(torch.func.jacrev(lambda s: torch.softmax(s, dim=-1)))
    for n, d in enumerate(SCALE_DEMO_DIMS):
        q = torch.tensor(rng.standard_normal((SCALE_DEMO_ROWS, 1, d)))
        k = torch.tensor(rng.standard_normal((SCALE_DEMO_ROWS, SCALE_DEMO_KEYS, d)))
        raw = (q @ k.transpose(-1, -2))[:, 0]  # rows x keys
        for name, scores in (("raw", raw), ("scaled", raw / math.sqrt(d))):
            weights = torch.softmax(scores, dim=-1)
            norms = torch.linalg.matrix_norm(jacobian(scores))  # Frobenius
            assert getattr(demo, f"{name}_std")[n] == pytest.approx(
                float(scores.std(unbiased=False)), rel=1e-10)
            assert getattr(demo, f"{name}_max_weight")[n] == pytest.approx(
                float(weights.max(dim=-1).values.mean()), rel=1e-10)
            assert getattr(demo, f"{name}_grad")[n] == pytest.approx(float(norms.mean()),
                                                                   rel=1e-10)
    assert_close(demo.sqrt_dims, np.sqrt(SCALE_DEMO_DIMS))


def test_the_scaling_demo_teaches_what_the_video_says():
    """For any seed: unscaled dot products spread like sqrt(d_k), the softmax saturates and its
    gradient shrinks as d_k grows; scaled ones keep a spread near 1 and a steady gradient."""
    for seed in (0, 1, 2, 3, 2**32 - 1):
        demo = LESSON.run({"seed": seed}).scale_demo
        assert_close(demo.raw_std, demo.sqrt_dims, rtol=0.06)
        assert_close(demo.scaled_std, np.ones(len(demo.dims)), rtol=0.06)
        assert (np.diff(demo.raw_max_weight) > 0).all() and demo.raw_max_weight[-1] > 0.9
        assert (np.diff(demo.raw_grad) < 0).all() and demo.raw_grad[-1] < 0.1
        assert np.ptp(demo.scaled_grad) < 0.05 and demo.scaled_grad.min() > 0.3
        assert demo.scaled_max_weight.max() < 0.45


@pytest.mark.parametrize("overrides", [{}, {"mask": "causal", "d_k": 3},
                                       {"tokens": ["the", "cat", "sat"], "d_model": 6}])
def test_one_head_runs_show_a_two_head_run_on_the_same_inputs(overrides):
    trace = LESSON.run(overrides)
    two = LESSON.run({**overrides, "heads": 2})
    view = trace.multihead
    assert view.num_heads == 2 and not view.same_as_run
    assert_close(view.weights[0], trace.weights, rtol=0, atol=0)  # head 1 is the run's head
    assert_close(view.weights, two.weights, rtol=0, atol=0)
    assert_close(view.outputs, np.stack([h.output for h in two.heads]), rtol=0, atol=0)
    for key in ("concat", "W_o", "output"):
        assert_close(getattr(view, key), getattr(two, key), rtol=0, atol=0)
    assert view.concat_width == 2 * trace.d_k
    ref = torch_attention(np.array(two.X), Weights(two.W_q, two.W_k, two.W_v, two.W_o), 2,
                          two.mask)
    assert_close(view.output, ref["output"])
    assert_close(view.weights, ref["weights"])
    assert view.focus_key_numbers == tuple(int(np.argmax(ref["weights"][h][-1])) + 1
                                           for h in range(2))


def test_several_heads_show_the_runs_own_heads():
    trace = LESSON.run({"heads": 3, "d_k": 2})
    view = trace.multihead
    assert view.num_heads == 3 and view.same_as_run and view.concat_width == 6
    assert_close(view.weights, trace.weights, rtol=0, atol=0)
    assert_close(view.concat, trace.concat, rtol=0, atol=0)
    assert_close(view.W_o, trace.W_o, rtol=0, atol=0)
    assert_close(view.output, trace.output, rtol=0, atol=0)
