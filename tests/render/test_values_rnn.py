"""`lecture values` for the recurrent lessons, and their bad-input contract (one line, exit 2)."""

import json

import numpy as np
import pytest

from tests.render.cli_run import run


def test_values_prints_the_bptt_trace(capsys):
    code, out, err = run(capsys, "values", "bptt")
    assert code == 0 and err == ""
    data = json.loads(out)
    for key in ("x", "targets", "h0", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h", "y", "loss",
                "grad_h", "grad_W_xh", "grad_W_hh", "grad_b_h", "grad_W_hy", "grad_b_y",
                "grad_norms", "contributions"):
        assert key in data
    assert np.shape(data["h"]) == (6, 3) and np.shape(data["x"]) == (6, 2)
    assert data["truncate"] is None
    assert data["loss"] == pytest.approx(sum(data["losses"]))


def test_values_bptt_applies_overrides(capsys):
    code, out, _ = run(capsys, "values", "bptt", "--set", "steps=5", "--set", "truncate=2",
                       "--set", "hidden_size=4", "--set", "recurrent_scale=0.5",
                       "--set", "initial_state=random")
    data = json.loads(out)
    assert code == 0
    assert np.shape(data["grad_h"]) == (5, 4) and data["truncate"] == 2
    assert data["contributions"][:3] == [0.0, 0.0, 0.0] and data["contributions"][3] > 0
    assert any(data["h0"])


def test_truncate_null_is_full_bptt(capsys):
    _, full, _ = run(capsys, "values", "bptt")
    _, null, _ = run(capsys, "values", "bptt", "--set", "truncate=null")
    assert full == null


@pytest.mark.parametrize("argv,message", [
    (["values", "bptt", "--set", "steps=0"], "steps: must be an integer from 1 to 32, got 0"),
    (["values", "bptt", "--set", "truncate=0"],
     "truncate: must be an integer from 1 to 32, or null, got 0"),
    (["values", "bptt", "--set", "recurrent_scale=-1"],
     "recurrent_scale: must be a number from 0 to 10, got -1"),
    (["values", "bptt", "--set", "initial_state=ones"],
     "initial_state: must be one of zeros, random, got 'ones'"),
    (["values", "lstm", "--set", "forget_bias=20"],
     "forget_bias: must be a number from -10 to 10, got 20"),
    (["values", "lstm", "--set", "hidden_size=2.5"], "hidden_size: must be an integer"),
    (["values", "lstm", "--set", "truncate=[2]"], "truncate: must be an integer from 1 to 32"),
])
def test_bad_input_is_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("lecture: error: ")


def test_values_prints_the_lstm_trace_beside_bptt(capsys):
    code, out, err = run(capsys, "values", "lstm", "--set", "steps=4", "--set", "truncate=3")
    assert code == 0 and err == ""
    lstm = json.loads(out)
    for key in ("W_ih", "W_hh", "b_ih", "b_hh", "W_hy", "b_y", "i", "f", "g", "o", "c", "h", "y",
                "loss", "grad_W_ih", "grad_W_hh", "grad_b_ih", "grad_b_hh", "grad_W_hy",
                "grad_b_y", "grad_h", "grad_norms", "contributions", "cell_contributions"):
        assert key in lstm
    assert np.shape(lstm["f"]) == (4, 3) and np.shape(lstm["W_hh"]) == (12, 3)
    assert lstm["b_ih"][3:6] == [1.0, 1.0, 1.0]  # forget_bias, in torch's i, f, g, o order
    assert lstm["contributions"][0] == 0.0 and lstm["contributions"][1] > 0
    _, out, _ = run(capsys, "values", "bptt", "--set", "steps=4", "--set", "truncate=3")
    rnn = json.loads(out)
    assert lstm["x"] == rnn["x"] and lstm["targets"] == rnn["targets"]

