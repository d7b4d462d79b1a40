"""espeak-ng: offline, robotic, instant and deterministic (Mandarin and English).

For Mandarin it uses `cmn-latn-pinyin`: the plain `cmn` voice reads Chinese through its English
voice (`espeak-ng -v cmn -x` shows (en) switches on every line); this one stays in Mandarin.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

from render.media import run_tool
from render.tts.base import Backend, SpeechError, Word

# espeak-ng counts each Chinese character as a word: 165 "words" a minute is a slow 3 characters
# a second, so Mandarin gets a faster setting (about 4 characters a second).
WORDS_PER_MINUTE = {"cmn-latn-pinyin": 220}
DEFAULT_WPM = 165


@cache
def _executable() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechError("espeak-ng is not installed; run `bin/setup` (or apt-get install "
                          "espeak-ng), or choose another --voice")
    return path


@cache
def _version() -> str:
    result = run_tool([_executable(), "--version"])
    return f"{result.stdout.strip()} wpm={WORDS_PER_MINUTE}"


class EspeakBackend(Backend):
    name = "espeak"
    voices = {"zh": "cmn-latn-pinyin", "en": "en-us"}
    offline = True

    def version(self) -> str:
        return _version()

    def synthesize(self, text: str, voice: str, rate: float, out: Path) -> tuple[Word, ...]:
        speed = round(WORDS_PER_MINUTE.get(voice, DEFAULT_WPM) * rate)
        command = [_executable(), "-v", voice, "-s", str(speed), "-w", str(out), "--", text]
        result = run_tool(command)
        if result.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            detail = result.stderr.strip() or f"exit status {result.returncode}"
            raise SpeechError(f"espeak-ng could not speak with voice {voice!r}: {detail}")
        return ()
