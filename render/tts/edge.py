"""edge-tts: Microsoft's online neural voices, with word timings, retries and a timeout."""

from __future__ import annotations

import asyncio
import os
import time
from importlib import metadata
from pathlib import Path

from render.media import ffmpeg, run_tool
from render.tts.base import Backend, SpeechError, Word

TICKS_PER_SECOND = 10_000_000  # edge-tts reports offsets in 100 ns units


class EdgeBackend(Backend):
    name = "edge"
    voices = {"zh": "zh-CN-XiaoxiaoNeural", "en": "en-US-AriaNeural"}
    offline = False

    def __init__(self, attempts: int = 3, timeout: float = 30.0, backoff: float = 1.0,
                 proxy: str | None = None) -> None:
        self.attempts = attempts
        self.timeout = timeout
        self.backoff = backoff
        self.proxy = proxy or os.environ.get("LECTURE_EDGE_PROXY")  # e.g. http://host:3128

    def version(self) -> str:
        return f"edge-tts {metadata.version('edge-tts')}"

    def synthesize(self, text: str, voice: str, rate: float, out: Path) -> tuple[Word, ...]:
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                audio, words = asyncio.run(asyncio.wait_for(
                    self._stream(text, voice, rate), self.timeout))
            except Exception as error:  # network, service and protocol errors all retry
                detail = str(error).split(" ssl:")[0]  # aiohttp appends an SSL context repr
                last = f"{type(error).__name__}: {detail}".strip(": ")
                continue
            if audio:
                mp3 = out.with_suffix(".mp3")
                mp3.write_bytes(audio)
                try:
                    _to_wav(mp3, out)
                finally:
                    mp3.unlink(missing_ok=True)
                return words
            last = "the service sent no audio"
        raise SpeechError(f"edge-tts failed after {self.attempts} attempt(s) ({last}); check "
                          "the network, or use an offline voice: --voice espeak (zh, en) or "
                          "--voice piper (en)")

    async def _stream(self, text: str, voice: str, rate: float) -> tuple[bytes, tuple[Word, ...]]:
        import edge_tts

        percent = round((rate - 1) * 100)
        communicate = edge_tts.Communicate(text, voice, rate=f"{percent:+d}%",
                                           boundary="WordBoundary", proxy=self.proxy,
                                           connect_timeout=5,
                                           receive_timeout=int(self.timeout))
        audio = bytearray()
        words: list[Word] = []
        async for chunk in communicate.stream():
            if chunk["type"] == "audio":
                audio.extend(chunk["data"])
            elif chunk["type"] == "WordBoundary":
                start = chunk["offset"] / TICKS_PER_SECOND
                end = start + chunk["duration"] / TICKS_PER_SECOND
                words.append(Word(chunk["text"], start, end))
        return bytes(audio), tuple(words)


def _to_wav(source: Path, target: Path) -> None:
    result = run_tool([ffmpeg(), "-loglevel", "error", "-y", "-i", str(source), "-ac", "1",
                             "-f", "wav", str(target)])
    if result.returncode != 0:
        raise SpeechError(f"could not decode edge-tts audio: {result.stderr.strip()}")
