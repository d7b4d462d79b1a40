"""The lesson registry: one line per lesson.

A lesson with a scene names only its scene class ("module:Class"): the class declares its
engine model (MODEL), its cues and labels, and its scripts are scripts/<name>.<lang>.toml. A
lesson whose numbers are ready but whose scene is not yet names its engine model instead.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cached_property

from engine.lesson import LessonModel
from render.errors import UserError


@dataclass(frozen=True)
class Lesson:
    name: str
    scene: str | None = None  # "module:Class", imported only when needed (manim loads slowly)
    engine: LessonModel | None = None  # for a lesson without a scene yet

    @property
    def script(self) -> str:
        """Its narration is scripts/<script>.<lang>.toml."""
        return self.name

    @cached_property
    def model(self) -> LessonModel:
        """The engine model: the scene class's MODEL (one source), or `engine`."""
        if self.scene is None:
            assert self.engine is not None, f"lesson {self.name} needs a scene or an engine"
            return self.engine
        return self.scene_class().MODEL

    def scene_class(self) -> type:
        if self.scene is None:
            raise UserError(f"lesson {self.name!r} has numbers but no scene yet; "
                            f"try `lecture values {self.name}`")
        module, _, cls = self.scene.partition(":")
        return getattr(importlib.import_module(module), cls)


# In the order of the syllabus: feed-forward and backprop, convolution and pooling, recurrent
# networks, attention, GANs, optimization.
LESSONS: dict[str, Lesson] = {lesson.name: lesson for lesson in (
    Lesson("backprop", "scenes.backprop:BackpropScene"),
    Lesson("convolution", "scenes.convolution:ConvolutionScene"),
    Lesson("pooling", "scenes.pooling:PoolingScene"),
    Lesson("bptt", "scenes.bptt:BPTTScene"),
    Lesson("lstm", "scenes.lstm:LSTMScene"),
    Lesson("attention", "scenes.attention:AttentionScene"),
    Lesson("gan", "scenes.gan:GanScene"),
    Lesson("optim", "scenes.optim:OptimScene"),
)}


def get_lesson(name: str) -> Lesson:
    try:
        return LESSONS[name]
    except KeyError:
        raise UserError(f"unknown lesson {name!r}; known lessons: {', '.join(LESSONS)}") from None
