"""The narration track: each cue's speech placed at the time its cue starts in the video, then
brought to a broadcast loudness so every voice sounds equally loud."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment

from render.errors import UserError
from render.media import ffmpeg

SAMPLE_RATE = 24_000  # the voices speak at 22.05 or 24 kHz; more only costs encode time
TARGET_LUFS = -16.0  # integrated loudness of the narration (EBU R128 measure)
TARGET_PEAK = -2.0  # dBTP; the standard asks for at most -1.5, AAC adds a few tenths


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
    result = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-i", str(path), "-vn",
                             "-af", "ebur128=peak=true", "-f", "null", "-"],
                            capture_output=True, text=True)
    summary = result.stderr.rpartition("Summary:")[2]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if result.returncode != 0 or not integrated or not peak:
        raise UserError(f"ffmpeg could not measure the loudness of {path.name}: "
                        f"{result.stderr.strip()[-300:]}")
    return Loudness(float(integrated[1]), float(peak[1]))


def normalize(source: Path, out: Path, target: float = TARGET_LUFS,
              peak: float = TARGET_PEAK) -> None:
    """Two-pass EBU R128 normalization (ffmpeg loudnorm): measure, then apply one linear gain
    when the peaks allow it, else loudnorm's true-peak limiter."""
    spec = f"loudnorm=I={target}:TP={peak}:LRA=20"
    first = subprocess.run([ffmpeg(), "-hide_banner", "-nostats", "-i", str(source), "-af",
                            f"{spec}:print_format=json", "-f", "null", "-"],
                           capture_output=True, text=True)
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", first.stderr)
    if first.returncode != 0 or not found:
        raise UserError(f"ffmpeg could not measure the narration's loudness: "
                        f"{first.stderr.strip()[-300:]}")
    m = json.loads(found[0])
    if m["input_i"] == "-inf":  # silence: nothing to normalize
        out.write_bytes(source.read_bytes())
        return
    second = (f"{spec}:measured_I={m['input_i']}:measured_TP={m['input_tp']}:"
              f"measured_LRA={m['input_lra']}:measured_thresh={m['input_thresh']}:"
              f"offset={m['target_offset']}:linear=true")
    result = subprocess.run([ffmpeg(), "-loglevel", "error", "-y", "-i", str(source), "-af",
                             second, "-ar", str(SAMPLE_RATE), "-ac", "1", str(out)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"ffmpeg could not normalize the narration: {result.stderr.strip()}")
