"""Numbers in narration are spelled out as a Chinese or English teacher reads them aloud."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from render.spoken import spoken
from scenes.numbers import fmt

# --- independent reference readers: words back to numbers -----------------------------------

ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
ZH_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}


def parse_zh(words: str) -> int:
    """Chinese numerals to an integer (十二, 一万零五, 两千万, 一万亿)."""
    big = mid = section = digit = 0  # parts already times 亿, times 万, below 万, pending digit
    for ch in words:
        if ch in ZH_DIGIT:
            digit = ZH_DIGIT[ch]
        elif ch in ZH_SMALL_UNIT:
            section += (digit or 1) * ZH_SMALL_UNIT[ch]  # a bare 十 is ten
            digit = 0
        elif ch == "万":
            mid, section, digit = (section + digit) * 10**4, 0, 0
        elif ch == "亿":
            big, mid, section, digit = (mid + section + digit) * 10**8, 0, 0, 0
        else:
            raise ValueError(f"not a Chinese numeral: {ch!r} in {words!r}")
    return big + mid + section + digit


EN_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())} | {
    w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(),
                                    2)}
EN_SCALE = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def parse_en(words: str) -> int:
    """English number words (American, no "and") to an integer."""
    total = current = 0
    for word in words.replace("-", " ").split():
        if word in EN_SMALL:
            current += EN_SMALL[word]
        elif word == "hundred":
            current *= 100
        elif word in EN_SCALE:
            total, current = total + current * EN_SCALE[word], 0
        else:
            raise ValueError(f"not an English number word: {word!r} in {words!r}")
    return total + current


def digits_back(words: str, lang: str) -> str:
    """A digit-by-digit reading back to its digits."""
    if lang == "zh":
        return "".join(str(ZH_DIGIT[c]) for c in words)
    return "".join(str(EN_SMALL[w]) for w in words.split())


def read_back(words: str, lang: str) -> str:
    """A spoken number (sign, integer, decimal part) back to the text fmt() writes."""
    sign, point = ("负", "点") if lang == "zh" else ("minus ", " point ")
    negative = words.startswith(sign)
    words = words.removeprefix(sign)
    whole, _, frac = words.partition(point)
    value = str(parse_zh(whole) if lang == "zh" else parse_en(whole))
    if frac:
        value += "." + digits_back(frac, lang)
    return "-" * negative + value


# --- table: every rule in both languages -----------------------------------------------------

CASES = [
    # integers
    ("0", "零", "zero"),
    ("10", "十", "ten"),
    ("12", "十二", "twelve"),
    ("20", "二十", "twenty"),
    ("105", "一百零五", "one hundred five"),
    ("110", "一百一十", "one hundred ten"),
    ("1000", "一千", "one thousand"),
    ("1005", "一千零五", "one thousand five"),
    ("1050", "一千零五十", "one thousand fifty"),
    ("10000", "一万", "ten thousand"),
    ("10010", "一万零一十", "ten thousand ten"),
    ("12345", "一万二千三百四十五", "twelve thousand three hundred forty-five"),
    ("100000", "十万", "one hundred thousand"),
    ("120000", "十二万", "one hundred twenty thousand"),
    ("100000000", "一亿", "one hundred million"),
    ("100010000", "一亿零一万", "one hundred million ten thousand"),
    ("2000000", "二百万", "two million"),
    ("3000000000", "三十亿", "three billion"),
    ("1000000000000", "一万亿", "one trillion"),
    # 二 and 两
    ("2", "二", "two"),
    ("200", "二百", "two hundred"),
    ("2000", "两千", "two thousand"),
    ("2200", "两千二百", "two thousand two hundred"),
    ("12000", "一万二千", "twelve thousand"),
    ("20000", "两万", "twenty thousand"),
    ("22000", "两万二千", "twenty-two thousand"),
    ("20000000", "两千万", "twenty million"),
    ("200000000", "两亿", "two hundred million"),
    ("有 2 个窗口", "有两个窗口", None),
    ("移动 2 格", "移动两格", None),
    ("第2个", "第二个", None),
    ("2次方", "二次方", None),
    ("1-2个", "一到两个", None),
    ("12个", "十二个", None),
    # beyond 10^12 and codes: digit by digit
    ("1000000000001", "一零零零零零零零零零零零一",
     "one zero zero zero zero zero zero zero zero zero zero zero one"),
    ("007", "零零七", "zero zero seven"),
    # thousands separators, and lists that are not
    ("12,345", "一万二千三百四十五", "twelve thousand three hundred forty-five"),
    ("1,234.5", "一千二百三十四点五", "one thousand two hundred thirty-four point five"),
    ("3, 4", "三,四", "three, four"),
    ("3,4", "三,四", "three,four"),
    ("1,2345", "一,两千三百四十五", "one,two thousand three hundred forty-five"),
    # decimals
    ("3.22", "三点二二", "three point two two"),
    ("0.5", "零点五", "zero point five"),
    ("10.33", "十点三三", "ten point three three"),
    ("10.05", "十点零五", "ten point zero five"),
    ("2.5", "二点五", "two point five"),
    ("2000.5", "两千点五", "two thousand point five"),
    # signs, hyphens and ranges
    ("-14", "负十四", "minus fourteen"),
    ("-0.5", "负零点五", "minus zero point five"),
    ("−3", "负三", "minus three"),
    ("+0.5", "正零点五", "plus zero point five"),
    ("a = -3", "a 等于负三", "a equals minus three"),
    ("1 -3", "一 负三", "one minus three"),
    ("1-3", "一到三", "one to three"),
    ("1–3", "一到三", "one to three"),
    ("1--3", "一到负三", "one to minus three"),
    ("50%-60%", "百分之五十到百分之六十", "fifty percent to sixty percent"),
    ("x-1", "x-一", "x-one"),
    ("ResNet-50", "ResNet-五十", "ResNet-fifty"),
    ("3-layer", "三-layer", "three-layer"),
    ("x−1", "x减一", "x minus one"),
    # operators
    ("3 + 4", "三加四", "three plus four"),
    ("3+4", "三加四", "three plus four"),
    ("3 - 4", "三减四", "three minus four"),
    ("3 − 4", "三减四", "three minus four"),
    ("5-3=2", "五减三等于二", "five minus three equals two"),
    ("3 - -4", "三减负四", "three minus minus four"),
    ("8×8", "八乘八", "eight by eight"),
    ("3 x 3", "三乘三", "three by three"),
    ("3x3x3", "三乘三乘三", "three by three by three"),
    ("3 × 3", "三乘三", "three times three"),
    ("29 × 0.11", "二十九乘零点一一", "twenty-nine times zero point one one"),
    ("3×-2", "三乘负二", "three times minus two"),
    ("2 * 3", "二乘三", "two times three"),
    ("0.5 x 2", "零点五乘二", "zero point five times two"),
    ("6 ÷ 2", "六除以二", "six divided by two"),
    ("6 / 2", "六除以二", "six divided by two"),
    ("5 = 5", "五等于五", "five equals five"),
    ("x = 3", "x 等于三", "x equals three"),
    ("3 = x", "三等于 x", "three equals x"),
    ("x + 1", "x 加一", "x plus one"),
    ("x ≈ 0.33", "x 约等于零点三三", "x is approximately zero point three three"),
    ("2^10", "二的十次方", "two to the ten"),
    ("3x faster", "三倍 faster", "three times faster"),
    ("2x", "两倍", "two times"),
    # fractions
    ("1/9", "九分之一", "one ninth"),
    ("3/4", "四分之三", "three quarters"),
    ("1/2", "二分之一", "one half"),
    ("3/2", "二分之三", "three halves"),
    ("2/3", "三分之二", "two thirds"),
    ("5/16", "十六分之五", "five sixteenths"),
    ("1/100", "一百分之一", "one hundredth"),
    ("17/93", "九十三分之十七", "seventeen over ninety-three"),
    ("-1/2", "负二分之一", "minus one half"),
    ("0.5/2", "零点五除以二", "zero point five divided by two"),
    # percentages
    ("25%", "百分之二十五", "twenty-five percent"),
    ("12.5%", "百分之十二点五", "twelve point five percent"),
    ("-3%", "负百分之三", "minus three percent"),
    ("2%的", "百分之二的", None),
    # ordinals
    ("第3个", "第三个", None),
    ("第 3 个", "第三个", None),
    ("1st", "第一", "first"),
    ("2nd", "第二", "second"),
    ("3rd", "第三", "third"),
    ("21st", "第二十一", "twenty-first"),
    ("12th", "第十二", "twelfth"),
    ("20th", "第二十", "twentieth"),
    # scientific notation and infinity
    ("1e-08", "一乘十的负八次方", "one times ten to the minus eight"),
    ("1.2e+05", "一点二乘十的五次方", "one point two times ten to the five"),
    ("-∞", "负无穷大", "minus infinity"),
    # in sentences
    ("等于 -14，乘积 3×-2", "等于负十四，乘积三乘负二", None),
    ("在 3 行 4 列中", "在三行四列中", None),
    ("值为 2.5 。", "值为二点五。", None),
    ("数字 1 2 3", "数字一 二 三", None),
    ("用 ResNet 50 层", "用 ResNet 五十层", None),
    ("１２", "十二", "twelve"),
    ("gives -14.5, x-2 stays", None, "gives minus fourteen point five, x-two stays"),
    ("The loss is 0.25.", None, "The loss is zero point two five."),
    ("a conv2d layer", None, "a conv two d layer"),
    ("the 2nd of 3", None, "the second of three"),
    ("a 3x3 kernel, 1,024 channels", None,
     "a three by three kernel, one thousand twenty-four channels"),
]


@pytest.mark.parametrize("text,zh,en", CASES)
def test_numbers_are_spelled_as_read_aloud(text, zh, en):
    if zh is not None:
        assert spoken(text, "zh") == zh
    if en is not None:
        assert spoken(text, "en") == en


def test_very_long_digit_strings_are_read_digit_by_digit():
    # longer than Python's int() accepts by default: must not be converted as a whole
    assert spoken("7" * 5000, "zh") == "七" * 5000
    assert spoken("2e5000 and 1e-0008", "en") == (
        "two times ten to the five thousand and one times ten to the minus eight")


def test_other_languages_are_refused():
    with pytest.raises(ValueError, match="'fr'"):
        spoken("3", "fr")


# --- properties ------------------------------------------------------------------------------

def zh_table(n: int) -> str:
    """A reading table for 0..99, written out independently of the module's rules."""
    ones = "零一二三四五六七八九"
    if n < 10:
        return ones[n]
    tens, unit = divmod(n, 10)
    return ("" if tens == 1 else ones[tens]) + "十" + (ones[unit] if unit else "")


