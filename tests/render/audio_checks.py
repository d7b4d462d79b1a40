"""Reading audio back for tests: decoded samples and their loudness."""

import subprocess
from pathlib import Path

import numpy as np

from render.media import ffmpeg


def samples(path: Path, rate: int = 16_000) -> np.ndarray:
    """Mono float samples in [-1, 1] of any file ffmpeg can decode (WAV, or an MP4's audio)."""
    raw = subprocess.run([ffmpeg(), "-loglevel", "error", "-i", str(path), "-vn", "-ac", "1",
                          "-ar", str(rate), "-f", "s16le", "-"], capture_output=True, check=True)
    return np.frombuffer(raw.stdout, dtype="<i2").astype(np.float64) / 32768


def rms_dbfs(values: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(values**2))) if values.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else -np.inf
