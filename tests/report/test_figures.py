"""The loader ``bilateral.report.data.figures.load``: the real data, every refusal, periods,
fingerprint.

Expected counts and values below were read off the CSV files by eye, not from the loader.
Every broken case works on a copy of ``data/`` (the ``data_copy`` fixture, a folder named
``data``), so a file is named ``data/figures.csv`` or ``data/context/trade_annual.csv``: the
path relative to the data folder's parent. Row numbers are line numbers, header = 1.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bilateral.core.errors import DataError
from bilateral.report.data.figures import load, parse_period
from tests.support import DATA, edit_line, set_figure

FIGURES = "data/figures.csv"
SOURCES = "data/sources.csv"
TOURISM = "data/context/tourism.csv"
ANNUAL = "data/context/trade_annual.csv"
QUARTERS = "data/context/trade_quarters.csv"

# Lines of data/figures.csv used below (header = line 1):
#  2 trade_2023        240.1,usd_bn,2023,1        9 expo_sectors
#  3 trade_2024q1      56.68,usd_bn,2024-Q1,2    10 expo_regions_taking_part
#  4 trade_2024q1_yoy  5.2,percent,2024-Q1,1     11 expo_regions_delegations
#  5 visitors_2022     187000,people,2022,-3     12 expo_edition
#  6 visitors_2023     600000,people,2023,-3     13 documents_signed  ...,2024-05-16,...
#  7 expo_products     5000,count,2024,0,gt      14 anniversary       75,years
#  8 expo_categories   20,count,2024,0,gt        15 ties_span         75,years
#                                                16 horizon           6,years,2024-2030


# --------------------------------------------------------------------------- helpers


def insert_line(path: Path, line_no: int, text: str) -> None:
    """Insert ``text`` so that it becomes line ``line_no`` of the file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(line_no - 1, text)
    path.write_text("\n".join(lines), encoding="utf-8")


