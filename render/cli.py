"""The `lecture` command: list lessons, print a lesson's numbers, render a narrated scene."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import NoReturn

from engine.params import ParamError
from render.errors import UserError
from render.lessons import LESSONS, get_lesson
from render.overrides import parse_sets
from scenes.errors import SceneContractError

DEFAULT_OUT = Path("build")
QUALITIES = ("preview", "low", "medium", "high")
VOICES = ("auto", "edge", "kokoro", "piper", "espeak")
LANGS = ("zh", "en")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message}; see `{self.prog} --help`")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lecture", description="Narrated, animated deep-learning lessons whose every number "
        "is computed by a NumPy engine.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="the lessons with their parameters, types, defaults and ranges")

    values = sub.add_parser("values", help="print a lesson's trace (every number it shows) as JSON")
    values.add_argument("lesson")
    values.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override a parameter; VALUE is JSON (repeatable)")

    scene = sub.add_parser("scene", help="render a lesson to a narrated video with subtitles")
    scene.add_argument("lesson")
    scene.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter; VALUE is JSON (repeatable)")
    scene.add_argument("--lang", choices=LANGS, default="zh", help="narration language (zh)")
    scene.add_argument("--quality", choices=QUALITIES, default="low",
                       help="preview: tiny, for tests; low: 480p15; medium: 720p30; "
                       "high: 1080p60 (low)")
    scene.add_argument("--voice", choices=VOICES, default="auto",
                       help="speech: auto tries edge-tts, then the offline voice (kokoro for zh, "
                       "piper for en) (auto)")
    scene.add_argument("--out", type=Path, default=DEFAULT_OUT,
                       help=f"output folder ({DEFAULT_OUT}/)")
    return parser


def _list() -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=200)
    for lesson in LESSONS.values():
        table = Table(title=f"{lesson.name}: {lesson.model.summary}", title_justify="left")
        for column in ("parameter", "type", "default", "allowed", "meaning"):
            table.add_column(column)
        for param in lesson.model.params:
            cells = (param.name, param.type_name(), _short(param.default), param.allowed(),
                     param.help)
            table.add_row(*(escape(cell) for cell in cells))  # "list[str]" is not markup
        console.print(table)


def _short(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 24 else text[:21] + "..."


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        _list()
        return 0
    lesson = get_lesson(args.lesson)
    overrides = parse_sets(args.sets)
    if args.command == "values":
        trace = lesson.model.run(overrides)
        sys.stdout.write(trace.to_json() + "\n")
        return 0
    from render.pipeline import SceneRequest, render_scene

    request = SceneRequest(lesson=lesson, overrides=overrides, lang=args.lang,
                           quality=args.quality, voice=args.voice, out_dir=args.out)
    render_scene(request)
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UserError, ParamError) as error:
        print(f"lecture: error: {error}", file=sys.stderr)
        return 2
    except SceneContractError as error:  # a bug in a scene, not the user's input
        print(f"lecture: internal error: {error}; please report it", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lecture: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
