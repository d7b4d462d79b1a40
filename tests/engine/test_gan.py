import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.gan import (
    BETAS,
    DATASETS,
    LESSON,
    STREAMS,
    adam_init,
    adam_step,
    d_loss_and_grads,
    directions,
    g_loss_and_grads,
    init_mlp,
    logits,
    mlp_forward,
    mode_counts,
    sample_data,
    sliced_wasserstein,
    train_step,
)
from engine.params import ParamError
from engine.seeding import stream
from tests.numerics import assert_close, numeric_grad

ROOT = Path(__file__).resolve().parents[2]
F = torch.nn.functional


@pytest.fixture(scope="module")
def runs():
    """The four default-length trainings, computed once for the whole module."""
    return {(data, setting): LESSON.run({"data": data, "setting": setting})
            for data in DATASETS for setting in ("normal", "mode-collapse")}


def torch_mlp(params, x, act):
    h = x
    layers = len(params) // 2
    for i in range(layers):
        h = h @ params[2 * i] + params[2 * i + 1]
        if i < layers - 1:
            h = torch.tanh(h) if act == "tanh" else F.leaky_relu(h, 0.2)
    return h


def small_nets(seed, noise_dim, dim, hidden):
    rng = stream(seed, "init", STREAMS)
    return init_mlp(rng, [noise_dim, hidden, hidden, dim]), init_mlp(rng, [dim, hidden, hidden, 1])


