"""Subtitles timed from the cues: lines broken at punctuation, SRT and WebVTT."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WIDTH = 20.0  # in Chinese characters; a Latin character counts 20/42 of one
LATIN_WIDTH = 20 / 42
# A phrase ends after a punctuation mark (Latin marks only when a space follows).
PHRASE_END = re.compile(r"(?<=[，。；：！？、])|(?<=[,;:!?.])(?=\s)")
# Places inside a long Chinese phrase where a break does not split a word: around spaces and
# Latin/number runs, or after common function characters.
SOFT_BREAK_AFTER = set("的了和与在是就再并而或把被从向到")


@dataclass(frozen=True)
class Subtitle:
    start: float
    end: float
    text: str


def width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else LATIN_WIDTH for ch in text)


def _split_long(phrase: str) -> list[str]:
    """Cut one phrase wider than a line at the best places that are not inside a word."""
    pieces: list[str] = []
    rest = phrase
    while width(rest) > MAX_WIDTH:
        candidates = []
        taken = 0.0
        for index, ch in enumerate(rest[:-1]):
            taken += width(ch)
            if taken > MAX_WIDTH:
                break
            nxt = rest[index + 1]
            if ch == " " or nxt == " ":
                candidates.append((2, index + 1))
            elif ch in SOFT_BREAK_AFTER:
                candidates.append((1, index + 1))
        if candidates:
            cut = max(candidates, key=lambda c: (c[0], c[1]))[1]
        else:  # no safe place at all: cut at the width limit
            cut, taken = 0, 0.0
            while taken + width(rest[cut]) <= MAX_WIDTH:
                taken += width(rest[cut])
                cut += 1
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return pieces + ([rest] if rest else [])


def break_lines(text: str) -> list[str]:
    """Pack phrases into lines no wider than MAX_WIDTH, breaking only between phrases
    (or, for a phrase too long on its own, between words)."""
    phrases = [p.strip() for p in PHRASE_END.split(text) if p.strip()]
    lines: list[str] = []
    for phrase in phrases:
        for piece in _split_long(phrase) if width(phrase) > MAX_WIDTH else [phrase]:
            joiner = "" if lines and _is_cjk_end(lines[-1]) else " "
            if lines and width(lines[-1] + joiner + piece) <= MAX_WIDTH:
                lines[-1] = lines[-1] + joiner + piece
            else:
                lines.append(piece)
    return lines


def _is_cjk_end(line: str) -> bool:
    return bool(line) and unicodedata.east_asian_width(line[-1]) in "WF"


def cue_subtitles(text: str, start: float, duration: float) -> list[Subtitle]:
    """One subtitle per line, the cue's spoken time shared in proportion to line width."""
    lines = break_lines(text)
    total = sum(width(line) for line in lines) or 1.0
    subtitles, clock = [], start
    for line in lines:
        span = duration * width(line) / total
        subtitles.append(Subtitle(clock, clock + span, line))
        clock += span
    return subtitles


def _stamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(subtitles: list[Subtitle]) -> str:
    blocks = [f"{n}\n{_stamp(s.start, ',')} --> {_stamp(s.end, ',')}\n{s.text}\n"
              for n, s in enumerate(subtitles, 1)]
    return "\n".join(blocks)


def to_vtt(subtitles: list[Subtitle]) -> str:
    blocks = [f"{_stamp(s.start, '.')} --> {_stamp(s.end, '.')}\n{s.text}\n" for s in subtitles]
    return "WEBVTT\n\n" + "\n".join(blocks)
