"""Narration as a speech engine should read it: every number, sign and operator in words.

Engines misread digits (espeak-ng says 3.22 as 三二二 and 10.33 as 十三三; some voices drop the
minus of -14), so `spoken` spells each number the way a teacher reads it aloud. Rules:

- Integers up to 10^12 are read in full (zh 一万二千三百四十五, en "twelve thousand three
  hundred forty-five", American, no "and"); larger ones, and ones written with a leading zero
  (007), digit by digit, like codes. 12,345 is one number; "3, 4" and "3,4" are two, but
  (3,224,224) is one: write tuples with spaces. An operator with a number on one side only
  is read too: x = 3 (x等于三, "x equals three"), x + 1, 3 = y.
- zh 二/两: 二 everywhere (2, 12, 20, 200, 一万二千) except a leading 2 in a 千, 万 or 亿 place
  (两千, 两万, 两千万, 两亿) and a bare 2 counting something (两个, 两倍, 两行, 两万, but 第二个
  and 二次方), which is how a Chinese teacher says them.
- Decimals read digit by digit after the point: 三点二二, "three point two two".
- A - or + directly before a digit is a sign (负/正, minus/plus) unless it follows a letter,
  digit or closing bracket: then it is a hyphen, as in ResNet-50, top-5 or x-1, and only the
  number is read. U+2212 (−) is always minus: x−1 reads x减一 / "x minus one".
- Between two numbers: 1-3 and 1–3 are ranges (一到三, "one to three"); 3 - 4, 3 − 4, 3−4, and
  an unspaced hyphen in a longer chain (5-3=2) subtract. 3 -4 is two numbers, three and minus four.
- Products: two unsigned integers joined by the letter x or by × without spaces are a size
  (八乘八, "eight by eight"); any other product reads 乘 / "times" (29 × 0.11, 3×-2, 2 * 3).
  A number followed by x or × and no operand is a factor (3x faster: 三倍, "three times").
- a/b of two integers is a fraction (九分之一; "one ninth", "three quarters"; en names
  denominators up to 20, 100 and 1000, others read "17 over 93"); with a decimal it divides.
- Scientific notation: 1.2e+05 is 一点二乘十的五次方 / "one point two times ten to the five";
  a power 2^10 is 二的十次方 / "two to the ten".
- zh drops the ASCII spaces around a number unless the neighbour is a Latin letter or another
  number (三四 would mean "three or four"); en puts single spaces between words.
"""

from __future__ import annotations

import re

ZH_DIGITS = "零一二三四五六七八九"
EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
           "fourteen fifteen sixteen seventeen eighteen nineteen").split()
EN_TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()
EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"),
             (100, "hundred"))
EN_IRREGULAR = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}
LIMIT = 10**12  # read in full up to here; beyond, digit by digit

SIGN_WORDS = {"zh": {"-": "负", "−": "负", "+": "正"},
              "en": {"-": "minus ", "−": "minus ", "+": "plus "}}
OP_WORDS = {"zh": {"+": "加", "-": "减", "−": "减", "*": "乘", "×": "乘", "x": "乘", "/": "除以",
                   "÷": "除以", "=": "等于", "≈": "约等于", "^": "的", "to": "到", "by": "乘"},
            "en": {"+": "plus", "-": "minus", "−": "minus", "*": "times", "×": "times",
                   "x": "times", "/": "divided by", "÷": "divided by", "=": "equals",
                   "≈": "is approximately", "^": "to the", "to": "to", "by": "by"}}
FRACTION_NAMES = {2: "half", 4: "quarter", 100: "hundredth", 1000: "thousandth"}
INFINITY = {"zh": "无穷大", "en": "infinity"}

