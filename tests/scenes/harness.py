"""What every registered scene must satisfy, checked while it really renders.

`watch_render` renders a scene (small and at a low frame rate, no movie) and inspects every
frame as manim emits it: the subtitle band stays empty (pixels and geometry), nothing leaves
the frame, and every text on screen that holds a number is bound to the trace (the number
written is the trace's value at its path) or is a caption filled from the script.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from manim import MathTex, Mobject, Text, VMobject, tempconfig

from engine.trace import lookup
from render.lessons import LESSONS, Lesson
from render.manim_run import Quality, manim_config
from render.narration import fill_script, load_script
from scenes import theme
from scenes.layout import layout
from scenes.numbers import FORMATS

NUMBER = re.compile(r"\d+(?:\.\d+)?(?:/\d+)?|∞")
SIZE = Quality(160, 90, 3)  # small and slow: the checks run on every frame


def scene_lessons() -> list[Lesson]:
    return [lesson for lesson in LESSONS.values() if lesson.scene is not None]


def cases() -> list[tuple[str, dict]]:
    """(lesson, parameters) for every registered scene: its defaults and its EXAMPLES."""
    out = []
    for lesson in scene_lessons():
        out.append((lesson.name, {}))
        out += [(lesson.name, dict(example)) for example in lesson.scene_class().EXAMPLES]
    return out


@dataclass
class Watch:
    """What the checks found; a test asserts each list is empty."""

    frames: int = 0
    band_pixels: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    first_frame: np.ndarray | None = None
    last_frame: np.ndarray | None = None
    seen: set[int] = field(default_factory=set)


def expected_text(value: Any, style: str) -> str:
    if value is None:  # JSON has no infinity: -inf padding is null in the trace
        return "-∞"
    return FORMATS[style](float(value))


def check_text(mob: Mobject, values: dict, labels: dict[str, str]) -> list[str]:
    """Problems with one Text or MathTex: unbound digits, refs that disagree with the trace."""
    problems = []
    is_text = isinstance(mob, Text)
    shown = mob.original_text if is_text else "".join(mob.tex_strings)
    refs = getattr(mob, "bound", ())
    for ref in refs:
        try:
            value = lookup(values, ref.path)
        except KeyError as error:
            problems.append(f"{shown!r}: {error.args[0]}")
            continue
        if ref.text.strip("()") != expected_text(value, ref.style):
            problems.append(f"{shown!r} shows {ref.text} for {ref.path}, the trace has {value}")
    if is_text:
        written = NUMBER.findall(shown)
        if hasattr(mob, "tick"):
            pass  # a position on an axis the scene drew, not a lesson number
        elif hasattr(mob, "label"):
            if shown != labels.get(mob.label):
                problems.append(f"label {mob.label!r} shows {shown!r}, the script says "
                                f"{labels.get(mob.label)!r}")
        elif written != [n for ref in refs for n in NUMBER.findall(ref.text)]:
            problems.append(f"{shown!r} shows numbers {written} not bound to the trace "
                            f"(bound: {[ref.path for ref in refs]})")
    else:
        problems += [f"formula {shown!r} lacks {ref.text} ({ref.path})" for ref in refs
                     if ref.text.strip("()") not in shown]
    return problems


def visible_leaves(mobjects: list[Mobject]) -> list[VMobject]:
    leaves = []
    for mob in mobjects:
        for part in mob.get_family():
            if not isinstance(part, VMobject) or part.submobjects or not part.has_points():
                continue
            stroke = part.get_stroke_opacity() if part.get_stroke_width() > 0 else 0
            if part.get_fill_opacity() > 0.02 or stroke > 0.02:
                leaves.append(part)
    return leaves


def watch_render(lesson: Lesson, overrides: dict, lang: str = "zh",
                 durations: dict[str, float] | None = None, quality: Quality = SIZE,
                 media_dir: Any = None) -> tuple[Any, Watch]:
    """Render the lesson's scene silently, checking every frame; return (scene, findings)."""
    trace = lesson.model.run(overrides)
    labels, _ = fill_script(load_script(lesson.script, lang), trace.to_dict())
    return watch_scene(lesson.scene_class(), trace, labels, durations, quality, media_dir)


def watch_scene(scene_class: type, trace: Any, labels: dict[str, str],
                durations: dict[str, float] | None = None, quality: Quality = SIZE,
                media_dir: Any = None) -> tuple[Any, Watch]:
    """Render any NarratedScene silently, checking every frame; return (scene, findings)."""
    media_dir = media_dir if media_dir is not None else tempfile.mkdtemp(prefix="lecture-test-")
    values = trace.to_dict()
    found = Watch()
    with tempconfig(manim_config(quality, media_dir, write_to_movie=False)):
        regions = layout()
        band_top = regions.band.top
        frame = regions.frame
        band_rows = int(np.ceil(quality.height * (1 - 0.13))) + 1
        background = np.array(theme.BACKGROUND.to_int_rgb())
        scene = scene_class(trace=trace, labels=labels, durations=durations)
        original = scene.renderer.add_frame

        def inspect(pixels: np.ndarray, num_frames: int = 1) -> None:
            at = f"{scene.renderer.time:.1f}s"
            rgb = np.asarray(pixels)[..., :3].astype(int)
            if found.first_frame is None:
                found.first_frame = rgb.copy()
            found.last_frame = rgb
            found.frames += 1
            band = np.abs(rgb[band_rows:] - background).max()
            if band > 24 and len(found.band_pixels) < 5:
                found.band_pixels.append(f"{at}: pixels in the subtitle band differ by {band}")
            for leaf in visible_leaves(scene.mobjects):
                low, high = leaf.get_bottom()[1], leaf.get_top()[1]
                left, right = leaf.get_left()[0], leaf.get_right()[0]
                if (low < band_top - 1e-3 or high > frame.top + 1e-3 or left < frame.left - 1e-3
                        or right > frame.right + 1e-3) and len(found.outside) < 5:
                    owner = next((m for m in scene.mobjects if leaf in m.get_family()), leaf)
                    found.outside.append(f"{at}: {type(owner).__name__} reaches y={low:.2f} "
                                         f"(band top {band_top:.2f}), x {left:.2f}..{right:.2f}")
            for mob in scene.mobjects:
                for part in mob.get_family():
                    if id(part) in found.seen or not isinstance(part, (Text, MathTex)):
                        continue
                    found.seen.add(id(part))
                    found.numbers += [f"{at}: {p}" for p in check_text(part, values, labels)]
            original(pixels, num_frames)

        scene.renderer.add_frame = inspect
        scene.render()
        # The state after the last animation finished (manim emits no frame for it when the
        # cue has no time left to wait out).
        scene.renderer.update_frame(scene)
        found.last_frame = np.asarray(scene.renderer.get_frame())[..., :3].astype(int)
    return scene, found
