"""A figure agrees with its quote: ``bilateral.report.data.quotes`` and the loader's use of it.

Every expected number below was worked out by hand from the quote's text (566.8億 is
566.8 x 10^8 dollars = 56.68 billion; "5.1 million" is 5 100 000 printed to the hundred
thousand, precision -5), not read back from the code under test. Line numbers of the data
files are as in ``tests/test_figures.py`` (header = line 1).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bilateral.core.errors import DataError
from bilateral.report.data.figures import load
from bilateral.report.data.quotes import EXEMPT, agrees, in_unit, mismatch, read_numbers
from tests.support import DATA, edit_line, set_figure

FIGURES = "data/figures.csv"
ANNUAL = "data/context/trade_annual.csv"
QUARTERS = "data/context/trade_quarters.csv"


def one(quote: str, language: str = "en"):
    """The only number of ``quote``."""
    numbers = read_numbers(quote, language)
    assert len(numbers) == 1, numbers
    return numbers[0]


# --------------------------------------------------------------------------- reading numbers


@pytest.mark.parametrize(("quote", "value", "decimals"), [
    ("a record $240.1 billion", "240.1", 1),
    ("a year on year increase of 5.2 percent", "5.2", 1),
    ("from 187,000 visitors", "187000", 0),
    ("signed more than 10 key cooperation documents", "10", 0),
    ("showcases more than 5,000 products", "5000", 0),
    ("$1,234,567.89 in all", "1234567.89", 2),
    ("bilateral trade amounting to $56.68 billion", "56.68", 2),
])
def test_digits_in_english(quote, value, decimals):
    n = one(quote)
    assert (n.value, n.decimals) == (Decimal(value), decimals)


@pytest.mark.parametrize(("quote", "value"), [
    ("the ongoing eighth China-Russia Expo", 8),
    ("on the occasion of 75th anniversary", 75),
    ("the 1st meeting", 1), ("the 2nd meeting", 2), ("the 3rd meeting", 3),
    ("the 21st century", 21),
    ("the first quarter", 1), ("the twentieth time", 20), ("the seventy-fifth year", 75),
    ("the twelfth plan", 12),
])
def test_ordinals(quote, value):
    n = one(quote)
    assert (n.value, n.decimals) == (value, 0)


@pytest.mark.parametrize(("quote", "value"), [
    ("in the next six years", 6),
    ("from ten sectors", 10),
    ("nineteen regions", 19),
    ("forty regions", 40),
    ("twenty-five regions", 25),
    ("twenty five regions", 25),
    ("one hundred regions", 100),
    ("a hundred regions", 100),
    ("three hundred and twelve regions", 312),
    ("two hundred ninety-nine regions", 299),
])
def test_number_words(quote, value):
    assert one(quote).value == value


def test_two_way_trade_is_not_a_number():
    # "two-way" counts nothing: the one number of the article's sentence is 240.1.
    n = one("the two-way trade reached a record $240.1 billion")
    assert n.value == Decimal("240.1")
    assert read_numbers("a one-off payment and second-hand goods") == []


def test_words_that_are_not_numbers():
    assert read_numbers("more than tripled, with majority being Chinese tourists") == []
    assert read_numbers("") == []


def test_several_numbers_in_one_quote():
    numbers = read_numbers("hit $240.1 billion in 2023, growing 26.3%")
    assert [n.value for n in numbers] == [Decimal("240.1"), 2023, Decimal("26.3")]
    assert [n.scale for n in numbers] == [Decimal("1e9"), 1, 1]
    assert [n.percent for n in numbers] == [False, False, True]
    assert [n.text for n in numbers] == ["240.1 billion", "2023", "26.3%"]

    visitors = read_numbers("more than tripled in 2023, from 187,000 to 600,000")
    assert [n.value for n in visitors] == [2023, 187000, 600000]


@pytest.mark.parametrize(("quote", "value", "decimals"), [
    ("достиг $89,21 млрд", "89.21", 2),
    ("рекордные 244,819 миллиарда", "244.819", 3),
    ("187 000 туристов", "187000", 0),
    ("187\u00a0000 туристов", "187000", 0),        # non-breaking space
    ("187\u2009000 туристов", "187000", 0),        # thin space
    ("187\u202f000 туристов", "187000", 0),        # narrow non-breaking space
    ("1 234 567,5 рубля", "1234567.5", 1),
])
def test_russian_decimal_comma_and_spaced_thousands(quote, value, decimals):
    n = one(quote, "ru")
    assert (n.value, n.decimals) == (Decimal(value), decimals)


def test_the_same_digits_read_by_language():
    # "244,819": 244.819 in a Russian source, 244 819 in an English one.
    assert one("244,819", "ru").value == Decimal("244.819")
    assert one("244,819", "en").value == 244819
    assert one("244,819", "zh").value == 244819
    # "89,21" is no thousands group in English: read as 89 and 21 (billion).
    assert [n.value for n in read_numbers("$89,21 млрд", "en")] == [89, 21]
    # A year followed by words in Russian is not joined to anything.
    assert [n.value for n in read_numbers("по итогам 2013 года … достиг $89,21 млрд", "ru")] == [
        2013, Decimal("89.21")]


@pytest.mark.parametrize(("quote", "language", "scale"), [
    ("$240.1 billion", "en", "1e9"), ("$240.1bn", "en", "1e9"), ("$240.1 bn", "en", "1e9"),
    ("$89,21 млрд", "ru", "1e9"), ("$89,21 млрд.", "ru", "1e9"),
    ("244,819 миллиарда", "ru", "1e9"), ("5 миллиардов", "ru", "1e9"),
    ("5.1 million", "en", "1e6"), ("5.1 mln", "en", "1e6"), ("5,1 млн", "ru", "1e6"),
    ("5,1 миллиона", "ru", "1e6"),
    ("600 thousand", "en", "1e3"), ("600 тыс.", "ru", "1e3"), ("600 тысяч", "ru", "1e3"),
    ("566.8億美元", "zh", "1e8"), ("566.8亿美元", "zh", "1e8"), ("18.7万人", "zh", "1e4"),
])
def test_scale_words(quote, language, scale):
    assert one(quote, language).scale == Decimal(scale)


def test_percent_signs():
    assert one("growing 26.3%").percent
    assert one("rising 38.7 percent").percent
    assert one("up 5.2 per cent").percent
    assert one("рост на 1,9 процента", "ru").percent
    assert not one("$240.1 billion").percent


def test_minus_sign_and_hyphen():
    assert one("changed by -2.9%").value == Decimal("-2.9")
    assert one("changed by \u22122.9%").value == Decimal("-2.9")
    # A hyphen between two numbers is a range, not a sign.
    assert [n.value for n in read_numbers("in 2023-2024")] == [2023, 2024]


# --------------------------------------------------------------------------- in the unit


@pytest.mark.parametrize(("quote", "language", "unit", "value", "decimals"), [
    ("$240.1 billion", "en", "usd_bn", "240.1", 1),
    ("566.8億美元", "zh", "usd_bn", "56.68", 2),             # 566.8e8 / 1e9, 0.1 x 0.1
    ("$240,100 million", "en", "usd_bn", "240.1", 3),        # 240100e6 / 1e9, to 0.001
    ("95.4", "en", "usd_bn", "95.4", 1),                      # a bare number is billions
    ("5.1 million", "en", "people", "5100000", -5),
    ("600 thousand", "en", "people", "600000", -3),
    ("18.7万人", "zh", "people", "187000", -3),                # 18.7 x 10^4, to 10^3
    ("187,000", "en", "people", "187000", 0),
    ("5.2 percent", "en", "percent", "5.2", 1),
    ("next six years", "en", "years", "6", 0),
])
def test_in_unit(quote, language, unit, value, decimals):
    got = in_unit(one(quote, language), unit)
    assert got is not None
    assert (got[0], got[1]) == (Decimal(value), decimals)


def test_percentages_state_only_percent_figures():
    assert in_unit(one("growing 26.3%"), "usd_bn") is None
    assert in_unit(one("growing 26.3%"), "people") is None
    assert in_unit(one("$240.1 billion"), "percent") is None


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize(("value", "quote", "language", "unit"), [
    ("240.1", "the two-way trade reached a record $240.1 billion", "en", "usd_bn"),
    ("56.68", "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh", "usd_bn"),
    ("5.2", "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh", "percent"),
    ("89.21", "по итогам 2013 года … достиг $89,21 млрд", "ru", "usd_bn"),
    ("244.819", "рекордные 244,819 миллиарда", "ru", "usd_bn"),
    ("187000", "more than tripled in 2023, from 187,000 to 600,000", "en", "people"),
    ("600000", "more than tripled in 2023, from 187,000 to 600,000", "en", "people"),
    ("8", "the ongoing eighth China-Russia Expo", "en", "count"),
    ("75", "on the occasion of 75th anniversary of diplomatic ties", "en", "years"),
    ("6", "in the next six years", "en", "years"),
    ("10", "signed more than 10 key cooperation documents", "en", "count"),
    ("5100000", "about 5.1 million tourist entries", "en", "people"),
    ("26.3", "hit $240.1 billion in 2023, growing 26.3%", "en", "percent"),
    ("240.1", "hit $240.1 billion in 2023, growing 26.3%", "en", "usd_bn"),
])
def test_agrees(value, quote, language, unit):
    assert agrees(value, unit, quote, language)


@pytest.mark.parametrize(("value", "quote", "language", "unit"), [
    ("250.3", "the two-way trade reached a record $240.1 billion", "en", "usd_bn"),
    ("56.86", "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh", "usd_bn"),
    ("566.8", "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh", "usd_bn"),
    ("5.2", "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh", "usd_bn"),
    ("89.21", "достиг $89,21 млрд", "ru", "percent"),  # billions state no percentage
    ("244.819", "рекордные 244,819 миллиарда", "en", "usd_bn"),  # read as 244 819
    ("244819", "рекордные 244,819 миллиарда", "ru", "usd_bn"),
    ("188000", "more than tripled in 2023, from 187,000 to 600,000", "en", "people"),
    ("9", "the ongoing eighth China-Russia Expo", "en", "count"),
    ("74", "on the occasion of 75th anniversary of diplomatic ties", "en", "years"),
    ("7", "in the next six years", "en", "years"),
    ("5000000", "about 5.1 million tourist entries", "en", "people"),
    ("240.1", "hit $240.1 billion in 2023, growing 26.3%", "en", "percent"),
    ("26.3", "hit $240.1 billion in 2023, growing 26.3%", "en", "usd_bn"),
])
def test_disagrees(value, quote, language, unit):
    assert not agrees(value, unit, quote, language)


@pytest.mark.parametrize(("value", "expected"), [
    ("53.845", True),    # rounds half away from zero to 53.85
    ("53.85", True),
    ("53.8451", True),
    ("53.8549", True),
    ("53.84", False),
    ("53.8449", False),  # 53.84
    ("53.855", False),   # 53.86
])
def test_rounding_to_the_quotes_precision(value, expected):
    assert agrees(value, "usd_bn", "$53.85 billion … rising 38.7 percent") is expected


def test_floating_point_does_not_decide():
    # As binary floats 1.005 and 2.675 lie just below the halfway point, so Python's
    # round() gives 1.0 and 2.67; printed figures round the decimal 1.005 up to 1.01.
    assert round(1.005, 2) == 1.0 and round(2.675, 2) == 2.67
    assert agrees(1.005, "usd_bn", "$1.01 billion")
    assert agrees(2.675, "usd_bn", "$2.68 billion")
    assert agrees(Decimal("2.675"), "usd_bn", "$2.68 billion")
    assert not agrees(2.675, "usd_bn", "$2.67 billion")
    # 0.1 + 0.2 is 0.30000000000000004 as a float: still 0.3 to one decimal.
    assert agrees(0.1 + 0.2, "percent", "0.3 percent")


def test_whole_numbers_rounded_to_the_printed_thousand():
    # "187 thousand" is printed to the thousand: 186 500 rounds up to it, 186 499 does not.
    assert agrees("186500", "people", "187 thousand visitors")
    assert agrees("187499", "people", "187 thousand visitors")
    assert not agrees("186499", "people", "187 thousand visitors")
    assert not agrees("187500", "people", "187 thousand visitors")


def test_a_fall_printed_without_its_sign():
    assert agrees("-2.9", "percent", "trade fell 2.9 percent")
    assert agrees("-2.9", "percent", "a change of -2.9%")
    assert not agrees("2.9", "percent", "a change of -2.9%")


# --------------------------------------------------------------------------- the message


def test_mismatch_message_names_id_value_quote_and_number():
    why = mismatch("trade_2023", "250.3", "usd_bn",
                   "the two-way trade reached a record $240.1 billion", "en")
    assert why == ('trade_2023 = 250.3, but its quote "the two-way trade reached a record '
                   '$240.1 billion" states 240.1')


def test_mismatch_message_shows_converted_numbers_with_their_print():
    why = mismatch("mofcom_trade_2024q1", "56.86", "usd_bn",
                   "今年一季度，中俄雙邊貿易額566.8億美元，同比增長5.2%", "zh")
    # 5.2% is a percentage: not listed for a dollar figure.
    assert why is not None and why.endswith(" states 56.68 (566.8億)")
    why = mismatch("visitors_2022", "188000", "people",
                   "more than tripled in 2023, from 187,000 to 600,000", "en")
    assert why is not None
    assert why.endswith(" states 2023, 187000 (187,000) and 600000 (600,000)")


def test_mismatch_when_no_number_is_in_the_unit():
    why = mismatch("x", "5.3", "usd_bn", "up 5.2 percent")
    assert why == 'x = 5.3, but its quote "up 5.2 percent" states no number in usd_bn ' \
                  "(it prints 5.2 percent)"


def test_quote_without_a_number_is_refused():
    assert read_numbers("from many sectors") == []
    why = mismatch("expo_sectors", "10", "count", "from many sectors")
    assert why is not None
    assert why.startswith('expo_sectors = 10, but its quote "from many sectors" states no number')
    assert "EXEMPT" in why


def test_agreeing_empty_and_exempt_quotes_pass():
    assert mismatch("trade_2023", "240.1", "usd_bn", "a record $240.1 billion") is None
    assert mismatch("gacc_trade_2016", "69.52", "usd_bn", "") is None
    assert mismatch("rst_foreign_tourists_2022", "187000", "people",
                    "В 2023 году Россию посетили в три раза больше иностранных туристов",
                    "ru") is None


def test_a_quote_printed_to_absurd_precision_does_not_crash():
    quote = "up 0." + "0" * 40 + "1 percent"
    assert not agrees("5.3", "percent", quote)
    assert mismatch("x", "5.3", "percent", quote) is not None


# --------------------------------------------------------------------------- exemptions


def test_exemptions_are_needed_and_explained():
    ds = load(DATA)
    assert set(EXEMPT) == {"rst_foreign_tourists_2022", "rst_foreign_tourists_2023"}
    for fid, reason in EXEMPT.items():
        fig = ds[fid]  # every exempt id is a row of data/
        assert fig.quote, f"{fid} has no quote: no exemption needed"
        language = ds.source_of(fid).language
        # The quote, "В 2023 году ... в три раза больше", prints 2023 and a multiple in words:
        # it does not state the row's value, so without the exemption the row is refused.
        assert not agrees(Decimal(str(fig.value)), fig.unit, fig.quote, language), fid
        assert len(reason) > 20


# --------------------------------------------------------------------------- the loader


def refused(folder: Path, file: str, row: int) -> DataError:
    with pytest.raises(DataError) as info:
        load(folder)
    exc = info.value
    assert (exc.file, exc.row, exc.column) == (file, row, "quote"), str(exc)
    assert str(exc).startswith(f"{file}, row {row}, column 'quote': "), str(exc)
    assert exc.exit_code == 2
    return exc


def test_real_data_agrees_with_its_quotes():
    ds = load(DATA)
    quoted = [f for f in (*ds.figures.values(), *ds.context.values()) if f.quote]
    # 15 article figures and 11 context rows carry a quote (counted in the CSV files:
    # tourism 2, trade_annual 6, trade_quarters 3).
    assert len(quoted) == 26


def test_article_figure_changed_without_its_quote(data_copy):
    edit_line(data_copy / "figures.csv", 2, ",240.1,usd_bn", ",250.3,usd_bn")
    exc = refused(data_copy, FIGURES, 2)
    assert str(exc) == (
        "data/figures.csv, row 2, column 'quote': trade_2023 = 250.3, but its quote "
        '"the two-way trade reached a record $240.1 billion" states 240.1')


def test_article_figure_changed_with_its_quote(data_copy):
    p = data_copy / "figures.csv"
    edit_line(p, 2, ",240.1,usd_bn", ",250.3,usd_bn")
    edit_line(p, 2, "$240.1 billion", "$250.3 billion")
    # The claim that quotes the same words (claims.csv line 2) must follow: it is refused
    # until it does, naming its row.
    exc = refused(data_copy, "data/claims.csv", 2)
    assert "states 240.1 billion" in exc.why and "trade_2023 = 250.3" in exc.why
    edit_line(data_copy / "claims.csv", 2, "$240.1 billion", "$250.3 billion")
    assert load(data_copy).value("trade_2023") == 250.3


def test_russian_context_row_changed_without_its_quote(data_copy):
    # gacc_trade_2024, line 18 of trade_annual.csv: "рекордные 244,819 миллиарда" (RIA, ru).
    edit_line(data_copy / "context" / "trade_annual.csv", 18, ",244.819,usd_bn",
              ",244.818,usd_bn")
    exc = refused(data_copy, ANNUAL, 18)
    assert "gacc_trade_2024 = 244.818" in exc.why
    assert exc.why.endswith("states 244.819 (244,819 миллиарда)")


def test_the_sources_language_decides_the_decimal_comma(data_copy):
    # ria_2025_08_29 is line 10 of sources.csv; marked English, "244,819 миллиарда" reads
    # as 244 819 billion and no longer states gacc_trade_2024's 244.819 (line 18).
    edit_line(data_copy / "sources.csv", 10, ",ru,", ",en,")
    exc = refused(data_copy, ANNUAL, 18)
    assert "states 244819 (244,819 миллиарда)" in exc.why


def test_yi_row_changed_without_its_quote(data_copy):
    # mofcom_trade_2024q1, line 6 of trade_quarters.csv: 566.8億 is 56.68 billion.
    edit_line(data_copy / "context" / "trade_quarters.csv", 6, ",56.68,usd_bn", ",56.69,usd_bn")
    exc = refused(data_copy, QUARTERS, 6)
    assert exc.why.startswith("mofcom_trade_2024q1 = 56.69, but its quote ")
    assert exc.why.endswith("states 56.68 (566.8億)")


def test_more_precise_value_within_the_quotes_rounding_loads(data_copy):
    # mofcom_trade_2015 (line 5 of trade_annual.csv) is 68 against "680亿美元", which is
    # 68.0 billion printed to a tenth: 68.04 still rounds to 68.0; 68.05 rounds to 68.1.
    set_figure(data_copy, "mofcom_trade_2015", value="68.04", decimals="2")
    assert load(data_copy).value("mofcom_trade_2015") == 68.04
    set_figure(data_copy, "mofcom_trade_2015", value="68.05")
    refused(data_copy, ANNUAL, 5)


def test_rows_without_a_quote_or_exempt_are_not_checked(data_copy):
    # fsb_tourist_entries_china_2023 (line 5 of tourism.csv) has no quote;
    # rst_foreign_tourists_2022 (line 2) is exempt.
    p = data_copy / "context" / "tourism.csv"
    edit_line(p, 5, ",199800,entries", ",199900,entries")
    edit_line(p, 2, ",187000,people", ",190000,people")
    ds = load(data_copy)
    assert ds.value("fsb_tourist_entries_china_2023") == 199900
    assert ds.value("rst_foreign_tourists_2022") == 190000


def test_quote_without_a_number_in_the_loader(data_copy):
    edit_line(data_copy / "figures.csv", 9, '"from 10 sectors"', '"from many sectors"')
    exc = refused(data_copy, FIGURES, 9)
    assert "expo_sectors = 10" in exc.why and "states no number" in exc.why