# A number: 12,345 only with full groups of three, so "3,4" stays two numbers.
NUM = r"(?:(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|∞)"
VALUE = rf"{NUM}(?:/{NUM})?[%％]?"
SIGN = r"[-+−]"
OPERAND = r"[A-Za-z0-9_)\]]"  # what a hyphen joins to: ResNet-50, (a)-1
# Spaces on both sides or none for - − / x: "3 -4" is a list of three and minus four.
OP = r"\s*[×*÷=≈+–^]\s*|\s+[-−/x]\s+|[-−x]"
CHAIN = re.compile(rf"""
    (?P<lead>[=≈×÷]\s*|(?<={OPERAND})[+−]|(?<={OPERAND}\s)[+−/]\s+)?  # operator after a non-number
    (?:(?<!{OPERAND}){SIGN})? {VALUE}
    (?:(?:{OP}){SIGN}?{VALUE})*
    (?P<tail>(?:st|nd|rd|th)(?![A-Za-z])|[x×](?![A-Za-z0-9])|\s*[=≈])?
""", re.VERBOSE)
TERM = re.compile(rf"(?P<sign>{SIGN})?(?P<num>{NUM})(?:/(?P<den>{NUM}))?(?P<pct>[%％])?")
PAIR = re.compile(rf"(?P<op>{OP})(?P<term>{SIGN}?{VALUE})")
INTEGER = re.compile(r"[0-9][0-9,]*")
PARTS = re.compile(r"(?P<int>[0-9,]+)(?:\.(?P<frac>[0-9]+))?(?:[eE](?P<exp>[-+]?[0-9]+))?")
# Measure words after which a bare 2 is 两; 次方 (power) keeps 二.
MEASURE = re.compile(r"\s*[个次倍层行列格步种张条组块轮遍位秒天年只件类项段句千万亿](?!方)")
OPEN, CLOSE = "\x02", "\x03"  # mark spoken numbers so spaces next to them can be fixed
# zh: drop spaces between a number and anything but a Latin letter or another number.
ZH_GAP = re.compile(rf"(?<![A-Za-z{CLOSE}\s])[ \t]+(?={OPEN})"
                    rf"|(?<={CLOSE})[ \t]+(?![A-Za-z{OPEN}\s])")
EN_GAP = re.compile(rf"(?<=[^\W_]){OPEN}|{CLOSE}(?=[^\W_]|{OPEN})")
FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def digits(text: str, lang: str) -> str:
    """Digit by digit, as codes and the digits after a decimal point are read."""
    if lang == "zh":
        return "".join(ZH_DIGITS[int(d)] for d in text)
    return " ".join(EN_ONES[int(d)] for d in text)


def zh_full(n: int) -> str:
    """0 < n <= 10^12 with 一十 and 二千 everywhere; zh_integer shortens the start."""
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if n >= size:
            high, low = divmod(n, size)
            gap = "零" if 0 < low < size // 10 else ""  # 一万零五: a zero before the low part
            return zh_full(high) + unit + gap + (zh_full(low) if low else "")
    out, gap = "", False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // place % 10
        if not digit:
            gap = bool(out)  # zeros inside a number are read once: 一千零五
            continue
        out += ("零" if gap else "") + ZH_DIGITS[digit] + unit
        gap = False
    return out


def zh_integer(n: int) -> str:
    if n == 0:
        return "零"
    words = zh_full(n)
    if words.startswith("一十"):  # 十二, 十万: a leading 一十 is said 十
        words = words[1:]
    size = len(str(n))
    if str(n)[0] == "2" and (size % 4 == 0 or size % 4 == 1 and size > 1):  # 两千, 两万, 两亿
        words = "两" + words[1:]
    return words


def en_integer(n: int) -> str:
    if n < 20:
        return EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return EN_TENS[tens] + (f"-{EN_ONES[ones]}" if ones else "")
    size, name = next((size, name) for size, name in EN_SCALES if n >= size)
    high, low = divmod(n, size)
    return f"{en_integer(high)} {name}" + (f" {en_integer(low)}" if low else "")


def en_ordinal(words: str) -> str:
    """twenty-one -> twenty-first, one hundred -> one hundredth."""
    head, last = re.fullmatch(r"(.*?)([a-z]+)", words).groups()  # type: ignore[union-attr]
    return head + EN_IRREGULAR.get(last, last[:-1] + "ieth" if last.endswith("y") else last + "th")


def integer(text: str, lang: str) -> str:
    text = text.replace(",", "")
    if len(text) > 1 and text[0] == "0" or len(text) > len(str(LIMIT)) or int(text) > LIMIT:
        return digits(text, lang)
    return zh_integer(int(text)) if lang == "zh" else en_integer(int(text))


def number(text: str, lang: str) -> str:
    """An unsigned number: integer, decimal or scientific."""
    if text == "∞":
        return INFINITY[lang]
    parts = PARTS.fullmatch(text)
    assert parts, text
    words = integer(parts["int"], lang)
    if parts["frac"]:
        words += ("点" if lang == "zh" else " point ") + digits(parts["frac"], lang)
    if parts["exp"]:
        power = parts["exp"].lstrip("+-").lstrip("0") or "0"
        power_words = SIGN_WORDS[lang]["-"] * parts["exp"].startswith("-") + integer(power, lang)
        words += (f"乘十的{power_words}次方" if lang == "zh"
                  else f" times ten to the {power_words}")
    return words


