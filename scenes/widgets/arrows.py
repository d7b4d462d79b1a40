"""Arrows that carry a value: a bound number beside an arrow, and a copy of it travelling along
(a gradient flowing back, an activation flowing forward)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import Arrow, Line, Mobject, MoveAlongPath, VGroup, VMobject
from manim.utils.rate_functions import smooth

from scenes import theme
from scenes.shown import Ref


def _beside(mobject: Mobject, anchor: np.ndarray, normal: np.ndarray, buff: float) -> Mobject:
    """Put `mobject` on the `normal` side of `anchor`, its bounding box `buff` clear of it."""
    reach = abs(normal[0]) * mobject.width / 2 + abs(normal[1]) * mobject.height / 2
    return mobject.move_to(anchor + normal * (reach + buff))


class ValueArrow(VGroup):
    """`arrow` from `start` to `end` and `label`, the bound text `template` with `refs`, beside
    its middle: on the left of the direction of travel (`side=1`; above a rightward arrow) or
    on the right (`side=-1`)."""

    def __init__(self, start: Sequence[float], end: Sequence[float], refs: Ref | Sequence[Ref],
                 template: str = "{}", color: theme.ManimColor = theme.ACCENT,
                 label_color: theme.ManimColor | None = None, side: int = 1,
                 size: float = theme.CELL_TEXT_SIZE, stroke_width: float = 4,
                 buff: float = 0.0, label_buff: float = 0.1) -> None:
        super().__init__()
        refs = [refs] if isinstance(refs, Ref) else list(refs)
        start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
        self.arrow = Arrow(start, end, buff=buff, color=color, stroke_width=stroke_width,
                           max_tip_length_to_length_ratio=0.2, max_stroke_width_to_length_ratio=8)
        direction = (end - start) / np.linalg.norm(end - start)
        self.normal = side * np.array([-direction[1], direction[0], 0.0])
        self.label = theme.bound(template, refs, size, label_color or color).set_z_index(1)
        _beside(self.label, (start + end) / 2, self.normal, label_buff)
        self.add(self.arrow, self.label)

    def path(self) -> Line:
        """The straight way from the arrow's start to the tip's end."""
        return Line(self.arrow.get_start(), self.arrow.get_end())

    def carry(self, text: Mobject | None = None, **kwargs) -> MoveAlongPath:
        """Move a copy of `text` (default: the label) from the start of the arrow to its end."""
        return carry(text if text is not None else self.label, self.path(), **kwargs)


def carry(text: Mobject, path: VMobject, remover: bool = False, run_time: float = 1.0,
          rate_func=smooth) -> MoveAlongPath:
    """An animation that moves a copy of `text` along `path` (a Line, an arrow's path, any curve).

    The copy keeps the original's bound refs; it is `animation.mobject`, and stays where it
    arrives unless `remover`. The original does not move.
    """
    copy = text.copy().set_z_index(max(text.z_index, 1))
    if getattr(copy, "background_rectangle", None) is None:  # readable over the arrow's line
        copy.add_background_rectangle(theme.BACKGROUND, opacity=0.9, buff=0.04)
    copy.move_to(path.get_start())
    return MoveAlongPath(copy, path, remover=remover, run_time=run_time, rate_func=rate_func)