@pytest.mark.parametrize("n", range(100))
def test_small_chinese_integers_match_the_table(n):
    assert spoken(str(n), "zh") == zh_table(n)


@given(st.integers(0, 10**12))
def test_chinese_integers_read_back(n):
    words = spoken(str(n), "zh")
    assert parse_zh(words) == n
    assert not re.search(r"[0-9]", words)
    assert "零零" not in words and (n == 0 or not words.endswith("零"))
    assert not words.startswith("一十")
    # 两 only for a leading 2 in a 千, 万 or 亿 place; every other 2 is 二
    size = len(str(n))
    leading_liang = str(n)[0] == "2" and size > 1 and size % 4 in (0, 1)
    assert words.startswith("两") == leading_liang
    assert "两" not in words[1:]


@given(st.integers(0, 10**12))
def test_english_integers_read_back(n):
    words = spoken(str(n), "en")
    assert parse_en(words) == n
    assert not re.search(r"[0-9]", words)
    assert " and " not in words and "  " not in words


@given(st.integers(0, 10**12))
def test_thousands_separators_are_one_number(n):
    text = f"{n:,}"
    assert spoken(text, "zh") == spoken(str(n), "zh")
    assert spoken(text, "en") == spoken(str(n), "en")


@given(st.integers(10**12 + 1, 10**20))
def test_huge_integers_are_read_digit_by_digit(n):
    assert digits_back(spoken(str(n), "zh"), "zh") == str(n)
    assert digits_back(spoken(str(n), "en"), "en") == str(n)


