"""Speaking a cue: pick the backend, reuse cached audio, synthesize what is missing."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from render.cache import cache_dir, content_key
from render.errors import UserError
from render.files import atomic_path, sweep, usable_folder, write_text_atomic
from render.tts.base import Backend, Speech, SpeechError, Word, wav_duration
from render.tts.edge import EdgeBackend
from render.tts.espeak import EspeakBackend
from render.tts.kokoro import KokoroBackend
from render.tts.piper import PiperBackend

BACKENDS: dict[str, type[Backend]] = {"edge": EdgeBackend, "kokoro": KokoroBackend,
                                      "piper": PiperBackend, "espeak": EspeakBackend}
OFFLINE_CHOICE = {"en": "piper", "zh": "kokoro"}  # the best offline voice per language


def backend_for(choice: str, lang: str) -> Backend:
    """The backend a --voice choice names (auto is resolved by the caller)."""
    backend = BACKENDS[choice]()
    if lang not in backend.voices:
        others = [name for name, cls in BACKENDS.items() if lang in cls.voices]
        raise UserError(f"--voice {choice} has no {lang} voice; for {lang} use: "
                        f"{', '.join(['auto', *others])}")
    return backend


def offline_backend(lang: str) -> Backend:
    return backend_for(OFFLINE_CHOICE[lang], lang)


class Speaker:
    """Synthesizes text with one backend and voice, through a cache on disk.

    The cache key covers the text, backend, voice, rate and backend version, so a cache hit is
    exactly the audio that synthesis would produce, and a changed voice never reuses it.
    """

    def __init__(self, backend: Backend, lang: str, rate: float = 1.0,
                 folder: Path | None = None) -> None:
        self.backend = backend
        self.voice = backend.default_voice(lang)
        self.rate = rate
        self.folder = folder or cache_dir() / "speech"
        self._writable = False  # checked before the first synthesis

    def key(self, text: str) -> str:
        return content_key({"text": text, "backend": self.backend.name, "voice": self.voice,
                            "rate": self.rate, "version": self.backend.version()})

    def cached(self, text: str) -> Speech | None:
        key = self.key(text)
        wav, meta = self.folder / f"{key}.wav", self.folder / f"{key}.json"
        if not (wav.is_file() and meta.is_file()):
            return None
        info = json.loads(meta.read_text(encoding="utf-8"))
        words = tuple(Word(**w) for w in info["words"])
        return Speech(wav, info["duration"], words, self.backend.name, self.voice, cached=True)

    def speak(self, text: str) -> Speech:
        hit = self.cached(text)
        if hit is not None:
            return hit
        if not self._writable:
            usable_folder(self.folder, "the speech cache (LECTURE_CACHE)")
            sweep(self.folder)  # half-written audio of killed runs
            self._writable = True
        key = self.key(text)
        wav, meta = self.folder / f"{key}.wav", self.folder / f"{key}.json"
        with atomic_path(wav) as temporary:
            words = self.backend.synthesize(text, self.voice, self.rate, temporary)
            duration = wav_duration(temporary)
            if duration <= 0:
                raise SpeechError(f"{self.backend.name} produced no audio for: {text[:40]}")
        write_text_atomic(meta, json.dumps({"text": text, "duration": duration,
                                            "words": [asdict(w) for w in words]},
                                           ensure_ascii=False))
        return Speech(wav, duration, words, self.backend.name, self.voice, cached=False)
