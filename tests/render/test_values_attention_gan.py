"""`lecture values attention` and `lecture values gan`: JSON out, bad input one line with exit 2."""

import json

import pytest

from tests.render.cli_run import run


def test_values_prints_the_attention_trace(capsys):
    code, out, err = run(capsys, "values", "attention")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["tokens"] == ["我", "爱", "深度", "学习"]
    for key in ("X", "W_q", "W_k", "W_v", "Q", "K", "V", "scores", "weights", "output",
                "grad_X", "grad_W_q"):
        assert key in data
    assert len(data["X"]) == 4 and len(data["X"][0]) == 8 and len(data["Q"][0]) == 4
    for row in data["weights"]:
        assert sum(row) == pytest.approx(1.0)


def test_values_attention_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "attention", "--set", 'tokens=["the","cat","sat"]',
                       "--set", "mask=causal", "--set", "heads=2", "--set", "d_model=6",
                       "--set", "d_k=null")
    assert code == 0
    data = json.loads(out)
    assert data["num_heads"] == 2 and data["d_k"] == 3 and len(data["heads"]) == 2
    assert data["scores"][0][0][1:] == [None, None]  # masked: -inf in the engine, null in JSON
    assert data["heads"][1]["weights"][0] == [1.0, 0.0, 0.0]
    assert len(data["W_o"]) == 6 and len(data["output"][0]) == 6


@pytest.mark.parametrize("argv,message", [
    (["--set", "heads=3", "--set", "d_k=null"],
     "heads: 3 heads do not divide d_model = 8; with d_k = null each head gets d_model / heads "
     "columns, so use heads in [1, 2, 4, 8] or set d_k"),
    (["--set", "tokens=[]"], "tokens: must be a list of 1 to 16 strings, got []"),
    (["--set", "mask=future"], "mask: must be one of none, causal, got 'future'"),
])
def test_bad_attention_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "values", "attention", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")


def test_values_prints_the_gan_trace(capsys):
    code, out, err = run(capsys, "values", "gan", "--set", "steps=200", "--set",
                         "snapshot_every=100", "--set", "data=two-gaussians")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert [s["step"] for s in data["snapshots"]] == [0, 100, 200]
    for key in ("step", "real", "fake", "d_loss", "g_loss", "d_grid", "distance"):
        assert key in data["snapshots"][-1]
    assert len(data["grid"]) == len(data["snapshots"][0]["d_grid"]) == 81
    assert data["snapshots"][-1]["distance"] < data["snapshots"][0]["distance"]
    code, again, _ = run(capsys, "values", "gan", "--set", "steps=200", "--set",
                         "snapshot_every=100", "--set", "data=two-gaussians")
    assert again == out  # same seed, same JSON


@pytest.mark.parametrize("argv,message", [
    (["--set", "steps=1000", "--set", "snapshot_every=1"],
     "snapshot_every: 1 with 1000 steps gives 1001 snapshots, at most 201 are allowed; use "
     "snapshot_every >= 5"),
    (["--set", "data=spiral"], "data: must be one of two-gaussians, ring, got 'spiral'"),
    (["--set", "lr=0"], "lr: must be a number from 1e-06 to 0.1, got 0"),
])
def test_bad_gan_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "values", "gan", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")
