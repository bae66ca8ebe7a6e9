"""The PDF written faster, not differently: WeasyPrint's SVG path parsing done once per
distinct path (``weasy._svg_paths_drawn_once``) and pydyf's streams compressed at zlib's
default level (``weasy._flate_level``). Oracles: WeasyPrint itself without the first, in
another process, byte for byte; zlib itself for the second."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import textwrap
import zlib

import pytest

from bilateral.export import maths, weasy

MARKED = """<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40" viewBox="0 0 80 40">
<defs><marker id="dot" markerWidth="4" markerHeight="4" refX="2" refY="2">
<circle cx="2" cy="2" r="2" fill="red"/></marker></defs>
<path d="M5 35 L 25 5 l20 0 A 10 10 0 0 1 65 25 q 5 5 10 0" fill="none" stroke="black"
 marker-start="url(#dot)" marker-mid="url(#dot)" marker-end="url(#dot)"/></svg>"""
"""A path with every kind of vertex WeasyPrint draws markers on (lines, an arc, a curve)."""

FORMULAS = (r"x_{1}^2 + \frac{a}{b}", r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}")


def _page() -> str:
    """Each formula three times and the marked path twice, as the PDF exporter draws them."""
    marked = base64.b64encode(MARKED.encode()).decode()
    imgs = [maths.svg_img(tex) for tex in FORMULAS for _ in range(3)]
    imgs += [f'<img alt="a marked path" src="data:image/svg+xml;base64,{marked}">'] * 2
    return f"<!DOCTYPE html><html lang='en'><body><p>{' '.join(imgs)}</p></body></html>"


def _pdf_elsewhere(override: str, page: str) -> bytes:
    """The PDF of ``page`` laid out by a fresh interpreter in which ``override`` (a line of
    Python, with ``weasy`` imported) took one of our changes to WeasyPrint away."""
    script = textwrap.dedent("""
        import contextlib, sys
        from bilateral.export import weasy
        {override}
        pdf, _ = weasy.html_to_pdf(sys.stdin.read())
        sys.stdout.buffer.write(pdf)
    """).format(override=override)
    pdf = subprocess.run([sys.executable, "-c", script], input=page.encode(),
                         capture_output=True, check=True, timeout=300).stdout
    assert pdf.startswith(b"%PDF-")
    return pdf


def test_paths_drawn_once_give_the_pdf_weasyprint_gives():
    page = _page()
    # WeasyPrint's own path drawing
    plain = _pdf_elsewhere("weasy._svg_paths_drawn_once = lambda: None", page)
    assert weasy.html_to_pdf(page)[0] == plain


@pytest.fixture
def parses(monkeypatch):
    """Counts WeasyPrint's own path parsing (the list), under a fresh
    ``_svg_paths_drawn_once``; ``parses.bare()`` takes the memo away (WeasyPrint alone)."""
    from weasyprint import svg as weasy_svg
    from weasyprint.svg.path import path as draw

    weasy.weasyprint_module()
    assert weasy_svg.TAGS["path"] is not draw, "the path drawing is not wrapped"
    counted = Counted()

    def counting(svg, node, font_size):
        counted.append(node.get("d", ""))
        return draw(svg, node, font_size)

    monkeypatch.setitem(weasy_svg.TAGS, "path", counting)
    weasy._svg_paths_drawn_once()  # wraps the counter
    counted.bare = lambda: monkeypatch.setitem(weasy_svg.TAGS, "path", counting)
    return counted


class Counted(list):
    bare = None


def test_each_distinct_path_is_parsed_once(parses):
    distinct = set(re.findall(r' d="([^"]+)"', "".join(
        maths.svg(tex)[0] for tex in FORMULAS) + MARKED))
    weasy.html_to_pdf(_page())
    assert sorted(parses) == sorted(distinct)


@pytest.mark.parametrize("bound", ["PATHS_KEPT", "PATH_BYTES_KEPT", "PATH_DATA_KEPT"])
def test_paths_beyond_a_bound_are_parsed_each_time(parses, monkeypatch, bound):
    monkeypatch.setattr(weasy, bound, 0)
    weasy.html_to_pdf(_page())
    unkept = sorted(parses)
    parses.clear()
    parses.bare()
    weasy.html_to_pdf(_page())
    assert unkept == sorted(parses)  # as often as WeasyPrint alone parses them
    assert len(unkept) > len(set(unkept))  # which is more than once each


def test_streams_are_compressed_at_zlibs_default_level():
    weasy.weasyprint_module()
    import pydyf

    payload = b" ".join(b"%d 0 0 rg %d %d m %d %d l S" % (i % 7, i, i * 3, i * 5, i % 11)
                        for i in range(3000))
    assert zlib.compress(payload, 9) != zlib.compress(payload, 6)  # the levels differ here
    data = pydyf.Stream([payload], compress=True).data
    stream = data.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0]
    assert stream == zlib.compress(payload, 6)
    assert zlib.decompress(stream) == payload


GLYPHS = (r"x_{1}^2 + \frac{a}{b} - \sqrt{y}",
          r"\begin{bmatrix} \sum_{i=1}^{n} a_i & b \\ c & \hat{d} \end{bmatrix}^T",
          r"\left( \int_0^1 f(x)\,dx \right) \cdot \begin{pmatrix} 1 \\ 2 \\ 3 \\ 4 \\ 5 \\ 6"
          r"\end{pmatrix}")
"""Letters, scripts, a fraction bar, a root, accents, and fences stretched from pieces
(a symbol of several paths in a group)."""


def _ziamath_svg(tex: str) -> str:
    """ziamath's own drawing of ``tex``: each glyph a ``<symbol>`` placed by ``<use>``."""
    import xml.etree.ElementTree as ET

    markup = maths._mathml(tex, True)
    return ET.tostring(maths._ziamath().Math(markup, size=maths.MATH_SIZE).svgxml(),
                       encoding="unicode")