def fraction(top: str, bottom: str, lang: str) -> str:
    a, b = number(top, lang), number(bottom, lang)
    if not (INTEGER.fullmatch(top) and INTEGER.fullmatch(bottom)):
        return f"{a}除以{b}" if lang == "zh" else f"{a} divided by {b}"
    if lang == "zh":
        return f"{b}分之{a}"
    n, d = (int(x) if len(x) < 5 else 0 for x in (top.replace(",", ""), bottom.replace(",", "")))
    if not (2 <= d <= 20 or d in (100, 1000)):
        return f"{a} over {b}"
    name = FRACTION_NAMES.get(d) or en_ordinal(en_integer(d))
    if n != 1:
        name = "halves" if d == 2 else name + "s"
    return f"{a} {name}"


def term(text: str, lang: str, counted: bool = False, ordinal: bool = False) -> str:
    """One signed number, fraction or percentage; `counted` 2 is 两, `ordinal` 3rd is third."""
    parts = TERM.fullmatch(text)
    assert parts, text
    num = parts["num"]
    if parts["den"]:
        words = fraction(num, parts["den"], lang)
    elif lang == "zh" and counted and text == "2":
        words = "两"
    else:
        words = number(num, lang)
        if ordinal and INTEGER.fullmatch(num):
            words = "第" + words if lang == "zh" else en_ordinal(words)
    if parts["pct"]:
        words = "百分之" + words if lang == "zh" else words + " percent"
    return SIGN_WORDS[lang][parts["sign"]] + words if parts["sign"] else words


def operator(op: str, left: str | None, right: str, terms: int) -> str:
    """The OP_WORDS key for `op` between `left` (None: not a number) and `right`."""
    symbol = op.strip()
    if symbol == "–" or symbol == "-" and op == symbol and terms == 2:
        return "to"  # 1-3, 1–3: a range
    sizes = left is not None and INTEGER.fullmatch(left) and INTEGER.fullmatch(right)
    if sizes and (symbol == "x" or op == "×"):
        return "by"  # 8×8, 3 x 3
    return symbol


def read_chain(match: re.Match[str], lang: str) -> str:
    """Numbers joined by operators, with the operator before or after them if any."""
    lead, tail = match["lead"] or "", match["tail"] or ""
    body = match[0][len(lead):len(match[0]) - len(tail)]
    first = TERM.match(body)
    assert first, body
    terms, ops, pos = [first[0]], [], first.end()
    while pos < len(body):
        pair = PAIR.match(body, pos)
        assert pair, body
        ops.append(pair["op"])
        terms.append(pair["term"])
        pos = pair.end()
    after = match.string[match.end():]
    ordinal = tail in ("st", "nd", "rd", "th")
    factor = tail in ("x", "×")
    counted = (factor or not tail and bool(MEASURE.match(after))) and not (
        match.string[:match.start()].rstrip().endswith("第"))
    words = [OP_WORDS[lang][operator(lead, None, terms[0], 1)]] if lead else []
    for i, text in enumerate(terms):
        if i:
            words.append(OP_WORDS[lang][operator(ops[i - 1], terms[i - 1], text, len(terms))])
        last = i == len(terms) - 1
        words.append(term(text, lang, counted and last, ordinal and last))
        if i and lang == "zh" and ops[i - 1].strip() == "^":
            words.append("次方")  # 2^10: 二的十次方
    if factor:
        words.append("倍" if lang == "zh" else "times")
    elif tail and not ordinal:
        words.append(OP_WORDS[lang][tail.strip()])
    return ("" if lang == "zh" else " ").join(words)


def spoken(text: str, lang: str) -> str:
    """The words a speech engine should read for narration `text` (as shown on subtitles)."""
    if lang not in OP_WORDS:
        raise ValueError(f"no spoken numbers for language {lang!r}; known: zh, en")
    text = text.replace(OPEN, "").replace(CLOSE, "").translate(FULL_WIDTH)
    text = CHAIN.sub(lambda m: OPEN + read_chain(m, lang) + CLOSE, text)
    text = ZH_GAP.sub("", text) if lang == "zh" else EN_GAP.sub(" ", text)
    return text.replace(OPEN, "").replace(CLOSE, "")
