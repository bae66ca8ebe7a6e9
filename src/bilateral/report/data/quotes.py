"""Read the numbers a quote states and check a figure's value against them.

A figure row may carry a ``quote``: the source's own words stating the number. The
value of the row must be what the quote prints, read in the row's unit::

    "the two-way trade reached a record $240.1 billion"   usd_bn   240.1
    "今年一季度，中俄雙邊貿易額566.8億美元"                 usd_bn   56.68
    "рекордные 244,819 миллиарда"  (a Russian source)       usd_bn   244.819
    "the ongoing eighth China-Russia Expo"                  count    8

A value agrees with a quote when, for at least one number the quote states, the
value rounded half away from zero to that number's printed precision equals it:
53.845 agrees with "$53.85 billion", 53.84 does not.

The module is pure: it reads no file and raises nothing; :func:`mismatch` returns
the reason a row is refused, and :mod:`bilateral.report.data.figures` raises the ``DataError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bilateral.report.metrics import prints_as

EXEMPT: dict[str, str] = {
    "rst_foreign_tourists_2022": (
        "the RST's phrase \"в 2023 году Россию посетили в три раза больше иностранных "
        "туристов\" states a multiple (three times as many), not the count of 2022"),
    "rst_foreign_tourists_2023": (
        "the RST's phrase \"в 2023 году Россию посетили в три раза больше иностранных "
        "туристов\" states a multiple (three times as many), not the count of 2023"),
}
"""Rows (by id) whose quote is not checked against the value, each with the reason.

