"""Stage 4, publish: the narration track at the recorded cue times, normalized loudness, the
AAC mux, SRT and WebVTT subtitles and the cue sheet, all built in a work folder; the caller
moves them into place together (`files.publish_group`)."""

from __future__ import annotations

import json
from pathlib import Path

from render.audio import narration_track, normalize
from render.manim_run import Rendered
from render.media import mux
from render.narrate import Narration
from render.prepare import PreparedScene
from render.subtitles import Subtitle, cue_subtitles, to_srt, to_vtt

EXTENSIONS = ("mp4", "srt", "vtt", "cues.json")


def subtitles(scene: PreparedScene, narration: Narration, rendered: Rendered) -> list[Subtitle]:
    """Each cue's text over its speech, from the time the cue really started."""
    lines = []
    for cue, speech, slot in zip(scene.cues, narration.speeches, rendered.timeline, strict=True):
        lines += cue_subtitles(cue.text, slot.start, speech.duration, slot.end)
    return lines


def publish(scene: PreparedScene, narration: Narration, rendered: Rendered, work: Path,
            stem: str) -> dict[str, Path]:
    """Build `stem.mp4`, `.srt`, `.vtt` and `.cues.json` in `work`; return {name: path}."""
    placed = [(slot.start, speech.path)
              for slot, speech in zip(rendered.timeline, narration.speeches, strict=True)]
    raw, loud = work / "narration.wav", work / "loud.wav"
    narration_track(placed, rendered.duration, raw)
    normalize(raw, loud)
    built = {f"{stem}.{ext}": work / f"{stem}.{ext}" for ext in EXTENSIONS}
    mux(rendered.movie, loud, built[f"{stem}.mp4"])
    lines = subtitles(scene, narration, rendered)
    built[f"{stem}.srt"].write_text(to_srt(lines), encoding="utf-8")
    built[f"{stem}.vtt"].write_text(to_vtt(lines), encoding="utf-8")
    built[f"{stem}.cues.json"].write_text(cue_sheet(scene, narration, rendered),
                                          encoding="utf-8")
    return built


def cue_sheet(scene: PreparedScene, narration: Narration, rendered: Rendered) -> str:
    """JSON: the lesson, its parameters, the voice, and each cue's id, times and words."""
    cues = [{"id": cue.id, "start": round(slot.start, 3), "end": round(slot.end, 3),
             "speech_seconds": round(speech.duration, 3), "text": cue.text}
            for cue, speech, slot in zip(scene.cues, narration.speeches, rendered.timeline,
                                         strict=True)]
    return json.dumps({"lesson": scene.lesson.name, "lang": scene.lang,
                       "parameters": scene.overrides, "backend": narration.backend,
                       "voice": narration.voice, "duration": round(rendered.duration, 3),
                       "cues": cues}, ensure_ascii=False, indent=1) + "\n"
