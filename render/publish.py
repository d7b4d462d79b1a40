"""Stage 4, publish: the narration track at the recorded cue times, normalized loudness, the
AAC mux, SRT and WebVTT subtitles; then every output renamed into place together."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from render.audio import narration_track, normalize
from render.cache import write_text_atomic
from render.manim_run import Rendered
from render.media import mux
from render.narrate import Narration
from render.prepare import PreparedScene
from render.subtitles import Subtitle, cue_subtitles, to_srt, to_vtt

EXTENSIONS = ("mp4", "srt", "vtt", "cues.json")


@dataclass(frozen=True)
class Outputs:
    video: Path
    srt: Path
    vtt: Path
    cues: Path  # when each cue starts and ends, and its words: for chapters, slides, handouts

    @classmethod
    def named(cls, folder: Path, stem: str) -> Outputs:
        return cls(*(folder / f"{stem}.{ext}" for ext in EXTENSIONS))


def subtitles(scene: PreparedScene, narration: Narration, rendered: Rendered) -> list[Subtitle]:
    """Each cue's text over its speech, from the time the cue really started."""
    lines = []
    for cue, speech, slot in zip(scene.cues, narration.speeches, rendered.timeline, strict=True):
        lines += cue_subtitles(cue.text, slot.start, speech.duration, slot.end)
    return lines


def publish(scene: PreparedScene, narration: Narration, rendered: Rendered, work: Path,
            outputs: Outputs) -> None:
    """Build everything in `work` (a folder on the outputs' file system), then rename."""
    placed = [(slot.start, speech.path)
              for slot, speech in zip(rendered.timeline, narration.speeches, strict=True)]
    raw, loud, muxed = work / "narration.wav", work / "loud.wav", work / "muxed.mp4"
    narration_track(placed, rendered.duration, raw)
    normalize(raw, loud)
    mux(rendered.movie, loud, muxed)
    lines = subtitles(scene, narration, rendered)
    write_text_atomic(work / "subs.srt", to_srt(lines))
    write_text_atomic(work / "subs.vtt", to_vtt(lines))
    write_text_atomic(work / "cues.json", cue_sheet(scene, narration, rendered))
    # All exist: move them into place (renames within one file system).
    for built, target in ((muxed, outputs.video), (work / "subs.srt", outputs.srt),
                          (work / "subs.vtt", outputs.vtt), (work / "cues.json", outputs.cues)):
        os.replace(built, target)


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