def line_of(path: Path, line_no: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[line_no - 1]


def drop_column(path: Path, name: str) -> None:
    """Remove a column from the header and from every row, as a user editing it would."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    k = rows[0].index(name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([r[:k] + r[k + 1:] for r in rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def refused(folder: Path, file: str, row: int | None, column: str | None,
            why: str | None = None) -> DataError:
    """Load ``folder`` and check the DataError's file, row and column, and its message."""
    with pytest.raises(DataError) as info:
        load(folder)
    exc = info.value
    assert exc.file == file
    assert exc.row == row
    assert exc.column == column
    where = file
    if row is not None:
        where += f", row {row}"
    if column is not None:
        where += f", column '{column}'"
    assert str(exc).startswith(where + ": "), str(exc)
    if why is not None:
        assert re.search(why, exc.why), exc.why
    assert exc.exit_code == 2
    return exc


# --------------------------------------------------------------------------- the real data


def test_real_data_counts():
    ds = load(DATA)
    # figures.csv: 16 lines = header + 15 figures; sources.csv: 23 lines = header + 22.
    assert len(ds.figures) == 15
    assert len(ds.sources) == 22
    # context: tourism 10 rows; trade_annual 28 (12 customs totals 2013-2024, MOFCOM's
    # 2015, exports and imports for 2018 and 2022, 11 growths 2014-2024); trade_quarters 8.
    assert len(ds.context) == 10 + 28 + 8
    assert ds.files == [SOURCES, FIGURES, TOURISM, ANNUAL, QUARTERS, "data/claims.csv"]
    # claims.csv: 8 lines = header + 7 claims, all of one article.
    assert [c.id for c in ds.claims] == ["record_2023", "q1_growth", "positive_trend",
                                         "anniversary_75", "six_year_horizon", "tripled",
                                         "majority_chinese"]
    assert ds.article.id == "cgtn_2024_05_16" and ds.topics() == ["trade", "tourism"]
    assert re.fullmatch(r"[0-9a-f]{12}", ds.fingerprint)


def test_real_data_values():
    ds = load(str(DATA))  # a str folder works too
    t = ds["trade_2023"]
    assert (t.value, t.unit, t.decimals, t.relation) == (240.1, "usd_bn", 1, "eq")
    assert (t.period.kind, t.period.year, t.file, t.row) == ("year", 2023, FIGURES, 2)
    assert t.quote == "the two-way trade reached a record $240.1 billion"
    assert t.bounds == pytest.approx((240.05, 240.15))

    q = ds["trade_2024q1"]
    assert (q.value, q.decimals, q.period.kind) == (56.68, 2, "quarter")
    assert q.period.start == date(2024, 1, 1) and q.period.end == date(2024, 3, 31)

    v = ds["visitors_2022"]
    assert (v.value, v.unit, v.decimals, v.row) == (187000, "people", -3, 5)
    assert v.half_step == 500  # 0.5 * 10**3
    assert v.bounds == (186500, 187500)

    assert ds["expo_products"].relation == "gt"
    assert ds["expo_products"].value == 5000
    assert ds["horizon"].period.kind == "years"
    assert ds["horizon"].period.start == date(2024, 1, 1)
    assert ds["horizon"].period.end == date(2030, 12, 31)
    assert ds["documents_signed"].period.start == date(2024, 5, 16)

    # Context figures come from context/*.csv and keep their own file and line.
    g = ds["gacc_trade_2024"]  # line 18 of trade_annual.csv
    assert (g.value, g.decimals, g.file, g.row) == (244.819, 3, ANNUAL, 18)
    first = ds["gacc_trade_2015"]
    assert (first.value, first.vintage) == (64.2, "first")
    assert ds["gacc_yoy_2016"].discrepancy.startswith("Computed on customs' revised 2015")
    assert ds["fsb_tourist_entries_2023"].unit == "entries"
    assert ds.value("gacc_yoy_2020") == -2.9  # a negative percentage is allowed
    assert ds.value("fsb_tourist_entries_china_2023") == 199800
    assert ds["gacc_trade_2024m01_02"].period.end == date(2024, 2, 29)  # 2024 is a leap year
    assert "gacc_trade_2013" in ds.context and "gacc_trade_2013" not in ds.figures

    src = ds.source_of("trade_2023")
    assert (src.id, src.publisher, src.date) == ("cgtn_2024_05_16", "CGTN", date(2024, 5, 16))
    assert ds.sources["tass_2023_04_20"].url == "https://tass.com/economy/1607001"
    # Newest source date: RIA Novosti, 2025-08-29.
    assert ds.as_of == date(2025, 8, 29)

    with pytest.raises(KeyError, match="no_such_figure"):
        ds["no_such_figure"]


def test_series_is_in_period_order():
    ds = load(DATA)
    ids = [f.id for f in ds.series("gacc_trade_")]
    # Ordered by the end of the period: 2023-Q1 ends 31 March 2023, before the year 2023;
    # Jan-Feb 2024 ends 29 Feb, Q1 2024 ends 31 Mar, both before the year 2024.
    assert ids == [
        "gacc_trade_2013", "gacc_trade_2014", "gacc_trade_2015", "gacc_trade_2016",
        "gacc_trade_2017",
        "gacc_trade_2018", "gacc_trade_2019", "gacc_trade_2020", "gacc_trade_2021",
        "gacc_trade_2022", "gacc_trade_2023q1", "gacc_trade_2023", "gacc_trade_2024m01_02",
        "gacc_trade_2024",
    ]


# --------------------------------------------------------------------------- refusals


def test_missing_column_in_figures(data_copy):
    drop_column(data_copy / "figures.csv", "decimals")
    refused(data_copy, FIGURES, 1, "decimals", "missing column")


def test_missing_column_in_sources(data_copy):
    drop_column(data_copy / "sources.csv", "date")
    refused(data_copy, SOURCES, 1, "date", "missing column")


def test_missing_column_in_context(data_copy):
    drop_column(data_copy / "context" / "tourism.csv", "source_id")
    refused(data_copy, TOURISM, 1, "source_id", "missing column")


# One edit of one line, and the error it must give: (case, file edited (in the data folder),
# line, old text, new text, row, column, what the message says). The error names the edited
# file and line.
ONE_EDIT = [
    *[(f"value {bad}", "figures.csv", 2, ",240.1,usd_bn", f",{bad},usd_bn", 2, "value",
       "is not a number") for bad in ["abc", "12abc", "0x10", "five"]],
    # Decimal() reads "_" as a digit separator; data/README.md says no separators.
    ("value 187_000", "figures.csv", 5, ",187000,people", ",187_000,people", 5, "value",
     "is not a number"),
    ("value empty", "figures.csv", 4, ",5.2,percent", ",,percent", 4, "value", "is empty"),
    *[(f"value {bad}", "figures.csv", 3, ",56.68,usd_bn", f",{bad},usd_bn", 3, "value",
       "not a finite number")
      for bad in ["NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e400", "sNaN"]],
    # The usd_bn limit is 1e5; 200000 billion dollars is a typo.
    ("value too large", "figures.csv", 2, ",240.1,usd_bn", ",200000.0,usd_bn", 2, "value",
     "implausibly large"),
    *[(f"unit {bad}", "figures.csv", 4, ",percent,", f",{bad},", 4, "unit", "unknown unit")
      for bad in ["pct", "USD_bn", "dollars"]],
    # gacc_trade_2024m01_02 is line 8 of trade_quarters.csv; a month 13 does not exist.
    ("period in context", "context/trade_quarters.csv", 8, ",2024-01/2024-02,",
     ",2024-01/2024-13,", 8, "period", None),
    ("id", "figures.csv", 2, "trade_2023,", "Trade-2023,", 2, "id", "is not an id"),
    ("source id", "figures.csv", 5, "cgtn_2024_05_16", "cgtn_2024_05_17", 5, "source_id",
     "unknown source 'cgtn_2024_05_17'"),
    # fsb_tourist_entries_china_2023 is line 5 of tourism.csv.
    ("source id in context", "context/tourism.csv", 5, ",fsb_rbc_2024,", ",fsb_2024,", 5,
     "source_id", "unknown source 'fsb_2024'"),
    *[(f"negative {unit}", "figures.csv", line, f",{value},{unit}", f",-{value},{unit}", line,
       "value", "is negative")
      for line, value, unit in [(7, "5000", "count"), (6, "600000", "people"),
                                (3, "56.68", "usd_bn")]],
    *[(f"not whole {new}", "figures.csv", line, old, new, line, "value",
       "is not a whole number") for line, old, new in [
        (7, ",5000,count", ",5000.5,count"),
        (5, ",187000,people", ",187000.5,people"),
        (14, ",75,years", ",75.5,years")]],
    *[(f"precision {new}", "figures.csv", line, old, new, line, "decimals",
       "more precision than decimals") for line, old, new in [
        (2, ",240.1,usd_bn,2023,1,", ",240.15,usd_bn,2023,1,"),    # 2 decimals, 1 printed
        (3, ",56.68,usd_bn,2024-Q1,2,", ",56.681,usd_bn,2024-Q1,2,"),
        (5, ",187000,people,2022,-3,", ",187500,people,2022,-3,")]],  # not whole thousands
    ("decimals", "figures.csv", 2, ",usd_bn,2023,1,", ",usd_bn,2023,one,", 2, "decimals",
     "not a whole number of decimals"),
    ("relation", "figures.csv", 7, ",0,gt,", ",0,over,", 7, "relation",
     "unknown relation 'over'"),
    # horizon (line 16): "set the tone for China-Russia ties to move forward in the next
    # six years" is 14 words; two more make 16 > 15.
    ("quote of 16 words", "figures.csv", 16, ' six years"', ' six years and beyond"', 16,
     "quote", "has 16 words; quote at most 15"),
    ("quote empty", "figures.csv", 8, ',"in over 20 major categories",', ",,", 8, "quote",
     "is empty"),
    ("unknown column", "figures.csv", 1, ",note", ",notes", 1, "notes", "unknown column"),
    # The header names "label" twice (in place of "note"): every row still has 10 fields.
    ("column twice", "figures.csv", 1, ",note", ",label", 1, "label", "appears twice"),
    # quote, "" (the note) and "extra": 11 fields.
    ("11 fields", "figures.csv", 8, ',"in over 20 major categories",',
     ',"in over 20 major categories",,extra', 8, None, "has 11 fields where the header has 10"),
    *[(f"date {bad}", "sources.csv", line, old, f",{bad},", line, "date", "is not a date")
      for line, old, bad in [
        (3, ",2014-01-01,", "2014-13-01"),
        (2, ",2024-05-16,", "16 May 2024"),
        (5, ",2019-01-14,", "2019-02-30")]],  # rt_2019_01_14 is line 5
    ("url", "sources.csv", 5, "https://rt.com", "ftp://rt.com", 5, "url", "not an http"),
]


@pytest.mark.parametrize(("file", "line", "old", "new", "row", "column", "why"),
                         [case[1:] for case in ONE_EDIT], ids=[case[0] for case in ONE_EDIT])
def test_one_edit_is_refused(data_copy, file, line, old, new, row, column, why):
    edit_line(data_copy / file, line, old, new)
    refused(data_copy, f"data/{file}", row, column, why)


def test_value_with_thousands_separator(data_copy):
    # visitors_2022 on line 5, written "187,000" (quoted, as a CSV editor would).
    edit_line(data_copy / "figures.csv", 5, ",187000,people", ',"187,000",people')
    exc = refused(data_copy, FIGURES, 5, "value", "is not a number")
    assert "thousands separators" in exc.why


def test_value_not_finite_in_context(data_copy):
    set_figure(data_copy, "gacc_trade_2021", value="NaN")  # line 13 of trade_annual.csv
    refused(data_copy, ANNUAL, 13, "value", "not a finite number")


@pytest.mark.parametrize(("line", "old", "bad"), [
    (3, "2024-Q1", "2024-Q5"),
    (3, "2024-Q1", "2024-Q0"),
    (2, "2023", "May 2024"),
    (2, "2023", "23"),
    (13, "2024-05-16", "2024-13-01"),   # no month 13
    (13, "2024-05-16", "2023-02-29"),   # 2023 is not a leap year
    (16, "2024-2030", "2030-2024"),     # a span that ends before it starts
    (16, "2024-2030", "2024-2024"),
])
def test_period_does_not_parse(data_copy, line, old, bad):
    # The period sits between the unit and the decimals: ",<unit>,<period>,<decimals>,".
    unit_and_decimals = {2: ("usd_bn", "1"), 3: ("usd_bn", "2"), 13: ("count", "0"),
                         16: ("years", "0")}[line]
    unit, decimals = unit_and_decimals
    edit_line(data_copy / "figures.csv", line, f",{unit},{old},{decimals},",
              f",{unit},{bad},{decimals},")
    refused(data_copy, FIGURES, line, "period")


def test_duplicate_id_in_one_file(data_copy):
    p = data_copy / "figures.csv"
    insert_line(p, 3, line_of(p, 2))  # trade_2023 again, now on line 3
    exc = refused(data_copy, FIGURES, 3, "id", "duplicate id 'trade_2023'")
    assert "first in data/figures.csv row 2" in exc.why


def test_duplicate_id_across_figures_and_context(data_copy):
    # trade_2023 of figures.csv (line 2) copied to line 2 of context/tourism.csv.
    insert_line(data_copy / "context" / "tourism.csv", 2, line_of(data_copy / "figures.csv", 2))
    exc = refused(data_copy, TOURISM, 2, "id", "duplicate id 'trade_2023'")
    assert "first in data/figures.csv row 2" in exc.why


def test_duplicate_id_across_context_files(data_copy):
    # gacc_trade_2013 (line 2 of trade_annual.csv) also on line 3 of trade_quarters.csv.
    # trade_annual.csv is read before trade_quarters.csv (name order).
    line = line_of(data_copy / "context" / "trade_annual.csv", 2)
    insert_line(data_copy / "context" / "trade_quarters.csv", 3, line)
    exc = refused(data_copy, QUARTERS, 3, "id", "duplicate id 'gacc_trade_2013'")
    assert "first in data/context/trade_annual.csv row 2" in exc.why


def test_duplicate_source_id(data_copy):
    p = data_copy / "sources.csv"
    insert_line(p, 4, line_of(p, 2))  # cgtn_2024_05_16 again, on line 4
    refused(data_copy, SOURCES, 4, "id", "duplicate id 'cgtn_2024_05_16'")


@pytest.mark.parametrize("name", ["figures.csv", "sources.csv", "context/trade_annual.csv"])
@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(data_copy, name, content):
    (data_copy / name).write_text(content, encoding="utf-8")
    refused(data_copy, f"data/{name}", None, None, "the file is empty")


@pytest.mark.parametrize("name", ["figures.csv", "sources.csv", "context/tourism.csv"])
def test_header_only(data_copy, name):
    p = data_copy / name
    p.write_text(line_of(p, 1) + "\n", encoding="utf-8")
    refused(data_copy, f"data/{name}", None, None, "header but no data rows")


def test_byte_order_mark(data_copy):
    p = data_copy / "figures.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    refused(data_copy, FIGURES, 1, None, "byte-order mark")


def test_latin1_bytes(data_copy):
    # Line 6 (visitors_2023) gets a label saved as Latin-1: "é" is the single byte 0xe9.
    p = data_copy / "figures.csv"
    raw = p.read_bytes().split(b"\n")
    assert raw[5].startswith(b"visitors_2023,")
    raw[5] = raw[5].replace(b"Foreign visitors", "Visiteurs étrangers".encode("latin-1"))
    p.write_bytes(b"\n".join(raw))
    refused(data_copy, FIGURES, 6, None, r"not UTF-8 \(byte 0xe9\)")


def test_nul_byte(data_copy):
    p = data_copy / "context" / "trade_quarters.csv"
    raw = p.read_bytes().split(b"\n")
    raw[2] = raw[2] + b"\x00"  # line 3
    p.write_bytes(b"\n".join(raw))
    refused(data_copy, QUARTERS, 3, None, "NUL byte")


def test_quote_of_exactly_15_words_is_accepted(data_copy):
    # 14 + 1 = 15 words: the limit itself is allowed.
    edit_line(data_copy / "figures.csv", 16, ' six years"', ' six years ahead"')
    assert len(load(data_copy)["horizon"].quote.split()) == 15


def test_too_few_fields(data_copy):
    p = data_copy / "context" / "tourism.csv"
    insert_line(p, 3, "rst_extra,Extra,1000,people,2023,-3")  # 6 fields on line 3
    refused(data_copy, TOURISM, 3, None, "has 6 fields where the header has 10")


def test_blank_lines_are_skipped_and_counted(data_copy):
    # Two blank lines after the header: the bad value on what is now line 5 is reported
    # as row 5 (trade_2024q1 moved from line 3 to line 5).
    p = data_copy / "figures.csv"
    insert_line(p, 2, "")
    insert_line(p, 2, "")
    edit_line(p, 5, ",56.68,usd_bn", ",abc,usd_bn")
    refused(data_copy, FIGURES, 5, "value")


def test_missing_file(data_copy):
    (data_copy / "sources.csv").unlink()
    refused(data_copy, SOURCES, None, None, "file not found")


def test_missing_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match="data folder not found") as info:
        load(missing)
    assert info.value.file == str(missing)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("2023", "year", date(2023, 1, 1), date(2023, 12, 31)),
    ("2024-Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
    ("2023-Q2", "quarter", date(2023, 4, 1), date(2023, 6, 30)),
    ("2023-Q3", "quarter", date(2023, 7, 1), date(2023, 9, 30)),
    ("2023-Q4", "quarter", date(2023, 10, 1), date(2023, 12, 31)),
    ("2024-05-16", "day", date(2024, 5, 16), date(2024, 5, 16)),
    ("2024-02-29", "day", date(2024, 2, 29), date(2024, 2, 29)),
    ("2024-2030", "years", date(2024, 1, 1), date(2030, 12, 31)),
    ("2024-01/2024-02", "months", date(2024, 1, 1), date(2024, 2, 29)),
    ("2023-01/2023-02", "months", date(2023, 1, 1), date(2023, 2, 28)),
    ("2023-08/2024-08", "months", date(2023, 8, 1), date(2024, 8, 31)),
    ("2024-11/2024-12", "months", date(2024, 11, 1), date(2024, 12, 31)),
    ("2024-03/2024-03", "months", date(2024, 3, 1), date(2024, 3, 31)),
])
def test_parse_period(text, kind, start, end):
    p = parse_period(text)
    assert (p.text, p.kind, p.start, p.end) == (text, kind, start, end)
    assert p.year == end.year


