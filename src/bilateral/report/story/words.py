"""Words chosen by numbers: comparison words, count words, ordinals and period names.

Every function here takes the numbers a sentence is about and returns the word that
is true of them, so no sentence in a report carries a comparison that was typed by
hand. Formatting of the numbers themselves stays in :mod:`bilateral.report.story.fmt`.
"""

from __future__ import annotations

from bilateral.report.data.figures import Period

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()
_QUARTERS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
_MONTHS = ("January February March April May June July August September October November "
           "December").split()


def count_word(n: int) -> str:
    """``6`` → ``'six'``; numbers above twenty (and negative ones) stay digits."""
    n = int(n)
    return _SMALL[n] if 0 <= n < len(_SMALL) else f"{n:,}".replace("-", "\u2212")


def ordinal(n: int) -> str:
    """``75`` → ``'75th'``, ``1`` → ``'1st'``, ``12`` → ``'12th'``, ``22`` → ``'22nd'``."""
    n = int(n)
    if 10 <= abs(n) % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(abs(n) % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """``'1 year'``, ``'2 years'``, with the count as a word up to twenty."""
    word = one if abs(n) == 1 else (many or one + "s")
    return f"{count_word(n)} {word}"


def compare(x: float, y: float, above: str = "above", below: str = "below",
            equal: str = "equal to") -> str:
    """The word that relates ``x`` to ``y``: ``above``, ``below`` or ``equal to``."""
    if x > y:
        return above
    if x < y:
        return below
    return equal


def change(pct: float, up: str = "up", down: str = "down", flat: str = "unchanged") -> str:
    """The direction of a change in percent: ``'up'``, ``'down'`` or ``'unchanged'``."""
    return compare(pct, 0.0, up, down, flat)


def period_name(p: Period) -> str:
    """A period as a reader says it: ``'2023'``, ``'Q1 2024'``, ``'January–February 2024'``,
    ``'16 May 2024'``, ``'2024–2030'``."""
    if p.kind == "year":
        return str(p.start.year)
    if p.kind == "quarter":
        return f"Q{(p.start.month - 1) // 3 + 1} {p.start.year}"
    if p.kind == "day":
        return f"{p.start.day} {_MONTHS[p.start.month - 1]} {p.start.year}"
    if p.kind == "years":
        return f"{p.start.year}–{p.end.year}"
    first, last = _MONTHS[p.start.month - 1], _MONTHS[p.end.month - 1]
    if p.start.year == p.end.year:
        return f"{first}–{last} {p.end.year}"
    return f"{first} {p.start.year} – {last} {p.end.year}"


def period_phrase(p: Period) -> str:
    """A period in running text: ``'the first quarter of 2024'``, ``'2023'``."""
    if p.kind == "quarter":
        return f"the {_QUARTERS[(p.start.month - 1) // 3 + 1]} quarter of {p.start.year}"
    return period_name(p)


def step(decimals: int) -> str:
    """The unit of the last printed digit: ``-3`` → ``'1,000'``, ``1`` → ``'0.1'``."""
    if decimals <= 0:
        return f"{10 ** -decimals:,}"
    return f"{10.0 ** -decimals:.{decimals}f}"


def plain(x: float) -> str:
    """A parameter as the user typed it: ``3.0`` → ``'3'``, ``3.25`` → ``'3.25'``."""
    text = f"{x:,.10f}".rstrip("0").rstrip(".")
    return text.replace("-", "\u2212")


def growth_label(pct: float) -> str:
    """A scenario's rate exactly as set: ``5.25`` → ``'+5.25 % a year'``."""
    sign = "+" if pct > 0 else ""
    return f"{sign}{plain(pct)} % a year"


def day(d) -> str:
    """A date as a reader says it: ``'16 May 2024'``."""
    return f"{d.day} {d:%B} {d.year}"


def article_name(source) -> str:
    """An article by its outlet and date: ``"CGTN's article of 16 May 2024"``."""
    owner = source.publisher + ("'" if source.publisher.endswith("s") else "'s")
    return f"{owner} article of {day(source.date)}"


def subject(f) -> str:
    """What a figure counts, without its period: "China–Russia trade, 2023" → "China–Russia
    trade"; "Foreign visitors to Russia, 2022" → "Foreign visitors to Russia"."""
    label = f.label
    for tail in (period_name(f.period), period_phrase(f.period), f.period.text):
        for sep in (", ", " in "):
            if label.endswith(sep + tail):
                return label[: -len(sep + tail)]
    return label.split(", ")[0]