@given(st.integers(0, 10**6), st.text("0123456789", min_size=1, max_size=8))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_decimals_keep_every_digit(lang, whole, frac):
    text = f"{whole}.{frac}"
    assert read_back(spoken(text, lang), lang) == text


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 4))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_numbers_as_the_scene_writes_them_read_back(lang, value, places):
    text = fmt(value, places)
    assert read_back(spoken(text, lang), lang) == text


@given(st.integers(1, 10**9), st.sampled_from(["", ".5", ".05"]),
       st.sampled_from(["-", "−"]))
def test_the_sign_is_never_dropped(n, frac, minus):
    number = f"{n}{frac}"
    zh = spoken(f"结果是 {minus}{number}，对吗", "zh")
    assert zh == f"结果是负{spoken(number, 'zh')}，对吗"
    en = spoken(f"it is {minus}{number}, right", "en")
    assert en == f"it is minus {spoken(number, 'en')}, right"
    assert spoken(f"3×{minus}{number}", "en") == f"three times minus {spoken(number, 'en')}"
    assert spoken(f"{minus}{number}%", "zh") == f"负百分之{spoken(number, 'zh')}"


@given(st.integers(1, 10**6), st.integers(2, 10**6))
def test_fractions_read_denominator_and_numerator(a, b):
    assert spoken(f"{a}/{b}", "zh") == f"{spoken(str(b), 'zh')}分之{spoken(str(a), 'zh')}"
    en = spoken(f"{a}/{b}", "en")
    assert en.startswith(spoken(str(a), "en") + " ")
    assert not re.search(r"[0-9]", en)


@given(st.text("0123456789.,-+−×x*/÷=≈%^eE–∞ 第个倍次方行ab中文", max_size=40))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_digit_survives_any_text(lang, text):
    out = spoken(text, lang)
    assert not re.search(r"[0-9]", out), (text, out)


@given(st.lists(st.tuples(st.sampled_from(["the", "sum", "is", "and", "of"]),
                          st.integers(-10**9, 10**9)), min_size=1, max_size=6))
def test_english_words_stay_single_spaced(pairs):
    text = " ".join(f"{word} {n}" for word, n in pairs)
    out = spoken(text, "en")
    assert "  " not in out and out == out.strip()
    assert len(out.split(" ")) >= 2 * len(pairs)


@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=5))
def test_chinese_keeps_no_space_next_to_a_number_between_chinese_words(numbers):
    text = "，".join(f"值 {n} 个" for n in numbers)
    out = spoken(text, "zh")
    assert " " not in out
    assert out.count("值") == len(numbers) and not re.search(r"[0-9]", out)
