"""Subtitles timed from the cues: lines broken at phrase boundaries, shown long enough to read,
written as SRT and WebVTT."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_WIDTH = 20.0  # in Chinese characters; a Latin character counts 20/42 of one
LATIN_WIDTH = 20 / 42
MIN_SECONDS = 1.2  # a subtitle shorter than this flickers past unread
MAX_LINES = 2  # lines per subtitle when short ones are merged
# A phrase ends after a punctuation mark (Latin marks only when a space follows).
PHRASE_END = re.compile(r"(?<=[，。；：！？、])|(?<=[,;:!?.])(?=\s)")
# Places inside a long Chinese phrase where a break does not split a word: around spaces and
# Latin/number runs, or after common function characters.
SOFT_BREAK_AFTER = set("的了和与在是就再并而或把被从向到")
# English words that start a phrase: breaking before them keeps phrases whole.
PHRASE_START = set("and but or so because which that where when while with without to of in "
                   "on at by for from as than then into onto over under after before if "
                   "whose who".split())
BINDS_FORWARD = {"a", "an", "the", "its", "their", "this", "these", "each", "every"}


@dataclass(frozen=True)
class Subtitle:
    start: float
    end: float
    text: str  # one line, or lines joined by "\n"


def width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else LATIN_WIDTH for ch in text)


def _break_candidates(phrase: str) -> list[tuple[int, int]]:
    """(priority, index) of the places a too-long phrase may be cut, best first by priority."""
    candidates = []
    for index in range(1, len(phrase)):
        before, ch = phrase[index - 1], phrase[index]
        if ch == " ":  # English: between words; best before a phrase-starting word
            word = phrase[index + 1:].split(" ", 1)[0].lower().strip(",.;:")
            last = phrase[:index].rsplit(" ", 1)[-1].lower()
            priority = 0 if last in BINDS_FORWARD else 3 if word in PHRASE_START else 1
            candidates.append((priority, index))
        elif before == " " or (unicodedata.east_asian_width(before) in "WF") != (
                unicodedata.east_asian_width(ch) in "WF"):
            candidates.append((2, index))  # around a Latin/number run inside Chinese
        elif before in SOFT_BREAK_AFTER:
            candidates.append((2, index))
    return candidates


def _cut_score(phrase: str, priority: int, index: int) -> tuple[int, float]:
    """Higher is better: priority first; then, when the rest fits on one more line, balance
    between the two lines; else the fullest first line."""
    left, right = width(phrase[:index]), width(phrase[index:])
    if right <= MAX_WIDTH:
        return priority, -abs(left - right)
    return priority, left - 2 * MAX_WIDTH  # ranks below any balanced cut


def _split_long(phrase: str) -> list[str]:
    """Cut one phrase wider than a line at the best places that are not inside a word.

    Among the places that fit, the highest priority wins (before "and", "which"... in English;
    around numbers or after 的/了... in Chinese), as long as the line it leaves is at least a
    third full; ties go to the cut that balances two lines, or to the fullest line.
    """
    pieces: list[str] = []
    rest = phrase
    while width(rest) > MAX_WIDTH:
        fits = [(p, i) for p, i in _break_candidates(rest) if width(rest[:i]) <= MAX_WIDTH]
        fits = [(p, i) for p, i in fits if width(rest[:i]) >= MAX_WIDTH / 3] or fits
        if fits:
            cut = max(fits, key=lambda c: _cut_score(rest, *c))[1]
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


def cue_subtitles(text: str, start: float, duration: float,
                  end: float | None = None) -> list[Subtitle]:
    """The cue's lines over its spoken time, each in proportion to its width.

    A line that would be up for less than MIN_SECONDS joins a neighbour as a second line; the
    last subtitle may stay up past the speech, until `end` (when the cue's picture ends).
    """
    lines = break_lines(text)
    total = sum(width(line) for line in lines) or 1.0
    blocks: list[list[str]] = [[line] for line in lines]
    spans = [duration * width(line) / total for line in lines]
    while len(blocks) > 1:
        short = [i for i, s in enumerate(spans) if s < MIN_SECONDS]
        merges = [(spans[i] + spans[j], i, j) for k in short
                  for i, j in ((k - 1, k), (k, k + 1)) if 0 <= i and j < len(blocks)
                  and len(blocks[i]) + len(blocks[j]) <= MAX_LINES]
        if not merges:
            break
        _, i, j = min(merges)
        blocks[i:j + 1] = [blocks[i] + blocks[j]]
        spans[i:j + 1] = [spans[i] + spans[j]]
    limit = max(end if end is not None else start + duration, start + duration)
    subtitles, clock = [], start
    for index, (block, span) in enumerate(zip(blocks, spans, strict=True)):
        stop = clock + span
        if index == len(blocks) - 1:
            stop = min(max(stop, clock + MIN_SECONDS), limit)
        subtitles.append(Subtitle(clock, stop, "\n".join(block)))
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
