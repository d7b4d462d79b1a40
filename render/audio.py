"""The narration track: each cue's speech placed at the time its cue starts in the video, then
brought to a broadcast loudness so every voice sounds equally loud."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment

from render.errors import UserError
from render.media import ffmpeg, run_tool

SAMPLE_RATE = 24_000  # the voices speak at 22.05 or 24 kHz; more only costs encode time
TARGET_LUFS = -16.0  # integrated loudness of the narration (EBU R128 measure)
TARGET_PEAK = -2.5  # dBTP; we promise at most -1.5, and AAC encoding adds a few tenths


def narration_track(placements: list[tuple[float, Path]], total: float, out: Path) -> None:
    """Silence of `total` seconds with each WAV overlaid at its start time, written as WAV."""
    track = AudioSegment.silent(duration=round(total * 1000), frame_rate=SAMPLE_RATE)
    for start, wav in placements:
        speech = AudioSegment.from_wav(wav).set_frame_rate(SAMPLE_RATE).set_channels(1)
        track = track.overlay(speech, position=round(start * 1000))
    track.export(out, format="wav")


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP


def measure(path: Path) -> Loudness:
    """Integrated loudness and true peak of any file ffmpeg decodes (ebur128 filter)."""
    result = run_tool([ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-vn",
                             "-af", "ebur128=peak=true", "-f", "null", "-"])
    summary = result.stderr.rpartition("Summary:")[2]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if result.returncode != 0 or not integrated or not peak:
        raise UserError(f"ffmpeg could not measure the loudness of {path.name}: "
                        f"{result.stderr.strip()[-300:]}")
    return Loudness(float(integrated[1]), float(peak[1]))


def normalize(source: Path, out: Path, target: float = TARGET_LUFS,
              peak: float = TARGET_PEAK) -> Loudness:
    """Bring `source` to `target` LUFS with true peaks at or below `peak` dBTP.

    One gain, then a limiter running at 4x the sample rate (so it catches the peaks between
    samples, which is what true peak measures). The limiter takes a little loudness off the
    loudest syllables; a second pass adds that back. Returns the measured result.
    """
    before = measure(source)
    if before.integrated == float("-inf"):  # silence: nothing to normalize
        out.write_bytes(source.read_bytes())
        return before
    gain = target - before.integrated
    result = before
    for _ in range(6):
        _limit(source, out, gain, peak)
        result = measure(out)
        if abs(result.integrated - target) <= 0.3:
            break
        gain += target - result.integrated
    return result


def _limit(source: Path, out: Path, gain: float, peak: float) -> None:
    ceiling = 10 ** (peak / 20)
    chain = (f"volume={gain:.3f}dB,aresample={4 * SAMPLE_RATE},"
             f"alimiter=limit={ceiling:.5f}:attack=2:release=40:level=disabled,"
             f"aresample={SAMPLE_RATE}")
    result = run_tool([ffmpeg(), "-loglevel", "error", "-y", "-i", str(source), "-af",
                             chain, "-ac", "1", "-c:a", "pcm_s16le", str(out)])
    if result.returncode != 0:
        raise UserError(f"ffmpeg could not normalize the narration: {result.stderr.strip()}")
