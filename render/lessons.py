"""The lesson registry: one line per lesson ties its engine model, scene and script together."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from engine import attention, conv, gan, lstm, mlp, optim, pool, rnn
from engine.lesson import LessonModel
from render.errors import UserError


@dataclass(frozen=True)
class Lesson:
    name: str
    model: LessonModel
    scene: str | None = None  # "module:Class", imported only when rendering (manim is slow to load)
    script: str | None = None  # scripts/<script>.<lang>.toml

    def scene_class(self) -> type:
        if self.scene is None:
            raise UserError(f"lesson {self.name!r} has numbers but no scene yet; "
                            f"try `lecture values {self.name}`")
        module, _, cls = self.scene.partition(":")
        return getattr(importlib.import_module(module), cls)


# In the order of the syllabus: feed-forward and backprop, convolution and pooling, recurrent
# networks, attention, GANs, optimization.
LESSONS: dict[str, Lesson] = {lesson.name: lesson for lesson in (
    Lesson("backprop", mlp.LESSON),
    Lesson("convolution", conv.LESSON, "scenes.convolution:ConvolutionScene", "convolution"),
    Lesson("pooling", pool.LESSON, "scenes.pooling:PoolingScene", "pooling"),
    Lesson("bptt", rnn.LESSON),
    Lesson("lstm", lstm.LESSON),
    Lesson("attention", attention.LESSON),
    Lesson("gan", gan.LESSON),
    Lesson("optim", optim.LESSON),
)}


def get_lesson(name: str) -> Lesson:
    try:
        return LESSONS[name]
    except KeyError:
        raise UserError(f"unknown lesson {name!r}; known lessons: {', '.join(LESSONS)}") from None
