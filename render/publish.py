"""Stage 4, publish: the narration track at the recorded cue times, normalized loudness, the
AAC mux, SRT and WebVTT subtitles and the cue sheet, all built in a work folder; the caller
moves them into place together (`files.publish_group`, or a course job's folder)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from render.audio import narration_track, normalize
from render.manim_run import Rendered
from render.media import mux
from render.subtitles import Subtitle, cue_subtitles, to_srt, to_vtt

if TYPE_CHECKING:  # types only: the stage itself does not depend on them (see jobs.py)
    from render.narrate import Narration
    from render.prepare import PreparedScene

EXTENSIONS = ("mp4", "srt", "vtt", "cues.json")


def publish(scene: PreparedScene, narration: Narration, rendered: Rendered, work: Path,
            stem: str) -> dict[str, Path]:
    """Build `stem.mp4`, `.srt`, `.vtt` and `.cues.json` in `work`; return {name: path}."""
    speech = [(s.path, s.duration) if s else None for s in narration.speeches]
    sheet = {"lesson": scene.lesson.name, "lang": scene.lang, "parameters": scene.overrides,
             "backend": narration.backend, "voice": narration.voice}
    return build_outputs([cue.text for cue in scene.cues], speech, rendered, work, stem, sheet)


def publish_job(job: Any, rendered: Rendered, work: Path) -> dict[str, Path]:
    """The same for a course job (render.jobs.Job), as `scene.*` in `work`."""
    speech = [part and (part[1], part[2]) for part in job.speech]
    sheet = {"lesson": job.lesson, "lang": job.lang, "parameters": dict(job.parameters)}
    return build_outputs(list(job.cue_texts), speech, rendered, work, "scene", sheet)


def build_outputs(texts: Sequence[str], speech: Sequence[tuple[Path, float] | None],
                  rendered: Rendered, work: Path, stem: str,
                  sheet: dict[str, Any]) -> dict[str, Path]:
    """One cue per text: its speech (None: silent) placed where the cue really started."""
    timeline = rendered.timeline
    placed = [(slot.start, part[0]) for slot, part in zip(timeline, speech, strict=True) if part]
    raw, loud = work / "narration.wav", work / "loud.wav"
    narration_track(placed, rendered.duration, raw)
    normalize(raw, loud)
    built = {f"{stem}.{ext}": work / f"{stem}.{ext}" for ext in EXTENSIONS}
    mux(rendered.movie, loud, built[f"{stem}.mp4"])
    lines: list[Subtitle] = []
    for text, part, slot in zip(texts, speech, timeline, strict=True):
        if part and text:
            lines += cue_subtitles(text, slot.start, part[1], slot.end)
    built[f"{stem}.srt"].write_text(to_srt(lines), encoding="utf-8")
    built[f"{stem}.vtt"].write_text(to_vtt(lines), encoding="utf-8")
    cues = [{"id": slot.id, "start": round(slot.start, 3), "end": round(slot.end, 3),
             "speech_seconds": round(part[1], 3) if part else 0.0, "text": text}
            for text, part, slot in zip(texts, speech, timeline, strict=True)]
    document = {**sheet, "duration": round(rendered.duration, 3), "cues": cues}
    built[f"{stem}.cues.json"].write_text(json.dumps(document, ensure_ascii=False, indent=1)
                                          + "\n", encoding="utf-8")
    return built
