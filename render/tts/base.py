"""The interface every speech backend implements."""

from __future__ import annotations

import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from render.errors import UserError


class SpeechError(UserError):
    """Synthesis failed; the message says which backend and what to do."""


@dataclass(frozen=True)
class Word:
    text: str
    start: float  # seconds from the start of the cue's audio
    end: float


@dataclass(frozen=True)
class Speech:
    path: Path  # a WAV file
    duration: float
    words: tuple[Word, ...]
    backend: str
    voice: str
    cached: bool


class Backend(ABC):
    name: ClassVar[str]
    voices: ClassVar[dict[str, str]]  # language -> default voice
    offline: ClassVar[bool]

    def default_voice(self, lang: str) -> str:
        try:
            return self.voices[lang]
        except KeyError:
            raise SpeechError(f"{self.name} has no {lang} voice; it speaks: "
                              f"{', '.join(self.voices)}") from None

    @abstractmethod
    def version(self) -> str:
        """Changes when the same text would sound different (part of the cache key)."""

    @abstractmethod
    def synthesize(self, text: str, voice: str, rate: float, out: Path) -> tuple[Word, ...]:
        """Write `text` spoken to the WAV file `out`; return word timings if the engine has them."""


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()
