"""Named screen regions computed from the frame, and the subtitle band no scene draws into.

Players draw sidecar subtitles over the bottom of the picture, so the lowest 13% of the frame is
the subtitle band: nothing drawn ever enters it. Above it, top to bottom: the title, the body
(where lessons put their panels) and the footer (a formula or a one-line result). Scenes place
mobjects by region, never by bare coordinates, so every lesson keeps the band free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import Mobject, config

SUBTITLE_BAND = 0.13  # of the frame height
TITLE_HEIGHT = 0.85  # scene units (the frame is 8 tall)
FOOTER_HEIGHT = 0.8
MARGIN = 0.3


@dataclass(frozen=True)
class Region:
    name: str
    left: float
    right: float
    bottom: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2, 0.0])

    def point(self, x: float = 0.5, y: float = 0.5) -> np.ndarray:
        """A point by fractions of the region: (0, 0) bottom left, (1, 1) top right."""
        return np.array([self.left + x * self.width, self.bottom + y * self.height, 0.0])

    def fit(self, mobject: Mobject, buff: float = 0.0, x: float = 0.5, y: float = 0.5,
            grow: bool = False) -> Mobject:
        """Scale `mobject` down (or up, with grow) to fit inside, then center it at (x, y)."""
        room_w, room_h = self.width - 2 * buff, self.height - 2 * buff
        if mobject.width > 0 and mobject.height > 0:
            scale = min(room_w / mobject.width, room_h / mobject.height)
            if scale < 1 or grow:
                mobject.scale(scale)
        mobject.move_to(self.point(x, y))
        return self.clamp(mobject, buff)

    def clamp(self, mobject: Mobject, buff: float = 0.0) -> Mobject:
        """Shift `mobject` the least distance that brings it inside (if it is small enough)."""
        dx = max(0.0, self.left + buff - mobject.get_left()[0]) - max(
            0.0, mobject.get_right()[0] - (self.right - buff))
        dy = max(0.0, self.bottom + buff - mobject.get_bottom()[1]) - max(
            0.0, mobject.get_top()[1] - (self.top - buff))
        return mobject.shift([dx, dy, 0.0])

    def contains(self, mobject: Mobject, tolerance: float = 1e-6) -> bool:
        return (mobject.get_left()[0] >= self.left - tolerance
                and mobject.get_right()[0] <= self.right + tolerance
                and mobject.get_bottom()[1] >= self.bottom - tolerance
                and mobject.get_top()[1] <= self.top + tolerance)

    def columns(self, *weights: float, gap: float = 0.3) -> list[Region]:
        """Side-by-side regions whose widths follow `weights`, `gap` apart."""
        room = self.width - gap * (len(weights) - 1)
        total = sum(weights)
        regions, x = [], self.left
        for index, weight in enumerate(weights):
            w = room * weight / total
            regions.append(Region(f"{self.name}.{index}", x, x + w, self.bottom, self.top))
            x += w + gap
        return regions

    def rows(self, *weights: float, gap: float = 0.2) -> list[Region]:
        """Stacked regions, top first, whose heights follow `weights`."""
        room = self.height - gap * (len(weights) - 1)
        total = sum(weights)
        regions, y = [], self.top
        for index, weight in enumerate(weights):
            h = room * weight / total
            regions.append(Region(f"{self.name}.{index}", self.left, self.right, y - h, y))
            y -= h + gap
        return regions


@dataclass(frozen=True)
class Layout:
    frame: Region
    band: Region  # the subtitle band: never drawn into
    title: Region
    body: Region
    footer: Region

    @property
    def safe(self) -> Region:
        """Everything above the subtitle band (title, body and footer together)."""
        return Region("safe", self.frame.left, self.frame.right, self.band.top, self.frame.top)


def layout() -> Layout:
    """The regions of the current frame (manim's config sets its size)."""
    w, h = config.frame_width, config.frame_height
    frame = Region("frame", -w / 2, w / 2, -h / 2, h / 2)
    band_top = frame.bottom + SUBTITLE_BAND * h
    inner_l, inner_r = frame.left + MARGIN, frame.right - MARGIN
    title = Region("title", inner_l, inner_r, frame.top - TITLE_HEIGHT, frame.top - 0.1)
    footer = Region("footer", inner_l, inner_r, band_top + 0.1, band_top + 0.1 + FOOTER_HEIGHT)
    body = Region("body", inner_l, inner_r, footer.top + 0.1, title.bottom - 0.1)
    return Layout(frame, Region("band", frame.left, frame.right, frame.bottom, band_top),
                  title, body, footer)