def _pixels(svgs: list[str], tmp_path, name: str):
    """The drawings laid out one under the other, 4 px for each unit of the SVG, as
    pdftoppm sees the PDF WeasyPrint makes of them (grey levels)."""
    from PIL import Image

    imgs = ""
    for s in svgs:
        width = 4 * float(re.search(r'width="([0-9.]+)"', s)[1])
        data = base64.b64encode(s.encode()).decode()
        imgs += (f'<p><img alt="f" style="width:{width}px" '
                 f'src="data:image/svg+xml;base64,{data}"></p>')
    pdf, pages = weasy.html_to_pdf(
        "<!DOCTYPE html><html lang='en'><style>@page { size: 300mm 400mm }</style>"
        f"<body>{imgs}</body></html>", variant=None)
    assert pages == 1  # every drawing is compared
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-gray", "-r", "96", "-png", "-singlefile",
                    str(tmp_path / f"{name}.pdf"), str(tmp_path / name)],
                   check=True, capture_output=True, timeout=120)
    return Image.open(tmp_path / f"{name}.png").convert("L")


def test_glyphs_in_place_draw_what_ziamaths_symbols_draw(tmp_path):
    theirs = [_ziamath_svg(tex) for tex in GLYPHS]
    ours = [maths.svg(tex, True)[0] for tex in GLYPHS]
    assert all(s.count("<use ") > 5 and "<symbol " in s for s in theirs)
    assert not any("<use " in s or "<symbol " in s for s in ours)
    assert any("<g " in s for s in ours)  # the stretched fences' groups of pieces
    a, b = _pixels(theirs, tmp_path, "theirs"), _pixels(ours, tmp_path, "ours")
    assert a.size == b.size
    theirs_px, ours_px = a.tobytes(), b.tobytes()
    inked = sum(1 for v in theirs_px if v < 128)
    assert inked > 5000  # the page is not blank
    # Anti-aliasing may differ by a shade where a coordinate was rounded; no pixel may
    # change from ink to paper or back.
    changed = sum(1 for u, v in zip(theirs_px, ours_px) if abs(u - v) > 96)
    assert changed == 0


def test_a_use_written_otherwise_is_left_as_ziamath_wrote_it():
    import xml.etree.ElementTree as ET

    svg = ('<svg><symbol id="g" viewBox="0 -10 5 20"><path d="M 0 0 L 5 0 Z" /></symbol>'
           '<use href="#g" x="1" y="2" width="10" height="40" />'
           '<use href="#g" x="1" y="2" width="10" height="40" opacity="0.5" />'
           '<use href="#g" x="1" y="2" />'
           '<use href="#h" x="1" y="2" width="10" height="40" /></svg>')
    drawing = ET.fromstring(svg)
    maths._glyphs_in_place(drawing)
    kinds = [(e.tag, e.get("transform")) for e in drawing]
    # scale min(10/5, 40/20) = 2; x: 1 + (10 - 5*2)/2 - 0*2 = 1; y: 2 + 0 - (-10)*2 = 22
    assert kinds == [("symbol", None), ("path", "matrix(2 0 0 2 1 22)"), ("use", None),
                     ("use", None), ("use", None)]


def test_the_collector_is_paused_while_a_page_is_laid_out(monkeypatch):
    """Counted, not timed: no collection runs during a layout, and the collector runs
    again after it, after a failed one too; one paused by the caller stays paused."""
    import gc

    collections = []

    def record(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    page = _page()
    weasy.weasyprint_module()  # imported, before the collector is watched
    gc.callbacks.append(record)
    try:
        weasy.html_to_pdf(page)
        # none during the layout; one may run as the collector resumes, no more
        assert len(collections) <= 1 and gc.isenabled()

        def fails(*args):
            raise ValueError("no layout")

        monkeypatch.setattr(weasy, "_render_and_write", fails)
        with pytest.raises(weasy.PDFError):
            weasy.html_to_pdf(page)
        assert gc.isenabled()
        gc.disable()
        try:
            with pytest.raises(weasy.PDFError):
                weasy.html_to_pdf(page)
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        gc.callbacks.remove(record)


def test_a_layout_without_collections_gives_the_same_pdf():
    page = _page()
    # the collector runs as it likes
    collecting = _pdf_elsewhere("weasy._no_collection = contextlib.nullcontext", page)
    assert weasy.html_to_pdf(page)[0] == collecting
