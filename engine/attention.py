"""Scaled dot-product attention, one head or several, on a short sequence of tokens.

    X = E + P                                     E: one embedding row per token
                                                  P: sinusoidal positions ("Attention is all
                                                     you need": P[t, 2i] = sin(t / 10000^(2i/d)),
                                                     P[t, 2i+1] = cos(t / 10000^(2i/d)))
    Q_h = X W_q^h,  K_h = X W_k^h,  V_h = X W_v^h  each T x d_k (head h = 1..H)
    S_h = Q_h K_h^T / sqrt(d_k)                   scores, T x T
    A_h = softmax(S_h) along each row             weights; masked entries are exactly 0
    O_h = A_h V_h                                 T x d_k
    Y   = O_1                  when H = 1
    Y   = [O_1 ... O_H] W_o    when H > 1         W_o is H d_k x d_model, Y is T x d_model

Every head has its own d_k-column projections, as in the paper, which takes d_k = d_model / H;
here d_k is free, and d_k = null means d_model / H (then H must divide d_model). The stacked
matrices W_q, W_k, W_v, Q, K, V hold head h (0-based) in columns h*d_k .. (h+1)*d_k - 1.

Row t of X is token t, embedded from its text alone: the same token gets the same embedding
wherever it appears (only its position row differs), drawn from
default_rng([seed, crc32(utf-8 bytes of the token)]). The projections come from default_rng(seed).

Masked scores are stored as -inf (null in JSON). The gradients are those of the loss
L = 1/2 ||Y||^2 (sum of squares of every output entry), so dL/dY = Y.

Besides the run, the trace holds what the video teaches with (all on head 0): one query (the
last token) worked out (`focus_*`: the key it weighs most, that score's dot product term by term,
the row's exponentials and their sum, the weighted rows of V), the same inputs under the causal
mask (`causal_*`, the run's own numbers when its mask is causal), why scores are divided by
sqrt(d_k) measured on random vectors (`scale_demo`), and several heads joined by W_o
(`multihead`: the run's own heads, or a two-head run on the same inputs when it has one).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.lesson import LessonModel
from engine.params import Param, ParamError, spec
from engine.trace import Trace, frozen_array

MASKS = ("none", "causal")
MAX_TOKENS = 16


# -- inputs ---------------------------------------------------------------------------------------
def token_hash(token: str) -> int:
    """A hash of the token's text that is the same in every run (Python's hash() is not)."""
    return zlib.crc32(token.encode("utf-8"))


def token_embedding(token: str, d_model: int, seed: int) -> np.ndarray:
    """Standard normal entries drawn from the seed and the token's text only."""
    return np.random.default_rng([seed, token_hash(token)]).standard_normal(d_model)


