"""Every cue of every lesson's Chinese narration stays in Mandarin, for both offline voices:
Kokoro's front end can speak all of it, and espeak-ng never switches to its English voice."""

import subprocess

import pytest

from render.lessons import LESSONS
from render.narration import fill_script, load_script
from render.tts.espeak import EspeakBackend, _executable
from render.tts.kokoro import mandarin_problems
from tests.scenes.harness import cases


def spoken_cues(name, overrides):
    lesson = LESSONS[name]
    _, cues = fill_script(load_script(lesson.script, "zh"), lesson.model.run(overrides).to_dict())
    return cues


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c[0]}-{c[1]}"[:60])
def test_the_chinese_voices_never_leave_mandarin(case):
    voice = EspeakBackend().default_voice("zh")
    for cue in spoken_cues(*case):
        assert mandarin_problems(cue.speech) == [], (cue.id, cue.speech)
        phonemes = subprocess.run([_executable(), "-v", voice, "-q", "-x", "--", cue.speech],
                                  capture_output=True, text=True, check=True).stdout
        assert "(en)" not in phonemes, (cue.id, cue.speech, phonemes)


def test_the_check_catches_a_voice_leaving_mandarin():
    assert mandarin_problems("卷积核的边长 k 是奇数") != []
    phonemes = subprocess.run([_executable(), "-v", "cmn", "-q", "-x", "--", "卷积"],
                              capture_output=True, text=True, check=True).stdout
    assert "(en)" in phonemes  # the plain cmn voice: why the project uses cmn-latn-pinyin
