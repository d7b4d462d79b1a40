"""Kokoro: offline neural Mandarin, and the check that narration holds only speakable Mandarin."""

import socket
import wave

import pytest

from render.tts import kokoro
from render.tts.base import SpeechError, wav_duration
from render.tts.kokoro import KokoroBackend, mandarin_problems, phonemize, pieces, readings
from render.tts.speak import Speaker
from tests.render.audio_checks import rms_dbfs, samples


class Xiaoyi(KokoroBackend):
    voices = {"zh": "zf_xiaoyi"}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("this test must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_kokoro_speaks_a_chinese_sentence_offline(tmp_path, no_network):
    text = "卷积核在图像上滑动，乘积加起来等于负十四。"
    speech = Speaker(KokoroBackend(), "zh", folder=tmp_path).speak(text)
    with wave.open(str(speech.path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24_000)
    assert speech.duration == wav_duration(speech.path)
    assert 2.5 < len(text) / speech.duration < 8, "a plausible pace: 2.5 to 8 characters a second"
    audio = samples(speech.path)
    assert rms_dbfs(audio) > -30 and abs(audio).max() < 1
    quiet = [rms_dbfs(audio[i:i + 1600]) < -50 for i in range(0, len(audio) - 1600, 1600)]
    assert sum(quiet) < len(quiet) / 3, "mostly sound, not silence"


def test_a_long_cue_is_spoken_in_pieces_the_model_accepts(no_network):
    text = "窗口从左到右、从上到下，一共经过三十六个位置，特征图被逐格填满。" * 12
    calls = pieces(text)
    assert len(calls) > 1 and all(0 < len(c) <= kokoro.MAX_PHONEMES for c in calls)
    one_sentence = "窗口从左到右" * 120  # no punctuation at all: cut anywhere
    assert all(len(c) <= kokoro.MAX_PHONEMES for c in pieces(one_sentence))
    audio = kokoro.speak(text[:120])
    assert 15 < len(audio) / kokoro.SAMPLE_RATE < 45


def test_cache_key_changes_with_the_voice(tmp_path):
    yunxi = Speaker(KokoroBackend(), "zh", folder=tmp_path)
    xiaoyi = Speaker(Xiaoyi(), "zh", folder=tmp_path)
    assert yunxi.voice == "zm_yunxi" and xiaoyi.voice == "zf_xiaoyi"
    assert yunxi.key("你好。") != xiaoyi.key("你好。")
    assert "zm_yunxi" in KokoroBackend().version() and "misaki" in KokoroBackend().version()


def test_missing_voice_file_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURE_VOICES", str(tmp_path))
    kokoro._voice_bytes.cache_clear()
    try:
        with pytest.raises(SpeechError, match=r"zm_yunxi\.bin is missing.*bin/setup"):
            kokoro.speak("你好。")
        with pytest.raises(SpeechError, match="kokoro has no voice 'zf_nobody'"):
            kokoro.speak("你好。", "zf_nobody")
    finally:
        kokoro._voice_bytes.cache_clear()


@pytest.mark.parametrize("text,kind,found", [
    ("用ReLU激活", "Latin letters", "'ReLU'"),
    ("边长 k 是奇数", "Latin letters", "'k'"),
    ("乘积等于41.5", "digits", "'41.5'"),
    ("第２个", "digits", "'２'"),
    ("三×三=九", "symbols", "'=', '×'"),
    ("百分之25%", "symbols", "'%'"),
    ("负-14", "symbols", "'-'"),
    ("一加一+", "symbols", "'+'"),
])
def test_mandarin_problems_names_what_cannot_be_spoken(text, kind, found):
    problems = mandarin_problems(text)
    assert any(p.startswith(kind) and found in p for p in problems), problems


def test_clean_chinese_has_no_problems():
    text = ("我们来看卷积是怎样计算的。左边是输入图像，八行八列；乘积加起来等于负四十一点五，"
            "百分之二十五，九分之一！输出有多大？“特征图”（输出）——就是这样……")
    assert mandarin_problems(text) == []


def test_polyphones_are_read_as_lessons_mean_them():
    def pinyin(text):
        return [s for word in readings(text) for s in word]

    assert pinyin("八行八列")[1] == "hang2" and pinyin("进行")[1] == "xing2"
    assert pinyin("步长")[1] == "chang2" and pinyin("增长")[1] == "zhang3"
    assert pinyin("方差")[1] == "cha1" and pinyin("步幅为二")[2] == "wei2"
    assert pinyin("因为")[1] == "wei4" and pinyin("一般地说")[2] == "de5"
    assert pinyin("严格地说")[2] == "de5" and pinyin("地方")[0] == "di4"
    assert "ɕi↗ŋ" not in phonemize("八行八列") and "xa↗ŋ" in phonemize("八行八列")
