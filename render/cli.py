"""The `lecture` command: list lessons, print a lesson's numbers, render a narrated scene, build
a course. Heavy modules (NumPy, manim) load only inside the command that needs them, so an
interrupt at any moment ends with one line, never a traceback."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

from engine.errors import ParamError
from render.errors import UserError
from scenes.errors import SceneContractError

DEFAULT_OUT = Path("build")
QUALITIES = ("preview", "low", "medium", "high")
VOICES = ("auto", "edge", "kokoro", "piper", "espeak")
LANGS = ("zh", "en")


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: cleanup runs, then one line."""


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message}; see `{self.prog} --help`")


def _render_options(parser: argparse.ArgumentParser, out_help: str) -> None:
    parser.add_argument("--lang", choices=LANGS, default="zh", help="narration language (zh)")
    parser.add_argument("--quality", choices=QUALITIES, default="low",
                        help="preview: tiny, for tests; low: 480p15; medium: 720p30; "
                        "high: 1080p60 (low)")
    parser.add_argument("--voice", choices=VOICES, default="auto",
                        help="speech: auto tries edge-tts, then the offline voice (kokoro for "
                        "zh, piper for en) (auto)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=out_help)


def _sets(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override a parameter; VALUE is JSON (repeatable)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lecture", description="Narrated, animated deep-learning lessons whose every number "
        "is computed by a NumPy engine.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("list", help="the lessons with their parameters, types, defaults and ranges")

    values = sub.add_parser("values", help="print a lesson's trace (every number it shows) as JSON")
    values.add_argument("lesson")
    _sets(values)

    scene = sub.add_parser("scene", help="render a lesson to a narrated video with subtitles")
    scene.add_argument("lesson")
    _sets(scene)
    _render_options(scene, f"output folder ({DEFAULT_OUT}/)")

    course = sub.add_parser("course", help="build a course of chapters from a manifest")
    course_sub = course.add_subparsers(dest="course_command", required=True, metavar="ACTION")
    build = course_sub.add_parser("build", help="render every chapter and the whole course")
    build.add_argument("manifest", nargs="?", type=Path,
                       help="a course manifest (.toml); default: the deep-learning course")
    _render_options(build, f"output folder ({DEFAULT_OUT}/course)")
    build.add_argument("--jobs", type=int, default=None,
                       help="scenes rendered at once (default: the number of cores)")
    build.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="render on this Dask cluster instead of local processes")
    check = course_sub.add_parser("check", help="validate a manifest without rendering")
    check.add_argument("manifest", type=Path)
    new = course_sub.add_parser("new", help="start a course folder of your own (course.toml, "
                                "scripts/)")
    new.add_argument("folder", type=Path)

    slides = sub.add_parser("slides", help="slides (one per cue) from a lesson or a course")
    slides.add_argument("target", metavar="LESSON|MANIFEST")
    slides.add_argument("--to", choices=("html", "pptx", "pdf"), default="html",
                        help="html: a folder that opens offline; pptx; pdf: a handout (html)")
    slides.add_argument("--narration", choices=("on", "off"), default="on",
                        help="off: silent clips, for speaking live (on)")
    _sets(slides)
    _render_options(slides, f"output folder ({DEFAULT_OUT}/; a course: {DEFAULT_OUT}/course)")

    script = sub.add_parser("script", help="a lesson's narration, to rewrite in your course")
    script_sub = script.add_subparsers(dest="script_command", required=True, metavar="ACTION")
    copy = script_sub.add_parser("copy", help="copy a lesson's narration into a folder")
    copy.add_argument("lesson")
    copy.add_argument("--lang", choices=LANGS, required=True)
    copy.add_argument("--to", type=Path, required=True, metavar="DIR",
                      help="e.g. my-course/scripts/")
    return parser


def run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        from render.listing import print_lessons

        print_lessons()
        return 0
    if args.command == "course" and args.course_command == "new":
        from render.remix import new_course

        manifest = new_course(args.folder)
        print(f"wrote {manifest} and {manifest.parent / 'scripts'}/; next: edit it, then "
              f"`lecture course build {manifest}`", file=sys.stderr)
        return 0
    if args.command == "course":
        from render.course_command import course

        return course(args)
    if args.command == "slides":
        from render.slides_command import slides

        return slides(args, DEFAULT_OUT)
    if args.command == "script":
        from render.remix import copy_script

        target = copy_script(args.lesson, args.lang, args.to)
        print(f"wrote {target}; edit its text (keep the ids and placeholders)", file=sys.stderr)
        return 0
    from render.lessons import get_lesson
    from render.overrides import parse_sets

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


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UserError, ParamError) as error:
        print(f"lecture: error: {error}", file=sys.stderr)
        return 2
    except SceneContractError as error:  # a bug in a scene, not the user's input
        print(f"lecture: internal error: {error}; please report it", file=sys.stderr)
        return 1
    except Terminated:
        print("lecture: terminated; partial work was removed", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("lecture: interrupted; partial work was removed", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line, the traceback only when asked for
        if os.environ.get("LECTURE_DEBUG"):
            raise
        print(f"lecture: internal error: {type(error).__name__}: {error}; please report it "
              "(LECTURE_DEBUG=1 shows where it happened)", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
