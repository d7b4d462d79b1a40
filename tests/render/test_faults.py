"""Hostile input and interrupted runs: one clear line and exit 2 for what the user can fix, and
nothing broken left behind when a run is killed at any moment."""

import errno
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from render.errors import UserError
from render.files import publish_group, sweep, usable_folder

SCENE = ["scene", "pooling", "--voice", "espeak", "--quality", "preview"]


def lecture(*args, cache, **kwargs):
    env = {**os.environ, "LECTURE_CACHE": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "render.cli", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def finish(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


@pytest.mark.parametrize("make,message", [
    (lambda d: (d / "file").write_text("x") and d / "file", "is a file, not a folder"),
    (lambda d: (d / "file").write_text("x") and d / "file" / "below", "lies below a file"),
])
def test_unusable_output_folders_are_one_line(tmp_path, make, message):
    out = make(tmp_path)
    code, _, err = finish(lecture(*SCENE, "--out", str(out), cache=tmp_path / "cache"))
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_read_only_folders_are_named(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    with pytest.raises(UserError, match=r"the speech cache .* cannot be written \(read-only\)"):
        usable_folder(tmp_path, "the speech cache")


@pytest.mark.parametrize("value,message", [
    ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ("[" * 100 + "1" + "]" * 100, "nested more than 8 levels deep"),
    ("[[1e308, 1]]", "entries must be <= 1000000, got 1e+308"),
    (str([[1] * 40] * 40), "at most 32 entries along each axis"),
])
def test_absurd_inputs_are_refused(tmp_path, value, message):
    code, out, err = finish(lecture("values", "convolution", "--set", f"input={value}",
                                    cache=tmp_path))
    assert code == 2 and message in err and "Traceback" not in err and out == ""


def test_costly_runs_are_refused_with_what_costs():
    from engine.conv import LESSON as CONV
    from engine.gan import LESSON as GAN
    from engine.params import ParamError

    with pytest.raises(ParamError, match="at most 250000 are allowed"):
        CONV.run({"input": [[[1] * 32] * 32] * 4, "kernel": [[[[1] * 5] * 5] * 4] * 4,
                  "padding": 16})
    with pytest.raises(ParamError, match=r"steps x batch_size x hidden\^2"):
        GAN.run({"steps": 20000, "batch_size": 1024, "hidden": 128})


def test_a_group_is_published_all_at_once(tmp_path):
    for version in ("old", "new"):
        built = {}
        for name in ("a.mp4", "a.srt"):
            path = tmp_path / f"{version}-{name}"
            path.write_text(version)
            built[name] = path
        publish_group(tmp_path, "a", built)
        assert {(tmp_path / n).read_text() for n in ("a.mp4", "a.srt")} == {version}
        current = os.readlink(tmp_path / ".a.current")
        assert all(os.readlink(tmp_path / n).startswith(".a.current/") for n in built)
    generations = [p.name for p in tmp_path.iterdir() if p.name.startswith(".a.gen-")]
    assert generations == [current], "the old generation is removed"
    sweep(tmp_path)  # a sweep never touches published outputs
    assert (tmp_path / "a.mp4").read_text() == "new"


def test_sweep_removes_leftovers_of_dead_processes_only(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = [tmp_path / f".lecture-{dead}-abcd1234", tmp_path / f".x.{dead}.abcd1234.part.wav"]
    stale[0].mkdir()
    stale[1].write_text("half")
    mine = tmp_path / f".lecture-{os.getpid()}-abcd1234"
    mine.mkdir()
    sweep(tmp_path)
    assert not any(p.exists() for p in stale) and mine.exists()


def ffmpeg_children_of(pid):
    result = subprocess.run(["ps", "-eo", "pid,ppid,comm"], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines()[1:]
            if line.split()[1] == str(pid) and "ffmpeg" in line]


@pytest.mark.render
@pytest.mark.parametrize("delay", [1.5, 6.0, 11.0])
def test_sigterm_at_any_moment_leaves_nothing_behind(tmp_path, delay):
    out, cache = tmp_path / "out", tmp_path / "cache"
    process = lecture(*SCENE, "--out", str(out), cache=cache)
    time.sleep(delay)
    process.send_signal(signal.SIGTERM)
    code, _, err = finish(process)
    if code == 0:
        pytest.skip(f"the render finished within {delay} s")
    assert code == 143 and "terminated" in err and "Traceback" not in err, err
    assert not out.exists() or not [p for p in out.iterdir() if ".lecture-" in p.name]
    assert not out.exists() or not (out / "pooling.mp4").exists()
    assert not list(cache.rglob("*.part*")), "no half-written speech left in the cache"


@pytest.mark.render
def test_a_killed_render_is_swept_and_completed_by_the_next_run(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    process = lecture(*SCENE, "--out", str(out), cache=cache)
    time.sleep(6)
    process.kill()
    finish(process)
    time.sleep(0.5)
    assert ffmpeg_children_of(process.pid) == []
    assert not (out / "pooling.mp4").exists()
    code, _, err = finish(lecture(*SCENE, "--out", str(out), cache=cache))
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".lecture-")], names
    assert (out / "pooling.mp4").stat().st_size > 10_000


def test_an_interrupt_during_start_up_is_one_line(tmp_path):
    for delay in (0.05, 0.2, 0.4):
        process = lecture("values", "gan", cache=tmp_path)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        code, _, err = finish(process)
        assert "Traceback" not in err, err
        assert code in (0, 130, -signal.SIGINT), (code, err)