@pytest.mark.parametrize("text", [
    "2024-Q5", "2024-Q0", "2024Q1", "May 2024", "", "24", "2024-5-16", "2024-13-01",
    "2023-02-29", "2030-2024", "2024-2024", "2024-03/2024-02", "2024-13/2025-01",
    "2024-00/2024-02",
])
def test_parse_period_refuses(text):
    with pytest.raises(ValueError):
        parse_period(text)


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_same_for_identical_copy(data_copy, tmp_path):
    other = tmp_path / "elsewhere" / "data"
    shutil.copytree(data_copy, other)
    assert load(data_copy).fingerprint == load(other).fingerprint


def test_fingerprint_changes_with_one_byte(data_copy):
    before = load(data_copy).fingerprint
    # One byte of a note in trade_quarters.csv (line 2): "53.85" -> "53.86" in the note.
    p = data_copy / "context" / "trade_quarters.csv"
    edit_line(p, 2, "as 53.85.", "as 53.86.")
    after = load(data_copy).fingerprint
    assert after != before
    edit_line(p, 2, "as 53.86.", "as 53.85.")  # undo: the same bytes, the same print
    assert load(data_copy).fingerprint == before


def test_fingerprint_changes_with_one_byte_of_sources(data_copy):
    before = load(data_copy).fingerprint
    edit_line(data_copy / "sources.csv", 2, "CGTN,", "CGTM,")
    assert load(data_copy).fingerprint != before


@pytest.mark.parametrize("column, text, why", [
    ("value", "\u0663", "is not a number"),            # ARABIC-INDIC DIGIT THREE
    ("value", "\uff11\uff10", "is not a number"),      # FULLWIDTH 10
    ("period", "\uff12\uff10\uff12\uff14", "is not a period"),  # FULLWIDTH 2024
])
def test_only_ascii_digits(data_copy, column, text, why):
    # float() and int() read other scripts' digits; a figure's value and period may not.
    set_figure(data_copy, "expo_sectors", **{column: text})
    with pytest.raises(DataError, match=why) as err:
        load(data_copy)
    assert (err.value.row, err.value.column) == (9, column)