A quote belongs here only when it does not print the row's value in a form this
module reads: a multiple, a number in words of another language, a comparison.
"""

NOT_NUMBERS = frozenset({
    "two-way", "one-way", "one-off", "one-sided", "two-sided",
    "first-hand", "second-hand", "first-rate", "second-rate", "first-class",
})
"""Hyphenated phrases whose number word counts nothing (``the two-way trade``)."""

CARDINALS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19,
}
"""English number words below twenty."""

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
"""English ordinal words below twentieth."""

TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
"""English words for the tens."""

ORDINAL_TENS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
                "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90}
"""English ordinal words for the tens."""

SCALES = (
    (re.compile(r"(?:trillions?|tn)\b|трлн\b\.?|триллион\w*", re.IGNORECASE), Decimal("1e12")),
    (re.compile(r"(?:billions?|bn)\b|млрд\b\.?|миллиард\w*", re.IGNORECASE), Decimal("1e9")),
    (re.compile(r"(?:millions?|mln)\b|млн\b\.?|миллион\w*", re.IGNORECASE), Decimal("1e6")),
    (re.compile(r"thousands?\b|тыс\w*\.?", re.IGNORECASE), Decimal("1e3")),
    (re.compile(r"[億亿]"), Decimal("1e8")),
    (re.compile(r"[万萬]"), Decimal("1e4")),
)
"""Scale words that may follow a number, each with the factor it multiplies by."""

UNIT_BASE = {"usd_bn": Decimal("1e9")}
"""Units counted in more than ones: a scaled number is divided by this to be in the unit."""

_SPACE = "[ \t\u00a0\u2009\u202f]"
_AFTER = re.compile(f"{_SPACE}*")
_PERCENT = re.compile(r"%|％|per\s?cent\b|pct\b|процент\w*", re.IGNORECASE)
_EN_NUMBER = re.compile(r"(?<!\d)(?P<sign>(?<![\w.])-|−)?"
                        r"(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
                        r"(?:\.(?P<frac>\d+))?(?P<ord>(?:st|nd|rd|th)\b)?")
_RU_NUMBER = re.compile(r"(?<!\d)(?P<sign>(?<![\w,])-|−)?"
                        rf"(?P<int>\d{{1,3}}(?:{_SPACE}\d{{3}})+(?!\d)|\d+)"
                        r"(?:,(?P<frac>\d+))?")
_WORD = re.compile(r"[A-Za-z]+")
_WORD_GAP = re.compile(r"[ \t\u00a0-]+")


@dataclass(frozen=True)
class Number:
    """One number a quote states, as printed.

    Attributes
    ----------
    value : Decimal
        The number before any scale word: 566.8 for ``566.8億``, 8 for ``eighth``.
    decimals : int
        Digits printed after the decimal separator; 0 for words and ordinals.
    scale : Decimal
        The factor of the scale word that follows it (1e8 for ``億``), 1 when none.
    percent : bool
        Followed by ``%``, ``percent`` or ``процент…``.
    signed : bool
        Printed with a minus sign.
    text : str
        The number as printed, with its scale word or percent sign.
    plain : str
        The number alone as printed: ``566.8`` of ``566.8億``.
    """

    value: Decimal
    decimals: int
    scale: Decimal = Decimal(1)
    percent: bool = False
    signed: bool = False
    text: str = ""
    plain: str = ""


def read_numbers(quote: str, language: str = "en") -> list[Number]:
    """Every number ``quote`` states, in the order printed.

    Parameters
    ----------
    quote : str
        The source's own words.
    language : str
        The source's language (``sources.csv``). For ``ru`` the comma is the decimal
        separator and spaces (ordinary, non-breaking, thin) separate thousands; for
        any other language the comma separates thousands and the point is decimal.

    Returns
    -------
    list of Number
        Digits (with separators, a sign, a digit ordinal such as ``75th``), English
        number words (``six``, ``twenty-five``, ``one hundred``) and ordinal words
        (``eighth``), each with the scale word or percent sign that follows it.
    """
    found: list[tuple[int, Number]] = []
    russian = language.lower().startswith("ru")
    pattern = _RU_NUMBER if russian else _EN_NUMBER
    for m in pattern.finditer(quote):
        digits = re.sub(f"{_SPACE}|,", "", m["int"])
        frac = m["frac"] or ""
        value = Decimal(f"{digits}.{frac}" if frac else digits)
        if m["sign"]:
            value = -value
        found.append((m.start(), _finish(quote, m.start(), m.end(), value, len(frac),
                                         bool(m["sign"]))))
    for start, end, value in _word_numbers(quote):
        found.append((start, _finish(quote, start, end, Decimal(value), 0, False)))
    return [n for _, n in sorted(found, key=lambda pair: pair[0])]


def _finish(quote: str, start: int, end: int, value: Decimal, decimals: int,
            signed: bool) -> Number:
    """The number with the scale word or percent sign printed right after it."""
    plain = quote[start:end]
    rest = _AFTER.match(quote, end).end()
    scale, percent = Decimal(1), False
    for pattern, factor in SCALES:
        m = pattern.match(quote, rest)
        if m:
            scale, end = factor, m.end()
            break
    else:
        m = _PERCENT.match(quote, rest)
        if m:
            percent, end = True, m.end()
    return Number(value, decimals, scale, percent, signed, quote[start:end].strip(), plain)


def _word_numbers(quote: str) -> list[tuple[int, int, int]]:
    """English number and ordinal words in ``quote``: (start, end, value) of each."""
    tokens = [(m[0].lower(), m.start(), m.end()) for m in _WORD.finditer(quote)]

    def word(j: int) -> str | None:
        """Token ``j`` when it continues the phrase of token ``j - 1``."""
        if j < len(tokens) and _WORD_GAP.fullmatch(quote, tokens[j - 1][2], tokens[j][1]):
            return tokens[j][0]
        return None

    def below_hundred(j: int) -> tuple[int, int] | None:
        """(value, next token) of a number word below one hundred starting at ``j``."""
        w = tokens[j][0]
        if w in CARDINALS:
            return CARDINALS[w], j + 1
        if w in ORDINALS:
            return ORDINALS[w], j + 1
        if w in ORDINAL_TENS:
            return ORDINAL_TENS[w], j + 1
        if w in TENS:
            unit = word(j + 1)
            if unit is not None:
                ones = CARDINALS.get(unit) or ORDINALS.get(unit)
                if ones is not None and ones < 10:
                    return TENS[w] + ones, j + 2
            return TENS[w], j + 1
        return None

    def hundreds(value: int, j: int) -> tuple[int, int]:
        """Add the tens and ones after ``hundred`` (``one hundred and twenty``)."""
        k = j + 1 if word(j) == "and" else j
        if word(k) is not None:
            tail = below_hundred(k)
            if tail is not None and tail[0] > 0:
                return value + tail[0], tail[1]
        return value, j

    out = []
    i = 0
    while i < len(tokens):
        w, start = tokens[i][0], tokens[i][1]
        nxt = word(i + 1)
        if nxt is not None and quote[tokens[i][2]:tokens[i + 1][1]] == "-" and (
                f"{w}-{nxt}" in NOT_NUMBERS):
            i += 2
            continue
        if w == "hundredth":
            value, j = 100, i + 1
        elif w == "hundred":
            value, j = hundreds(100, i + 1)
        else:
            head = below_hundred(i)
            if head is None:
                i += 1
                continue
            value, j = head
            if w in CARDINALS and 0 < value < 10:
                if word(j) == "hundredth":
                    value, j = value * 100, j + 1
                elif word(j) == "hundred":
                    value, j = hundreds(value * 100, j + 1)
        out.append((start, tokens[j - 1][2], value))
        i = j
    return out


def in_unit(number: Number, unit: str) -> tuple[Decimal, int] | None:
    """The number in ``unit`` with its printed precision there, or None if it cannot be one.

    A percentage states only a ``percent`` figure, and a ``percent`` figure is stated by
    no number with a scale word. Scale words multiply (``5.1 million`` people is 5100000,
    precision −5); in ``usd_bn`` a scaled number is converted to billions (``566.8億`` is
    56.68, precision 2) and a bare number is taken as billions.

    Returns
    -------
    tuple of (Decimal, int) or None
        The value in the unit and the number of decimals it is printed to there.
    """
    if unit == "percent":
        if number.scale != 1:
            return None
        return number.value, number.decimals
    if number.percent:
        return None
    factor = Decimal(1)
    if number.scale != 1:
        factor = number.scale / UNIT_BASE.get(unit, Decimal(1))
    return number.value * factor, number.decimals - factor.adjusted()


def _agrees_with(value: Decimal, stated: Decimal, decimals: int, signed: bool) -> bool:
    """True when ``value`` prints as ``stated`` at ``decimals`` (:func:`metrics.prints_as`)."""
    targets = [value]
    if value < 0 and not signed:
        targets.append(-value)  # a fall is printed as a word and an unsigned number
    try:
        return any(prints_as(float(v), float(stated), decimals) for v in targets)
    except (InvalidOperation, OverflowError):
        return False  # printed to more digits than a value can carry: no agreement


def agrees(value: Decimal | float | str, unit: str, quote: str, language: str = "en") -> bool:
    """True when some number of ``quote``, read in ``unit``, is ``value`` as printed.

    Parameters
    ----------
    value : Decimal, float or str
        The figure's value.
    unit : str
        The figure's unit (``usd_bn``, ``percent``, ``people``, ``count``, ``years``).
    quote : str
        The source's words.
    language : str
        The source's language; see :func:`read_numbers`.
    """
    exact = _decimal(value)
    for number in read_numbers(quote, language):
        stated = in_unit(number, unit)
        if stated is not None and _agrees_with(exact, stated[0], stated[1], number.signed):
            return True
    return False


def mismatch(figure_id: str, value: Decimal | float | str, unit: str, quote: str,
             language: str = "en") -> str | None:
    """Why the row's value does not agree with its quote, or None when it does.

    An empty quote and a row listed in :data:`EXEMPT` are not checked. A quote that
    states no number at all is refused: it cannot vouch for the value.

    Parameters
    ----------
    figure_id : str
        The row's id, for the message and the exemption.
    value : Decimal, float or str
        The value as in the file (a str is shown as written).
    unit, quote, language : str
        The row's unit and quote, and its source's language.

    Returns
    -------
    str or None
        One line naming the id, the value, the quote and what the quote states.
    """
    if not quote or figure_id in EXEMPT:
        return None
    numbers = read_numbers(quote, language)
    head = f'{figure_id} = {value}, but its quote "{quote}"'
    if not numbers:
        return (f"{head} states no number; correct the quote, or list {figure_id} in "
                "bilateral.report.data.quotes.EXEMPT with the reason it cannot be read")
    if agrees(value, unit, quote, language):
        return None
    stated = []
    for number in numbers:
        got = in_unit(number, unit)
        if got is None:
            continue
        shown = _show(*got)
        stated.append(shown if shown == number.plain else f"{shown} ({number.text})")
    if not stated:
        printed = ", ".join(n.text for n in numbers)
        return f"{head} states no number in {unit} (it prints {printed})"
    listed = stated[0] if len(stated) == 1 else ", ".join(stated[:-1]) + " and " + stated[-1]
    return f"{head} states {listed}"


def _show(value: Decimal, decimals: int) -> str:
    """``value`` written out with ``decimals`` digits after the point (none if negative)."""
    try:
        return f"{value.quantize(Decimal(1).scaleb(-max(decimals, 0))):f}"
    except InvalidOperation:
        return f"{value:f}"


def _decimal(value: Decimal | float | str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
