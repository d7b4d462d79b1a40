"""Speech backends: real synthesis offline, a cache keyed by everything that shapes the audio."""

import socket

import pytest

from render.errors import UserError
from render.tts.base import wav_duration
from render.tts.edge import EdgeBackend
from render.tts.espeak import EspeakBackend
from render.tts.piper import PiperBackend
from render.tts.speak import Speaker, backend_for, offline_backend
from tests.render.audio_checks import rms_dbfs, samples


class Counting(EspeakBackend):
    """The real espeak backend, counting how often it is asked to synthesize."""

    def __init__(self):
        self.calls = 0

    def synthesize(self, text, voice, rate, out):
        self.calls += 1
        return super().synthesize(text, voice, rate, out)


@pytest.mark.parametrize("lang,text", [("zh", "卷积核在图像上滑动，负14。"),
                                       ("en", "The products add up to minus 14.")])
def test_espeak_speaks_both_languages(tmp_path, lang, text):
    speech = Speaker(EspeakBackend(), lang, folder=tmp_path).speak(text)
    assert 1.0 < speech.duration < 15 and speech.duration == wav_duration(speech.path)
    assert rms_dbfs(samples(speech.path)) > -35


def test_piper_speaks_english_offline(tmp_path):
    speech = Speaker(PiperBackend(), "en", folder=tmp_path).speak("A kernel slides over an image.")
    assert 1.0 < speech.duration < 6
    assert rms_dbfs(samples(speech.path)) > -35


def test_a_cache_hit_costs_no_synthesis(tmp_path):
    backend = Counting()
    speaker = Speaker(backend, "zh", folder=tmp_path)
    first = speaker.speak("第一个窗口。")
    second = Speaker(backend, "zh", folder=tmp_path).speak("第一个窗口。")
    assert backend.calls == 1 and not first.cached and second.cached
    assert second.path == first.path and second.duration == first.duration
    assert not list(tmp_path.glob(".*part*")), "no temporary files left behind"


def test_cache_key_covers_text_backend_voice_rate_and_version(tmp_path, monkeypatch):
    base = Speaker(EspeakBackend(), "zh", folder=tmp_path)
    keys = {base.key("你好")}
    keys.add(base.key("你好。"))
    keys.add(Speaker(EspeakBackend(), "en", folder=tmp_path).key("你好"))  # other voice
    keys.add(Speaker(EspeakBackend(), "zh", rate=1.2, folder=tmp_path).key("你好"))
    keys.add(Speaker(EdgeBackend(), "zh", folder=tmp_path).key("你好"))  # other backend
    monkeypatch.setattr(EspeakBackend, "version", lambda self: "espeak-ng 9.99")
    keys.add(base.key("你好"))
    assert len(keys) == 6


def test_voice_choices_per_language():
    assert offline_backend("zh").name == "kokoro" and offline_backend("en").name == "piper"
    with pytest.raises(UserError, match="--voice piper has no zh voice; for zh use: auto, "
                                        "edge, kokoro, espeak"):
        backend_for("piper", "zh")


def test_failed_speech_service_is_a_clear_error(tmp_path):
    """edge-tts through a proxy on a closed loopback port: the real client fails to connect,
    retries, then says what to do; nothing leaves this machine."""
    backend = EdgeBackend(attempts=2, timeout=3, backoff=0.01, proxy="http://127.0.0.1:9")
    with pytest.raises(UserError, match=r"edge-tts failed after 2 attempt\(s\).*--voice espeak"):
        backend.synthesize("你好", "zh-CN-XiaoxiaoNeural", 1.0, tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def online() -> bool:
    try:
        socket.create_connection(("speech.platform.bing.com", 443), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not online(), reason="offline: edge-tts needs speech.platform.bing.com")
def test_edge_tts_speaks_chinese_with_word_timings(tmp_path):
    speech = Speaker(EdgeBackend(), "zh", folder=tmp_path).speak("卷积核在图像上滑动。")
    assert speech.duration > 0.5 and speech.words
    assert all(a.start <= b.start for a, b in zip(speech.words, speech.words[1:], strict=False))


def test_auto_voice_falls_back_once_for_the_whole_run(tmp_path, monkeypatch):
    """Two scenes narrated in one run: edge-tts cannot connect, one warning, and every cue of
    both scenes comes from the same offline voice (a course never mixes voices)."""
    from io import StringIO

    from rich.console import Console

    from render.narrate import narrate
    from render.narration import Cue
    from render.pipeline import progress_bars
    from render.prepare import PreparedScene

    monkeypatch.setenv("LECTURE_EDGE_PROXY", "http://127.0.0.1:9")  # edge-tts cannot connect
    monkeypatch.setenv("LECTURE_CACHE", str(tmp_path))
    monkeypatch.delenv("LECTURE_OFFLINE", raising=False)
    output = StringIO()
    console = Console(file=output, width=300)
    scenes = [PreparedScene(None, {}, "zh", None, {}, (Cue("a", "第一句。", "第一句。"),)),
              PreparedScene(None, {}, "zh", None, {}, (Cue("b", "第二句。", "第二句。"),
                                                       Cue("c", "第三句。", "第三句。")))]
    with progress_bars(console) as progress:
        narrations = narrate(scenes, "auto", "zh", progress, console)
    offline = offline_backend("zh")
    assert [n.backend for n in narrations] == [offline.name] * 2
    assert [len(n.speeches) for n in narrations] == [1, 2]
    assert {s.voice for n in narrations for s in n.speeches} == {offline.default_voice("zh")}
    assert output.getvalue().count("warning:") == 1
    assert f"narrating with the offline voice {offline.name}" in output.getvalue()
