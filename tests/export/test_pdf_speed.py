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


PLAIN = textwrap.dedent("""
    import sys
    from bilateral.export import weasy
    weasy._svg_paths_drawn_once = lambda: None  # WeasyPrint's own path drawing
    pdf, _ = weasy.html_to_pdf(sys.stdin.read())
    sys.stdout.buffer.write(pdf)
""")


def test_paths_drawn_once_give_the_pdf_weasyprint_gives():
    page = _page()
    plain = subprocess.run([sys.executable, "-c", PLAIN], input=page.encode(),
                           capture_output=True, check=True, timeout=300).stdout
    ours, _ = weasy.html_to_pdf(page)
    assert plain.startswith(b"%PDF-") and ours == plain


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
