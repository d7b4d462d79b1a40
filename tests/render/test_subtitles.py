import re

import pytest

from engine.conv import LESSON
from render.narration import fill_script, load_script
from render.subtitles import MAX_WIDTH, break_lines, cue_subtitles, to_srt, to_vtt, width

CJK_PUNCTUATION = "，。；：！？、"


def shipped_cues(lang):
    _, cues = fill_script(load_script("convolution", lang), LESSON.run({}).to_dict())
    return cues


def test_chinese_lines_break_only_at_punctuation():
    for cue in shipped_cues("zh"):
        lines = break_lines(cue.text)
        assert "".join(lines).replace(" ", "") == cue.text.replace(" ", "")
        for line in lines:
            assert width(line) <= MAX_WIDTH, line
            assert line[-1] in CJK_PUNCTUATION, f"line does not end at punctuation: {line}"


def test_english_lines_keep_words_whole_and_fit_42_characters():
    for cue in shipped_cues("en"):
        lines = break_lines(cue.text)
        assert " ".join(lines) == cue.text
        assert all(len(line) <= 42 for line in lines)


def test_a_long_chinese_phrase_breaks_after_a_function_character_not_mid_word():
    phrase = "卷积核的权重决定了它对哪一种局部图案最敏感并在输出中给出最大响应"
    lines = break_lines(phrase)
    assert len(lines) > 1 and all(width(line) <= MAX_WIDTH for line in lines)
    assert lines[0][-1] in "的了和与在是就再并而或把被从向到"


def test_cue_time_is_shared_in_order():
    subs = cue_subtitles("第一句很短。第二句稍微长一点点，第三句。", 10.0, 6.0)
    assert subs[0].start == 10.0 and subs[-1].end == pytest.approx(16.0)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(subs, subs[1:], strict=False))


def test_srt_and_vtt_format():
    subs = cue_subtitles("Hello there. General idea.", 3661.5, 2.0)
    srt, vtt = to_srt(subs), to_vtt(subs)
    assert srt.startswith("1\n01:01:01,500 --> ")
    assert vtt.startswith("WEBVTT\n\n01:01:01.500 --> ")
    assert re.findall(r"\d\d:\d\d:\d\d,\d{3}", srt)[-1] == "01:01:03,500"