def sinusoidal_positions(length: int, d_model: int) -> np.ndarray:
    """P[t, 2i] = sin(t / 10000^(2i/d_model)), P[t, 2i+1] = cos(same angle); t from 0."""
    t = np.arange(length, dtype=np.float64)[:, None]
    even = np.arange(0, d_model, 2, dtype=np.float64)  # the 2i of each sin/cos pair
    angles = t / 10000.0 ** (even / d_model)
    p = np.zeros((length, d_model))
    p[:, 0::2] = np.sin(angles)
    p[:, 1::2] = np.cos(angles[:, : d_model // 2])  # an odd d_model ends on a sin column
    return p


def allowed_pairs(length: int, mask: str) -> np.ndarray:
    """allowed[i, j]: may query i look at key j? causal: only j <= i."""
    if mask not in MASKS:
        raise ParamError("mask", f"must be one of {', '.join(MASKS)}, got {mask!r}")
    full = np.ones((length, length), dtype=bool)
    return np.tril(full) if mask == "causal" else full


class Weights(NamedTuple):
    W_q: np.ndarray  # d_model x H d_k, head h in columns h*d_k..(h+1)*d_k-1
    W_k: np.ndarray
    W_v: np.ndarray
    W_o: np.ndarray | None  # H d_k x d_model; None for one head


def init_weights(seed: int, d_model: int, d_k: int, heads: int) -> Weights:
    """Gaussian projections with variance 1/fan_in, so scores stay of order one.

    Each matrix has its own generator spawned from default_rng(seed), and is drawn head by head
    (C order), so head h's matrices do not depend on how many heads follow it.
    """
    q_rng, k_rng, v_rng, o_rng = np.random.default_rng(seed).spawn(4)

    def stacked(rng: np.random.Generator) -> np.ndarray:
        per_head = rng.standard_normal((heads, d_model, d_k)) / np.sqrt(d_model)
        return np.concatenate(list(per_head), axis=1)

    w_o = None
    if heads > 1:
        w_o = o_rng.standard_normal((heads * d_k, d_model)) / np.sqrt(heads * d_k)
    return Weights(stacked(q_rng), stacked(k_rng), stacked(v_rng), w_o)


# -- forward --------------------------------------------------------------------------------------
def masked_softmax(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Softmax along the last axis over the allowed entries; the others get exactly 0.

    Subtracting each row's largest allowed score keeps every exponent <= 0, so nothing
    overflows however large the scores are. Every row must allow at least one entry.
    """
    s = np.where(allowed, scores, -np.inf)
    with np.errstate(over="ignore"):  # a gap wider than the float range is -inf: weight 0
        shifted = s - s.max(axis=-1, keepdims=True)
    e = np.exp(shifted)  # exp(-inf) = 0 exactly
    return e / e.sum(axis=-1, keepdims=True)


class HeadResult(NamedTuple):
    scores: np.ndarray  # T x T, masked entries -inf
    weights: np.ndarray  # T x T
    output: np.ndarray  # T x d_k


def attend(q: np.ndarray, k: np.ndarray, v: np.ndarray, allowed: np.ndarray) -> HeadResult:
    """One head: softmax(Q K^T / sqrt(d_k)) V with the mask applied."""
    scores = q @ k.T / np.sqrt(q.shape[-1])
    weights = masked_softmax(scores, allowed)
    return HeadResult(np.where(allowed, scores, -np.inf), weights, weights @ v)


class Forward(NamedTuple):
    Q: np.ndarray  # T x H d_k
    K: np.ndarray
    V: np.ndarray
    heads: tuple[HeadResult, ...]
    concat: np.ndarray  # T x H d_k: the heads' outputs side by side
    output: np.ndarray  # T x d_k (one head) or T x d_model


def head_slice(h: int, d_k: int) -> slice:
    return slice(h * d_k, (h + 1) * d_k)


def multi_head_forward(x: np.ndarray, w: Weights, heads: int, allowed: np.ndarray) -> Forward:
    q, k, v = x @ w.W_q, x @ w.W_k, x @ w.W_v
    d_k = q.shape[1] // heads
    results = tuple(
        attend(q[:, head_slice(h, d_k)], k[:, head_slice(h, d_k)], v[:, head_slice(h, d_k)],
               allowed)
        for h in range(heads)
    )
    concat = np.concatenate([r.output for r in results], axis=1)
    output = concat if w.W_o is None else concat @ w.W_o
    return Forward(q, k, v, results, concat, output)


# -- backward -------------------------------------------------------------------------------------
def softmax_backward(weights: np.ndarray, grad_weights: np.ndarray) -> np.ndarray:
    """dL/dS from dL/dA for A = softmax(S) by rows: A * (dA - sum_j A_j dA_j).

    Masked entries have A = 0 and so get gradient 0, as they should (their score is not used).
    """
    return weights * (grad_weights - (weights * grad_weights).sum(axis=-1, keepdims=True))


class Grads(NamedTuple):
    X: np.ndarray
    W_q: np.ndarray
    W_k: np.ndarray
    W_v: np.ndarray
    W_o: np.ndarray | None
    scores: tuple[np.ndarray, ...]  # per head, T x T
    weights: tuple[np.ndarray, ...]  # per head, T x T


def multi_head_backward(x: np.ndarray, w: Weights, heads: int, fwd: Forward,
                        grad_output: np.ndarray) -> Grads:
    """Gradients of a scalar loss with respect to X and the weights, given dL/dY."""
    d_k = fwd.Q.shape[1] // heads
    scale = 1.0 / np.sqrt(d_k)
    if w.W_o is None:
        grad_w_o, grad_concat = None, grad_output
    else:
        grad_w_o = fwd.concat.T @ grad_output
        grad_concat = grad_output @ w.W_o.T
    grad_q, grad_k, grad_v = np.zeros_like(fwd.Q), np.zeros_like(fwd.K), np.zeros_like(fwd.V)
    grad_scores, grad_weights = [], []
    for h, result in enumerate(fwd.heads):
        cols = head_slice(h, d_k)
        grad_o = grad_concat[:, cols]
        grad_a = grad_o @ fwd.V[:, cols].T
        grad_s = softmax_backward(result.weights, grad_a)
        grad_v[:, cols] = result.weights.T @ grad_o
        grad_q[:, cols] = scale * grad_s @ fwd.K[:, cols]
        grad_k[:, cols] = scale * grad_s.T @ fwd.Q[:, cols]
        grad_scores.append(grad_s)
        grad_weights.append(grad_a)
    grad_x = grad_q @ w.W_q.T + grad_k @ w.W_k.T + grad_v @ w.W_v.T
    return Grads(grad_x, x.T @ grad_q, x.T @ grad_k, x.T @ grad_v, grad_w_o,
                 tuple(grad_scores), tuple(grad_weights))


def half_squared_norm(y: np.ndarray) -> tuple[float, np.ndarray]:
    """L = 1/2 ||Y||^2 and dL/dY = Y."""
    return 0.5 * float((y * y).sum()), y


# -- what the video teaches around the forward pass ----------------------------------------------
SCALE_DEMO_DIMS = (4, 16, 64, 256)  # the d_k values compared
SCALE_DEMO_ROWS = 500  # sampled queries per d_k, each against SCALE_DEMO_KEYS keys
SCALE_DEMO_KEYS = 8
SCALE_DEMO_STREAM = 0x5CA1E  # the demo's generator: default_rng([seed, SCALE_DEMO_STREAM])


def softmax_jacobian(weights: np.ndarray) -> np.ndarray:
    """d softmax(s) / ds for rows of softmax `weights` (... x n): diag(a) - a a^T."""
    return np.einsum("...i,ij->...ij", weights, np.eye(weights.shape[-1])) - (
        weights[..., :, None] * weights[..., None, :])


@dataclass(frozen=True)
class ScaleDemo:
    """Why divide by sqrt(d_k), measured on random vectors whose entries have mean 0 and
    variance 1 (as the paper argues): q . k then has variance d_k, so unscaled scores spread like
    sqrt(d_k), the softmax saturates (one weight near 1) and its gradient, the Jacobian
    diag(a) - a a^T, vanishes. Divided by sqrt(d_k) the spread stays near 1 at every d_k.

    Per dimension d in `dims`: `rows` queries, each against `keys` keys (all drawn afresh)."""

    dims: tuple[int, ...]
    rows: int
    keys: int
    sqrt_dims: np.ndarray  # sqrt(d): what raw_std approaches
    raw_std: np.ndarray  # std of every q . k (population std), per dimension
    scaled_std: np.ndarray  # std of q . k / sqrt(d)
    raw_max_weight: np.ndarray  # mean over rows of the largest softmax weight, unscaled scores
    scaled_max_weight: np.ndarray  # the same for scaled scores
    raw_grad: np.ndarray  # mean over rows of the softmax Jacobian's Frobenius norm, unscaled
    scaled_grad: np.ndarray  # the same for scaled scores


def measure_scaling(seed: int) -> ScaleDemo:
    rng = np.random.default_rng([seed, SCALE_DEMO_STREAM])
    everything = np.ones(SCALE_DEMO_KEYS, dtype=bool)
    columns: dict[str, list[float]] = {name: [] for name in (
        "raw_std", "scaled_std", "raw_max_weight", "scaled_max_weight", "raw_grad",
        "scaled_grad")}
    for d in SCALE_DEMO_DIMS:
        q = rng.standard_normal((SCALE_DEMO_ROWS, 1, d))
        k = rng.standard_normal((SCALE_DEMO_ROWS, SCALE_DEMO_KEYS, d))
        raw = (q * k).sum(axis=-1)  # rows x keys
        for name, scores in (("raw", raw), ("scaled", raw / np.sqrt(d))):
            weights = masked_softmax(scores, everything)
            columns[f"{name}_std"].append(float(scores.std()))
            columns[f"{name}_max_weight"].append(float(weights.max(axis=-1).mean()))
            norms = np.linalg.norm(softmax_jacobian(weights), axis=(-2, -1))
            columns[f"{name}_grad"].append(float(norms.mean()))
    return ScaleDemo(
        dims=SCALE_DEMO_DIMS, rows=SCALE_DEMO_ROWS, keys=SCALE_DEMO_KEYS,
        sqrt_dims=frozen_array(np.sqrt(np.array(SCALE_DEMO_DIMS, dtype=np.float64))),
        **{name: frozen_array(values) for name, values in columns.items()})


@dataclass(frozen=True)
class MultiHead:
    """Several heads side by side and joined by W_o: the run itself when it has several heads,
    else a two-head run on the same X, mask, seed and d_k (its head 0 is the run's one head)."""

    num_heads: int
    same_as_run: bool  # True when these are the run's own heads
    weights: np.ndarray  # H x T x T
    outputs: np.ndarray  # H x T x d_k, each head's A_h V_h
    concat: np.ndarray  # T x H d_k
    concat_width: int  # H d_k
    W_o: np.ndarray  # H d_k x d_model
    output: np.ndarray  # T x d_model
    focus_key_numbers: tuple[int, ...]  # per head: the key the last token weighs most, from 1


def multi_head_view(x: np.ndarray, seed: int, d_k: int, heads: int,
                    allowed: np.ndarray) -> MultiHead:
    count = max(heads, 2)
    w = init_weights(seed, x.shape[1], d_k, count)
    fwd = multi_head_forward(x, w, count, allowed)
    assert w.W_o is not None
    return MultiHead(
        num_heads=count, same_as_run=heads > 1,
        weights=frozen_array(np.stack([r.weights for r in fwd.heads])),
        outputs=frozen_array(np.stack([r.output for r in fwd.heads])),
        concat=frozen_array(fwd.concat), concat_width=count * d_k, W_o=frozen_array(w.W_o),
        output=frozen_array(fwd.output),
        focus_key_numbers=tuple(int(np.argmax(r.weights[-1])) + 1 for r in fwd.heads))


class Focus(NamedTuple):
    """One query worked out on head 0: the key it weighs most, that score's dot product, the
    row's exponentials and the weighted rows of V whose sum is the query's output."""

    query: int
    key: int
    terms: np.ndarray  # q_i[m] * k_j[m], m = 0..d_k-1
    raw_score: float  # q_i . k_j (before dividing by sqrt(d_k))
    score: float  # s_ij = raw_score / sqrt(d_k)
    exps: np.ndarray  # e^(s_ij) for every key j (e^-inf = 0 where masked)
    exp_sum: float
    weight: float  # a_ij = e^(s_ij) / exp_sum
    weighted_values: np.ndarray  # a_ij v_j, T x d_k: its column sums are output row i


def focus_on(query: int, q: np.ndarray, k: np.ndarray, v: np.ndarray,
             result: HeadResult) -> Focus:
    """The row `query` of one head's `result` (from `attend(q, k, v, ...)`), worked out."""
    key = int(np.argmax(result.weights[query]))
    terms = q[query] * k[key]
    with np.errstate(over="ignore"):  # shown as written: e^s of the scores themselves
        exps = np.exp(result.scores[query])
    return Focus(query, key, terms, float(terms.sum()), float(result.scores[query, key]), exps,
                 float(exps.sum()), float(result.weights[query, key]),
                 result.weights[query][:, None] * v)


# -- the lesson -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeadTrace:
    """One head: its slices of the projections and everything it computes."""

    W_q: np.ndarray  # d_model x d_k
    W_k: np.ndarray
    W_v: np.ndarray
    Q: np.ndarray  # T x d_k
    K: np.ndarray
    V: np.ndarray
    scores: np.ndarray  # T x T, masked entries -inf (null in JSON)
    weights: np.ndarray  # T x T, rows sum to 1
    output: np.ndarray  # T x d_k
    grad_scores: np.ndarray  # dL/dS
    grad_weights: np.ndarray  # dL/dA


@dataclass(frozen=True)
class AttentionTrace(Trace):
    tokens: tuple[str, ...]
    token_hashes: tuple[int, ...]  # crc32 of each token's UTF-8 bytes
    d_model: int
    d_k: int  # per head
    num_heads: int
    mask: str
    scale: float  # 1 / sqrt(d_k)
    embeddings: np.ndarray  # E, T x d_model
    positions: np.ndarray  # P, T x d_model
    X: np.ndarray  # E + P
    allowed: np.ndarray  # T x T, 1 where query i may attend to key j
    W_q: np.ndarray  # d_model x H d_k (all heads)
    W_k: np.ndarray
    W_v: np.ndarray
    Q: np.ndarray  # T x H d_k
    K: np.ndarray
    V: np.ndarray
    scores: np.ndarray  # T x T for one head, H x T x T for several
    weights: np.ndarray  # same shape as scores
    heads: tuple[HeadTrace, ...]
    concat: np.ndarray | None  # T x H d_k, the heads side by side (None for one head)
    W_o: np.ndarray | None  # H d_k x d_model (None for one head)
    output: np.ndarray  # Y: T x d_k for one head, T x d_model for several
    loss: float  # 1/2 ||Y||^2
    grad_X: np.ndarray  # dL/dX
    grad_W_q: np.ndarray
    grad_W_k: np.ndarray
    grad_W_v: np.ndarray
    grad_W_o: np.ndarray | None
    # What the video shows around the run (all on head 0; see focus_on, measure_scaling, ...).
    num_tokens: int
    sqrt_d_k: float
    weights_min: float  # head 0's smallest and largest weight (a legend's ends)
    weights_max: float
    focus_query: int  # the query worked out: the last token
    focus_key: int  # the key it weighs most (0-based)
    focus_key_number: int  # the same, counted from 1 (for narration)
    focus_terms: np.ndarray  # q_i[m] * k_j[m]: the dot product's terms
    focus_raw_score: float  # their sum, q_i . k_j
    focus_score: float  # s_ij = focus_raw_score / sqrt(d_k)
    focus_exps: np.ndarray  # e^(s_ij) along the query's row
    focus_exp: float  # e^(s_ij) of the focus key
    focus_exp_sum: float
    focus_weight: float  # a_ij
    focus_weighted_values: np.ndarray  # a_ij v_j, T x d_k; column sums: output row i
    causal_scores: np.ndarray  # head 0 with the causal mask (the run's own if it is causal)
    causal_weights: np.ndarray
    causal_masked: int  # entries the causal mask hides: T (T - 1) / 2
    causal_focus: int  # the row worked out under the mask: the second token (the first: T = 1)
    causal_focus_exps: np.ndarray  # e^(s) along that row (0 where masked)
    causal_focus_exp_sum: float
    scale_demo: ScaleDemo
    multihead: MultiHead


def resolve_d_k(d_model: int, d_k: int | None, heads: int) -> int:
    if d_k is not None:
        return d_k
    if d_model % heads:
        divisors = [n for n in range(1, 9) if d_model % n == 0]
        raise ParamError(
            "heads", f"{heads} heads do not divide d_model = {d_model}; with d_k = null each "
            f"head gets d_model / heads columns, so use heads in {divisors} or set d_k")
    return d_model // heads


def attention(tokens: Sequence[str], d_model: int, d_k: int | None, heads: int, mask: str,
              seed: int) -> AttentionTrace:
    """The attention lesson: every matrix of every head, and the gradients of 1/2 ||Y||^2."""
    tokens = tuple(tokens)
    if not 1 <= len(tokens) <= MAX_TOKENS:
        raise ParamError("tokens", f"must be a list of 1 to {MAX_TOKENS} strings, "
                         f"got {len(tokens)}")
    d_k = resolve_d_k(d_model, d_k, heads)
    allowed = allowed_pairs(len(tokens), mask)
    e = np.stack([token_embedding(t, d_model, seed) for t in tokens])
    p = sinusoidal_positions(len(tokens), d_model)
    x = e + p
    w = init_weights(seed, d_model, d_k, heads)
    fwd = multi_head_forward(x, w, heads, allowed)
    loss, grad_y = half_squared_norm(fwd.output)
    grads = multi_head_backward(x, w, heads, fwd, grad_y)

    head_traces = []
    for h, result in enumerate(fwd.heads):
        cols = head_slice(h, d_k)
        head_traces.append(HeadTrace(
            *(frozen_array(m[:, cols]) for m in (w.W_q, w.W_k, w.W_v, fwd.Q, fwd.K, fwd.V)),
            scores=frozen_array(result.scores), weights=frozen_array(result.weights),
            output=frozen_array(result.output), grad_scores=frozen_array(grads.scores[h]),
            grad_weights=frozen_array(grads.weights[h])))

    def stacked(arrays: list[np.ndarray]) -> np.ndarray:
        return frozen_array(arrays[0] if heads == 1 else np.stack(arrays))

    def optional(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else frozen_array(a)

    first = head_traces[0]
    causal = allowed_pairs(len(tokens), "causal")
    causal_head = attend(first.Q, first.K, first.V, causal)
    focus = focus_on(len(tokens) - 1, first.Q, first.K, first.V, fwd.heads[0])
    causal_row = min(1, len(tokens) - 1)
    causal_focus = focus_on(causal_row, first.Q, first.K, first.V, causal_head)

    return AttentionTrace(
        tokens=tokens,
        token_hashes=tuple(token_hash(t) for t in tokens),
        d_model=d_model,
        d_k=d_k,
        num_heads=heads,
        mask=mask,
        scale=float(1.0 / np.sqrt(d_k)),
        embeddings=frozen_array(e),
        positions=frozen_array(p),
        X=frozen_array(x),
        allowed=frozen_array(allowed),
        W_q=frozen_array(w.W_q),
        W_k=frozen_array(w.W_k),
        W_v=frozen_array(w.W_v),
        Q=frozen_array(fwd.Q),
        K=frozen_array(fwd.K),
        V=frozen_array(fwd.V),
        scores=stacked([r.scores for r in fwd.heads]),
        weights=stacked([r.weights for r in fwd.heads]),
        heads=tuple(head_traces),
        concat=None if heads == 1 else frozen_array(fwd.concat),
        W_o=optional(w.W_o),
        output=frozen_array(fwd.output),
        loss=loss,
        grad_X=frozen_array(grads.X),
        grad_W_q=frozen_array(grads.W_q),
        grad_W_k=frozen_array(grads.W_k),
        grad_W_v=frozen_array(grads.W_v),
        grad_W_o=optional(grads.W_o),
        num_tokens=len(tokens),
        sqrt_d_k=float(np.sqrt(d_k)),
        weights_min=float(first.weights.min()),
        weights_max=float(first.weights.max()),
        focus_query=focus.query,
        focus_key=focus.key,
        focus_key_number=focus.key + 1,
        focus_terms=frozen_array(focus.terms),
        focus_raw_score=focus.raw_score,
        focus_score=focus.score,
        focus_exps=frozen_array(focus.exps),
        focus_exp=float(focus.exps[focus.key]),
        focus_exp_sum=focus.exp_sum,
        focus_weight=focus.weight,
        focus_weighted_values=frozen_array(focus.weighted_values),
        causal_scores=frozen_array(causal_head.scores),
        causal_weights=frozen_array(causal_head.weights),
        causal_masked=int((~causal).sum()),
        causal_focus=causal_row,
        causal_focus_exps=frozen_array(causal_focus.exps),
        causal_focus_exp_sum=causal_focus.exp_sum,
        scale_demo=measure_scaling(seed),
        multihead=multi_head_view(x, seed, d_k, heads, allowed),
    )


PARAMS = spec(
    Param("tokens", "strings", ["我", "爱", "深度", "学习"],
          "the sequence: one string per token (Chinese or English)", max_length=MAX_TOKENS),
    Param("d_model", "int", 8, "width of each token's vector (embedding + position)",
          minimum=2, maximum=64),
    Param("d_k", "int", 4, "columns of Q, K and V per head; null: d_model / heads",
          minimum=1, maximum=64, nullable=True),
    Param("heads", "int", 1, "attention heads; several are joined by W_o", minimum=1, maximum=8),
    Param("mask", "choice", "none", "causal: each token sees only itself and earlier tokens",
          choices=MASKS),
    Param("seed", "int", 0, "draws the embeddings and the weight matrices",
          minimum=0, maximum=2**32 - 1),
)

LESSON = LessonModel("scaled dot-product attention, one head or several", PARAMS, attention)
