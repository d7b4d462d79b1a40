"""Joining rendered parts by stream copy (no re-encode): chapters from title cards and scenes,
the course from chapters with one MP4 chapter marker each, and their merged subtitles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from render.errors import UserError
from render.media import ffmpeg, probe, run_tool
from render.subtitles import Subtitle


@dataclass(frozen=True)
class Part:
    video: Path  # an MP4 with the build's shared codec settings
    seconds: float  # its container duration (what the concat demuxer advances by)
    subtitles: tuple[Subtitle, ...]  # times relative to the part's start
    title: str = ""  # for a chapter marker


def duration(video: Path) -> float:
    """A video's container duration (ffprobe: about 60 ms, so parts record theirs once)."""
    return float(probe(video)["format"]["duration"])


def _quoted(path: Path) -> str:
    """A path in ffmpeg's concat list syntax (single quotes, ' written as '\\'')."""
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def join(parts: Sequence[Part], out: Path, work: Path, chapters: bool = False) -> list[Subtitle]:
    """Concatenate the parts' videos into `out` by stream copy, with one chapter marker per
    part if `chapters`; return the parts' subtitles shifted onto the joined timeline."""
    listing = work / f"{out.stem}.concat.txt"
    listing.write_text("".join(f"file {_quoted(p.video)}\n" for p in parts), encoding="utf-8")
    offsets, clock = [], 0.0
    for part in parts:
        offsets.append(clock)
        clock += part.seconds
    command = [ffmpeg(), "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i",
               str(listing)]
    if chapters:
        metadata = work / f"{out.stem}.chapters.txt"
        metadata.write_text(_chapter_metadata(parts, offsets, clock), encoding="utf-8")
        command += ["-i", str(metadata), "-map", "0", "-map_metadata", "1", "-map_chapters", "1"]
    command += ["-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(out)]
    result = run_tool(command)
    if result.returncode != 0:
        raise UserError(f"ffmpeg could not join {len(parts)} parts into {out.name}: "
                        f"{result.stderr.strip()[-300:]}")
    return [Subtitle(s.start + offset, s.end + offset, s.text)
            for part, offset in zip(parts, offsets, strict=True) for s in part.subtitles]


def _chapter_metadata(parts: Sequence[Part], offsets: Sequence[float], total: float) -> str:
    def escape(text: str) -> str:
        return "".join("\\" + ch if ch in "=;#\\\n" else ch for ch in text)

    lines = [";FFMETADATA1"]
    ends = [*offsets[1:], total]
    for part, start, end in zip(parts, offsets, ends, strict=True):
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(start * 1000)}",
                  f"END={round(end * 1000)}", f"title={escape(part.title)}"]
    return "\n".join(lines) + "\n"
