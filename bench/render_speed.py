"""Render seconds per second of video, per scene and quality.

    .venv/bin/python -m bench.render_speed [--quality low high] [--runs 3] [--lesson ...]

Each scene is rendered `runs` times per quality with the espeak voice (the speech is cached
after the first run, so the figure is the render itself: manim, then loudness, mux and
subtitles). Prints the median, min and max of render seconds per second of video, and of the
whole command's wall time, as a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from io import StringIO
from pathlib import Path

from rich.console import Console

from render.lessons import LESSONS
from render.pipeline import SceneRequest, render_scene


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quality", nargs="+", default=["low", "high"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lesson", nargs="+",
                        default=[n for n, lesson in LESSONS.items() if lesson.scene])
    args = parser.parse_args()
    quiet = Console(file=StringIO())
    print("| scene | quality | video s | render s/s (median, min-max) | whole command s |")
    print("|---|---|---|---|---|")
    for name in args.lesson:
        for quality in args.quality:
            ratios, totals, length = [], [], 0.0
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory() as out:
                    result = render_scene(SceneRequest(LESSONS[name], quality=quality,
                                                       voice="espeak", out_dir=Path(out)),
                                          console=quiet)
                ratios.append(result.render_seconds / result.duration)
                totals.append(result.total_seconds)
                length = result.duration
            print(f"| {name} | {quality} | {length:.1f} | {statistics.median(ratios):.2f} "
                  f"({min(ratios):.2f}-{max(ratios):.2f}) | {statistics.median(totals):.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
