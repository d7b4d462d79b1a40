"""`lecture slides LESSON|MANIFEST --to html|pptx|pdf`: decks from the same renders."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from render.course import BuildOptions
from render.lessons import get_lesson
from render.manifest import load_course
from render.overrides import parse_sets
from render.slides import build_decks, lesson_course


def slides(args: argparse.Namespace, default_out: Path) -> int:
    console = Console(stderr=True, soft_wrap=True)
    target = args.target
    is_manifest = target.endswith(".toml") or Path(target).is_file()
    if is_manifest:
        if args.sets:
            raise_sets_with_manifest()
        course = load_course(Path(target))
        out = args.out if args.out != default_out else default_out / "course"
    else:
        get_lesson(target).scene_class()  # unknown lesson, or no scene: one line, exit 2
        course = lesson_course(target, parse_sets(args.sets))
        out = args.out
    options = BuildOptions(lang=args.lang, quality=args.quality, voice=args.voice, out=out,
                           jobs=os.cpu_count() or 1)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        written = build_decks(course, options, [args.to], args.narration == "on", out, progress,
                              console, title_cards=is_manifest, whole=is_manifest)
    names = ", ".join(str(path) for path in written)
    console.print(f"[green]wrote[/] {names}")
    return 0


def raise_sets_with_manifest() -> None:
    from render.errors import UserError

    raise UserError("--set applies to a lesson; for a course, set parameters in the manifest "
                    "(set = { ... } under [[chapters.scenes]])")
