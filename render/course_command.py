"""`lecture course build|check`: the command line of a course build."""

from __future__ import annotations

import argparse
import os

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from render.errors import UserError
from render.files import write_text_atomic
from render.fingerprint import fingerprint, unchanged
from render.tts.voice_files import voices_dir


def course(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    # Heavy modules (NumPy, manim) load only past the up-to-date check.
    from render.manifest import DEFAULT_COURSE
    if args.course_command == "check":
        from render.course import check_course
        from render.manifest import load_course

        loaded = load_course(args.manifest)
        scenes = check_course(loaded)
        console.print(f"[green]ok[/] {args.manifest}: {len(loaded.chapters)} chapters, "
                      f"{scenes} scenes; parameters and narration (zh, en) check out")
        return 0
    manifest = args.manifest or DEFAULT_COURSE
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        raise UserError(f"--jobs must be from 1 to 64, got {args.jobs}")
    out = args.out if args.out != _default_out() else args.out / "course"
    if manifest.is_file():
        mark = fingerprint(manifest, {"lang": args.lang, "quality": args.quality,
                                      "voice": args.voice}, voices_dir())
        if unchanged(out, mark):
            console.print(f"[green]up to date[/] {out}: nothing changed since the last build")
            return 0
    from render.course import BuildOptions, build_course
    from render.manifest import load_course

    loaded = load_course(manifest)
    options = BuildOptions(lang=args.lang, quality=args.quality, voice=args.voice, out=out,
                           jobs=args.jobs or os.cpu_count() or 1, scheduler=args.scheduler)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        result = build_course(loaded, options, progress, console)
    write_text_atomic(out / ".course.fingerprint", mark)
    console.print(f"[green]built[/] {out}: {len(loaded.chapters)} chapters, course.mp4, "
                  f"index.html; {result.rendered} scenes rendered, {result.cached} cached"
                  f"{'' if result.joined else ', nothing changed'} in {result.seconds:.1f} s")
    return 0


def _default_out():
    from render.cli import DEFAULT_OUT

    return DEFAULT_OUT
