"""Course build figures for the README.

    .venv/bin/python -m bench.course_speed [--high] [--runs 5]

Uses the espeak voice (speech is cached after the first build, so the figures are rendering and
joining). Measures, each on fresh output folders under a temporary directory:

1. a full build of the default course at low quality, --jobs 2;
2. a no-op rebuild, against `lecture --help` (the cost of starting the command);
3. one narration line changed (a course scripts folder with one cue edited): only that scene
   re-renders, then the joins;
4. the chapter and course joins against `ffmpeg -f concat -c copy` on the same files;
5. two scenes of equal length (max and average pooling) with --jobs 1 and --jobs 2;
6. with --high: the default course at 1080p60, --jobs 2, wall seconds per second of video, and
   the peak memory of a render worker.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from rich.console import Console

from render.course import BuildOptions, BuildResult, build_course
from render.files import work_folder
from render.manifest import DEFAULT_COURSE, load_course
from render.media import ffmpeg
from render.pipeline import progress_bars
from render.stitch import Part, duration, join

QUIET = Console(file=StringIO())
TWO_POOLINGS = """\
title = { zh = "池化", en = "Pooling" }
[[chapters]]
id = "pooling"
title = { zh = "池化", en = "Pooling" }
[[chapters.scenes]]
lesson = "pooling"
[[chapters.scenes]]
lesson = "pooling"
set = { mode = "avg" }
"""


def build(manifest: Path, out: Path, quality: str = "low", jobs: int = 2) -> BuildResult:
    options = BuildOptions(quality=quality, voice="espeak", out=out, jobs=jobs)
    with progress_bars(QUIET) as progress:
        return build_course(load_course(manifest), options, progress, QUIET)


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def video_seconds(out: Path) -> float:
    return duration(out / "course.mp4")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--high", action="store_true", help="also the 1080p60 course build")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    lecture = [sys.executable, "-m", "render.cli"]
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        course = root / "course"
        course.mkdir()
        manifest = course / "course.toml"
        shutil.copyfile(DEFAULT_COURSE, manifest)

        full = build(manifest, root / "out")
        length = video_seconds(root / "out")
        print(f"full build, low quality, --jobs 2: {full.seconds:.1f} s for {length:.1f} s of "
              f"video ({full.rendered} jobs rendered)")

        command = [*lecture, "course", "build", str(manifest), "--voice", "espeak", "--out",
                   str(root / "out")]
        subprocess.run(command, capture_output=True, check=True)  # records the fingerprint
        noop, start = timed(command, args.runs), timed([*lecture, "--help"], args.runs)
        print(f"no-op rebuild: {noop:.2f} s; `lecture --help`: {start:.2f} s; "
              f"above start-up: {noop - start:.2f} s (median of {args.runs})")

        scripts = course / "scripts"
        scripts.mkdir()
        text = Path("scripts/convolution.zh.toml").read_text(encoding="utf-8")
        edited = text.replace("我们来看卷积是怎样计算的。", "我们来看看卷积怎样计算。", 1)
        (scripts / "convolution.zh.toml").write_text(edited, encoding="utf-8")
        one = build(manifest, root / "out")
        print(f"one narration line changed: {one.seconds:.1f} s ({one.rendered} scene "
              f"rendered, {one.cached} cached) against {full.seconds:.1f} s for the full build")

        parts = [Part(p / "scene.mp4", json.loads((p / "done.json").read_text())["seconds"], ())
                 for p in sorted((root / "out" / "scenes").iterdir())
                 if (p / "done.json").exists()]
        ours, theirs = [], []
        with work_folder(root) as work:
            listing = work / "list.txt"
            listing.write_text("".join(f"file '{p.video}'\n" for p in parts))
            for _ in range(args.runs):
                began = time.perf_counter()
                join(parts, work / "ours.mp4", work, chapters=True)
                ours.append(time.perf_counter() - began)
                began = time.perf_counter()
                subprocess.run([ffmpeg(), "-loglevel", "error", "-y", "-f", "concat", "-safe",
                                "0", "-i", str(listing), "-c", "copy", str(work / "ff.mp4")],
                               check=True)
                theirs.append(time.perf_counter() - began)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"join of {len(parts)} parts: {a:.2f} s; ffmpeg concat -c copy: {b:.2f} s; "
              f"ratio {a / b:.2f} (median of {args.runs})")

        pair = root / "pair.toml"
        pair.write_text(TWO_POOLINGS, encoding="utf-8")
        one_job = build(pair, root / "pair1", jobs=1)
        two_jobs = build(pair, root / "pair2", jobs=2)
        print(f"two scenes, --jobs 1: {one_job.seconds:.1f} s; --jobs 2: {two_jobs.seconds:.1f} "
              f"s; speed-up {one_job.seconds / two_jobs.seconds:.2f}x")

        if args.high:
            high = build(manifest, root / "high", quality="high", jobs=2)
            length = video_seconds(root / "high")
            print(f"default course at 1080p60, --jobs 2: {high.seconds:.1f} s for {length:.1f} "
                  f"s of video = {high.seconds / length:.2f} s per second of video; peak "
                  f"memory of a render worker {high.peak_memory_mb:.0f} MB")


if __name__ == "__main__":
    main()