@pytest.mark.parametrize("data,hidden,batch,lr_g,lr_d", [
    ("ring", 6, 8, 1e-3, 1e-3), ("two-gaussians", 5, 7, 2e-2, 1e-4), ("ring", 32, 64, 0.05, 0.01),
])
def test_training_steps_match_pytorch_autograd_and_adam(data, hidden, batch, lr_g, lr_d):
    dataset = DATASETS[data]
    dim = len(dataset.modes[0])
    g, d = small_nets(3, 2, dim, hidden)
    g_state, d_state = adam_init(g), adam_init(d)
    tg = [torch.tensor(p, requires_grad=True) for p in g]
    td = [torch.tensor(p, requires_grad=True) for p in d]
    opt_g = torch.optim.Adam(tg, lr=lr_g, betas=BETAS)
    opt_d = torch.optim.Adam(td, lr=lr_d, betas=BETAS)
    rng = np.random.default_rng(4)
    for _ in range(3):
        real = sample_data(rng, dataset, batch)
        z = rng.standard_normal((batch, 2))
        step = train_step(g, d, g_state, d_state, real, z, lr_g, lr_d)

        # PyTorch, as in its DCGAN example: D on real and detached fake, then G through new D
        fake, d_loss = torch_d_loss(tg, td, real, z)
        opt_d.zero_grad()
        d_loss.backward()
        assert step.d_loss == pytest.approx(d_loss.item(), rel=1e-12)
        for mine, ref in zip(step.d_grads, td, strict=True):
            assert_close(mine, ref.grad.numpy())
        opt_d.step()
        a_fake = torch_mlp(td, fake, "leaky")
        g_loss = F.binary_cross_entropy_with_logits(a_fake, torch.ones_like(a_fake))
        opt_g.zero_grad()
        g_loss.backward()
        assert step.g_loss == pytest.approx(g_loss.item(), rel=1e-12)
        for mine, ref in zip(step.g_grads, tg, strict=True):
            assert_close(mine, ref.grad.numpy())
        opt_g.step()

        g, d, g_state, d_state = step.g, step.d, step.g_state, step.d_state
        for mine, ref in zip(g + d, tg + td, strict=True):
            assert_close(mine, ref.detach().numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("dim", [1, 2])
def test_gradients_match_finite_differences(dim):
    g, d = small_nets(8, 3, dim, 4)
    rng = np.random.default_rng(5)
    real = rng.normal(size=(5, dim))
    z = rng.normal(size=(5, 3))
    fake = mlp_forward(g, z, "tanh")[0]
    tol = dict(rtol=1e-6, atol=1e-9)

    _, d_grads = d_loss_and_grads(d, real, fake)
    for i, grad in enumerate(d_grads):
        def d_loss(v, i=i):
            return d_loss_and_grads(d[:i] + (v,) + d[i + 1:], real, fake)[0]
        assert_close(grad, numeric_grad(d_loss, d[i]), **tol)

    _, g_grads = g_loss_and_grads(g, d, z)
    for i, grad in enumerate(g_grads):
        def g_loss(v, i=i):
            return g_loss_and_grads(g[:i] + (v,) + g[i + 1:], d, z)[0]
        assert_close(grad, numeric_grad(g_loss, g[i]), **tol)


@pytest.mark.parametrize("lr,betas", [
    (1e-2, (0.5, 0.999)), (1e-3, (0.9, 0.999)), (0.3, (0.0, 0.5)),
])
def test_adam_matches_torch_optim_adam(lr, betas):
    rng = np.random.default_rng(6)
    params = (rng.normal(size=(3, 4)), rng.normal(size=4))
    state = adam_init(params)
    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    opt = torch.optim.Adam(tensors, lr=lr, betas=betas)
    for _ in range(4):
        grads = tuple(rng.normal(size=p.shape) * 10.0 ** rng.integers(-6, 3) for p in params)
        params, state = adam_step(params, grads, state, lr, betas)
        for t, grad in zip(tensors, grads, strict=True):
            t.grad = torch.tensor(grad)
        opt.step()
        for mine, ref in zip(params, tensors, strict=True):
            assert_close(mine, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert state.step == 4
    for i, t in enumerate(tensors):
        assert_close(state.m[i], opt.state[t]["exp_avg"].numpy(), rtol=1e-12, atol=0)
        assert_close(state.v[i], opt.state[t]["exp_avg_sq"].numpy(), rtol=1e-12, atol=0)


def test_default_training_brings_the_samples_to_the_data(runs):
    trace = runs["ring", "normal"]
    first, last = trace.snapshots[0], trace.snapshots[-1]
    assert (trace.data, trace.setting, trace.steps) == ("ring", "normal", 2000)
    assert last.step == 2000 and len(trace.snapshots) == 21
    assert last.distance < 0.25 * first.distance
    assert last.distance < 3 * trace.distance_floor
    assert first.modes_covered == 0 and last.modes_covered == 8
    assert last.on_mode > 0.6
    one_d = runs["two-gaussians", "normal"]
    assert one_d.snapshots[-1].distance < 0.3 * one_d.snapshots[0].distance
    assert one_d.snapshots[-1].modes_covered == 2


def test_mode_collapse_setting_covers_few_modes(runs):
    for data, most in (("ring", 2), ("two-gaussians", 1)):
        normal, collapse = runs[data, "normal"], runs[data, "mode-collapse"]
        assert collapse.lr_g == 200 * collapse.lr_d == 20 * collapse.lr
        assert max(s.modes_covered for s in collapse.snapshots) <= most
        assert normal.snapshots[-1].modes_covered == len(DATASETS[data].modes)
        # far from the data all along, while the normal run ends close to it
        late = collapse.snapshots[len(collapse.snapshots) // 2:]
        assert min(s.distance for s in late) > 3 * normal.snapshots[-1].distance


def test_snapshots_hold_what_a_scene_draws():
    trace = LESSON.run({"steps": 250, "snapshot_every": 100, "data": "two-gaussians"})
    assert [s.step for s in trace.snapshots] == [0, 100, 200, 250]
    assert trace.grid.shape == (81, 1) and trace.dim == 1
    assert trace.d_loss_history.shape == trace.g_loss_history.shape == (250,)
    for s in trace.snapshots:
        assert s.real.shape == s.fake.shape == (200, 1)
        assert_close(s.real, trace.snapshots[0].real, rtol=0, atol=0)
        assert s.d_grid.shape == (81,) and ((s.d_grid > 0) & (s.d_grid < 1)).all()
        assert s.mode_counts.shape == (2,)
    ring = LESSON.run({"steps": 3})
    assert ring.grid.shape == (31, 31, 2) and ring.snapshots[-1].d_grid.shape == (31, 31)
    assert ring.grid[0, 1].tolist() == [-2.8, -3.0]  # grid[i, j] = (x_j, y_i)
    assert ring.snapshots[-1].fake.shape == (200, 2)
    assert [s.step for s in ring.snapshots] == [0, 3]


def test_snapshot_losses_agree_with_the_grid_and_history():
    trace = LESSON.run({"steps": 5, "snapshot_every": 5, "data": "ring", "seed": 2})
    d = trace.to_dict()
    assert d["snapshots"][1]["d_loss"] > 0 and d["snapshots"][1]["g_loss"] > 0
    # D is a probability everywhere; losses of an untrained pair sit near log 4 and log 2
    assert trace.snapshots[0].d_loss == pytest.approx(np.log(4), abs=0.2)
    assert trace.d_loss_history[0] == pytest.approx(np.log(4), abs=0.3)


def test_same_seed_gives_identical_json_and_another_seed_does_not():
    settings = {"steps": 300, "snapshot_every": 150}
    first = LESSON.run(settings).to_json()
    assert LESSON.run(settings).to_json() == first
    assert LESSON.run({**settings, "seed": 1}).to_json() != first


def test_json_does_not_depend_on_the_blas_thread_count():
    code = ("import hashlib; from engine.gan import LESSON; print(hashlib.sha256(LESSON.run("
            "{'steps': 150, 'snapshot_every': 50}).to_json().encode()).hexdigest())")
    digests = set()
    for threads in ("1", "2"):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, cwd=ROOT, check=True)
        digests.add(result.stdout.strip())
    expected = LESSON.run({"steps": 150, "snapshot_every": 50}).to_json()
    assert digests == {hashlib.sha256(expected.encode()).hexdigest()}


def test_sliced_wasserstein_is_exact_for_shifts():
    rng = np.random.default_rng(7)
    a1 = rng.normal(size=(500, 1))
    assert sliced_wasserstein(a1, a1) == 0.0
    assert sliced_wasserstein(a1, a1 + 0.75) == pytest.approx(0.75, rel=1e-12)
    a2 = rng.normal(size=(400, 2))
    shift = np.array([0.3, -1.2])
    expected = np.abs(shift @ directions(2)).mean()
    assert sliced_wasserstein(a2, a2 + shift) == pytest.approx(expected, rel=1e-12)
    assert sliced_wasserstein(a2, a2[::-1]) == 0.0  # order does not matter


def test_real_samples_cover_every_mode():
    for dataset in DATASETS.values():
        real = sample_data(np.random.default_rng(0), dataset, 2000)
        counts = mode_counts(real, dataset)
        assert (counts > 2000 / len(counts) / 2).all() and counts.sum() > 0.99 * 2000


def test_logits_of_evaluation_batches_equal_the_training_forward():
    _, d = small_nets(1, 2, 2, 32)
    x = np.random.default_rng(3).normal(size=(900, 2))
    assert_close(logits(d, x), mlp_forward(d, x, "leaky")[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("overrides,message", [
    ({"steps": 20000, "snapshot_every": 50}, "snapshot_every: 50 with 20000 steps gives 401 "
     "snapshots, at most 201 are allowed; use snapshot_every >= 100"),
    ({"data": "spiral"}, "data: must be one of two-gaussians, ring, got 'spiral'"),
    ({"setting": "collapse"}, "setting: must be one of normal, mode-collapse"),
    ({"lr": 0}, "lr: must be a number from 1e-06 to 0.1, got 0"),
    ({"steps": 0}, "steps: must be an integer from 1 to 20000, got 0"),
    ({"batch_size": 2000}, "batch_size: must be an integer from 1 to 1024"),
])
def test_bad_parameters_are_refused(overrides, message):
    with pytest.raises(ParamError, match=message):
        LESSON.run(overrides)


def test_trace_is_frozen():
    trace = LESSON.run({"steps": 2})
    with pytest.raises(ValueError):
        trace.snapshots[0].fake[0, 0] = 1.0
    with pytest.raises(ValueError):
        trace.d_loss_history[0] = 1.0


# -- what the video adds: one step in full, and the other setting for contrast --------------------
def replay_in_torch(trace, until):
    """Train the trace's networks again in PyTorch (autograd, torch.optim.Adam) on the same
    batches, up to step `until`; yield (step, real, z, tg, td, opt_g, opt_d) before each step."""
    dataset = DATASETS[trace.data]
    g, d = small_nets(trace.seed, trace.noise_dim, trace.dim, trace.hidden)
    tg = [torch.tensor(p, requires_grad=True) for p in g]
    td = [torch.tensor(p, requires_grad=True) for p in d]
    opt_g = torch.optim.Adam(tg, lr=trace.lr_g, betas=BETAS)
    opt_d = torch.optim.Adam(td, lr=trace.lr_d, betas=BETAS)
    real_rng = stream(trace.seed, "real", STREAMS)
    noise_rng = stream(trace.seed, "noise", STREAMS)
    for step in range(1, until + 1):
        real = sample_data(real_rng, dataset, trace.batch_size)
        z = noise_rng.standard_normal((trace.batch_size, trace.noise_dim))
        yield step, real, z, tg, td, opt_g, opt_d
        fake, d_loss = torch_d_loss(tg, td, real, z)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        a_fake = torch_mlp(td, fake, "leaky")
        g_loss = F.binary_cross_entropy_with_logits(a_fake, torch.ones_like(a_fake))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()


def torch_d_loss(tg, td, real, z):
    """G's samples, and D's loss on the real batch and on those samples (detached)."""
    fake = torch_mlp(tg, torch.tensor(z), "tanh")
    a_real = torch_mlp(td, torch.tensor(real), "leaky")
    a_fake = torch_mlp(td, fake.detach(), "leaky")
    return fake, (F.binary_cross_entropy_with_logits(a_real, torch.ones_like(a_real))
                  + F.binary_cross_entropy_with_logits(a_fake, torch.zeros_like(a_fake)))


def d_of(td, x):
    with torch.no_grad():
        return torch.sigmoid(torch_mlp(td, torch.tensor(np.array(x)), "leaky"))[:, 0].numpy()


@pytest.mark.parametrize("overrides", [
    {"data": "ring", "steps": 120, "snapshot_every": 60, "hidden": 8, "batch_size": 16},
    {"data": "two-gaussians", "setting": "mode-collapse", "steps": 40, "snapshot_every": 20,
     "hidden": 6, "batch_size": 9, "seed": 5},
])
def test_example_step_matches_a_pytorch_replay(overrides):
    trace = LESSON.run(overrides)
    ex = trace.example_step
    window = min(trace.steps, 100)
    gaps = {}
    for step, real, z, tg, td, opt_g, opt_d in replay_in_torch(trace, window):
        with torch.no_grad():
            fake = torch_mlp(tg, torch.tensor(z), "tanh").numpy()
        gaps[step] = d_of(td, real).mean() - d_of(td, fake).mean()
        if step != ex.step:
            continue
        # the batch and D's outputs before the step
        assert_close(ex.real, real, rtol=0, atol=0)
        assert_close(ex.fake, fake, rtol=1e-9, atol=1e-12)
        assert_close(ex.d_real, d_of(td, real), rtol=1e-9, atol=1e-12)
        assert_close(ex.d_fake, d_of(td, fake), rtol=1e-9, atol=1e-12)
        assert ex.d_real_mean == pytest.approx(ex.d_real.mean(), rel=1e-14)
        grid = trace.grid.reshape(-1, trace.dim)
        assert_close(ex.d_grid.ravel(), d_of(td, grid), rtol=1e-9, atol=1e-12)
        # D's step (autograd + Adam), then D's outputs and loss on the same batch
        tz = torch.tensor(z)
        fake_t = torch_mlp(tg, tz, "tanh")
        a_real, a_fake = torch_mlp(td, torch.tensor(real), "leaky"), torch_mlp(
            td, fake_t.detach(), "leaky")
        d_loss = (F.binary_cross_entropy_with_logits(a_real, torch.ones_like(a_real))
                  + F.binary_cross_entropy_with_logits(a_fake, torch.zeros_like(a_fake)))
        assert ex.d_loss == pytest.approx(d_loss.item(), rel=1e-9)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        assert_close(ex.d_real_updated, d_of(td, real), rtol=1e-9, atol=1e-12)
        assert_close(ex.d_fake_updated, d_of(td, fake), rtol=1e-9, atol=1e-12)
        with torch.no_grad():
            a_r, a_f = torch_mlp(td, torch.tensor(real), "leaky"), torch_mlp(
                td, torch.tensor(fake), "leaky")
            updated = (F.binary_cross_entropy_with_logits(a_r, torch.ones_like(a_r))
                       + F.binary_cross_entropy_with_logits(a_f, torch.zeros_like(a_f)))
        assert ex.d_loss_updated == pytest.approx(updated.item(), rel=1e-9)
        # G's step through the updated D, then its new samples
        a_fake = torch_mlp(td, fake_t, "leaky")
        g_loss = F.binary_cross_entropy_with_logits(a_fake, torch.ones_like(a_fake))
        assert ex.g_loss == pytest.approx(g_loss.item(), rel=1e-9)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        with torch.no_grad():
            after = torch_mlp(tg, tz, "tanh")
            a_after = torch_mlp(td, after, "leaky")
            g_after = F.binary_cross_entropy_with_logits(a_after, torch.ones_like(a_after))
        assert_close(ex.fake_after, after.numpy(), rtol=1e-9, atol=1e-12)
        assert_close(ex.d_fake_after, d_of(td, after.numpy()), rtol=1e-9, atol=1e-12)
        assert ex.g_loss_after == pytest.approx(g_after.item(), rel=1e-9)
    # the step shown is the one within the window where D separates real from fake best
    assert ex.step == max(gaps, key=lambda s: (gaps[s], -s))
    assert ex.d_real_mean - ex.d_fake_mean == pytest.approx(gaps[ex.step], rel=1e-9)
    assert ex.d_loss == trace.d_loss_history[ex.step - 1]
    assert ex.g_loss == trace.g_loss_history[ex.step - 1]
    assert trace.example_d_improved == (ex.d_loss_updated < ex.d_loss)
    assert trace.example_g_improved == (ex.g_loss_after < ex.g_loss)


def test_example_step_is_early_and_default_steps_descend(runs):
    trace = runs["ring", "normal"]
    ex = trace.example_step
    assert 1 <= ex.step <= 100
    assert ex.real.shape == ex.fake.shape == ex.fake_after.shape == (trace.batch_size, 2)
    assert ex.d_real.shape == ex.d_fake_updated.shape == (trace.batch_size,)
    assert ex.d_grid.shape == (31, 31)
    assert ex.d_real_mean > ex.d_fake_mean  # D already tells them apart a little
    assert trace.example_d_improved and trace.example_g_improved
    assert LESSON.run({"steps": 3, "snapshot_every": 1}).example_step.step <= 3


def test_contrast_is_the_other_setting_trained_alike(runs):
    for data in DATASETS:
        for setting, other in (("normal", "mode-collapse"), ("mode-collapse", "normal")):
            trace, twin = runs[data, setting], runs[data, other]
            assert trace.contrast_setting == other
            assert (trace.contrast_lr_g, trace.contrast_lr_d) == (twin.lr_g, twin.lr_d)
            assert len(trace.contrast_snapshots) == len(twin.snapshots)
            for mine, ref in zip(trace.contrast_snapshots, twin.snapshots, strict=True):
                assert mine.step == ref.step and mine.modes_covered == ref.modes_covered
                assert (mine.distance, mine.d_loss, mine.g_loss) == (
                    ref.distance, ref.d_loss, ref.g_loss)
                for key in ("fake", "d_grid", "mode_counts"):
                    assert_close(getattr(mine, key), getattr(ref, key), rtol=0, atol=0)
            assert trace.contrast_max_modes_covered == twin.max_modes_covered == max(
                s.modes_covered for s in twin.snapshots)
            assert trace.contrast_lr_ratio == twin.lr_ratio == twin.lr_g / twin.lr_d
            assert_close(trace.snapshots[0].real, twin.snapshots[0].real, rtol=0, atol=0)
    # the evidence the video gives: the collapsed run covers few modes and stays far
    ring = runs["ring", "normal"]
    assert ring.contrast_max_modes_covered <= 2 < ring.snapshots[-1].modes_covered
    assert ring.lr_ratio == 1 and ring.contrast_lr_ratio == pytest.approx(200, rel=1e-12)
    assert ring.contrast_snapshots[-1].distance > 3 * ring.snapshots[-1].distance


def test_grid_extremes_and_mode_count(runs):
    for (data, _), trace in runs.items():
        assert trace.mode_count == len(DATASETS[data].modes)
        assert trace.d_grid_min.tolist() == [float(s.d_grid.min()) for s in trace.snapshots]
        assert trace.d_grid_max.tolist() == [float(s.d_grid.max()) for s in trace.snapshots]


def test_the_work_cap_counts_both_trainings():
    with pytest.raises(ParamError, match=r"steps x batch_size x hidden\^2 = 20000 x 64 x 32\^2 = "
                       r"1.3e\+09, trained twice"):
        LESSON.run({"steps": 20000})
    LESSON.run({"steps": 10, "batch_size": 1024, "hidden": 128})  # 1.7e8 per training: allowed
