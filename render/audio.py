"""The narration track: each cue's speech placed at the time its cue starts in the video."""

from __future__ import annotations

from pathlib import Path

from pydub import AudioSegment

SAMPLE_RATE = 24_000  # the voices speak at 22.05 or 24 kHz; more only costs encode time


def narration_track(placements: list[tuple[float, Path]], total: float, out: Path) -> None:
    """Silence of `total` seconds with each WAV overlaid at its start time, written as WAV."""
    track = AudioSegment.silent(duration=round(total * 1000), frame_rate=SAMPLE_RATE)
    for start, wav in placements:
        speech = AudioSegment.from_wav(wav).set_frame_rate(SAMPLE_RATE).set_channels(1)
        track = track.overlay(speech, position=round(start * 1000))
    track.export(out, format="wav")
