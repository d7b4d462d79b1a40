"""Stage 2, narrate: speech for every cue of a list of prepared scenes, in one voice.

The voice is decided once for the whole list, so a course never mixes voices: with
`--voice auto`, a voice that already has every cue cached is used as it is (edge-tts first);
otherwise edge-tts is tried, and if it fails on any cue, one warning, and every cue of every
scene is spoken by the offline voice instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.progress import Progress

from render.prepare import PreparedScene
from render.tts.base import Speech, SpeechError
from render.tts.edge import EdgeBackend
from render.tts.speak import Speaker, backend_for, offline_backend

PAUSE = 0.5  # seconds of quiet after each cue, so sentences do not run together
MIN_CUE = 1.3  # seconds: even a very short cue stays up long enough to read its subtitle
SILENT_CUE = 4.0  # seconds for a cue whose text is empty (its animations may take longer)


@dataclass(frozen=True)
class Narration:
    speeches: tuple[Speech | None, ...]  # one per cue, in the scene's order; None: silent
    backend: str
    voice: str

    def durations(self, scene: PreparedScene) -> dict[str, float]:
        """How long each cue lasts on screen: its speech and a pause."""
        return {cue.id: max(speech.duration + PAUSE, MIN_CUE) if speech else SILENT_CUE
                for cue, speech in zip(scene.cues, self.speeches, strict=True)}


def narrate(scenes: Sequence[PreparedScene], voice: str, lang: str, progress: Progress,
            console: Console, rate: float = 1.0) -> list[Narration]:
    """Speech for every cue of `scenes` (all in `lang`), from one backend and voice."""
    if voice != "auto":
        return _speak(Speaker(backend_for(voice, lang), lang, rate), scenes, progress)
    offline = Speaker(offline_backend(lang), lang, rate)
    online = Speaker(EdgeBackend(attempts=2, timeout=20, backoff=0.5), lang, rate)
    texts = [cue.speech for scene in scenes for cue in scene.cues if cue.speech]
    # A voice that has every cue cached already is kept: rebuilds stay identical and need
    # no network (edge first, as always).
    for speaker in (online, offline):
        if all(speaker.cached(text) for text in texts):
            return _speak(speaker, scenes, progress)
    if os.environ.get("LECTURE_OFFLINE"):
        return _speak(offline, scenes, progress)
    try:
        return _speak(online, scenes, progress)
    except SpeechError as error:
        console.print(f"[yellow]warning:[/] {error}\n  narrating with the offline voice "
                      f"{offline.backend.name} ({offline.voice}); --voice edge insists on "
                      "edge-tts")
        return _speak(offline, scenes, progress)


def _speak(speaker: Speaker, scenes: Sequence[PreparedScene],
           progress: Progress) -> list[Narration]:
    total = sum(len(scene.cues) for scene in scenes)
    task = progress.add_task(f"speech  {speaker.backend.name} ({speaker.voice})", total=total)
    try:
        narrations = []
        for scene in scenes:
            speeches = []
            for cue in scene.cues:
                speeches.append(speaker.speak(cue.speech) if cue.speech else None)
                progress.advance(task)
            narrations.append(Narration(tuple(speeches), speaker.backend.name, speaker.voice))
        return narrations
    except SpeechError:
        progress.remove_task(task)
        raise
