"""The maths of the PDF drawn faster, not differently: ``maths._ziamath`` spares ziamath a
layout pass whose result nothing reads and a deep copy of every node's style. The oracle
is ziamath itself, unpatched, in another process: every formula of the real notebooks in
``tests/corpus`` (and of the tutorial-like linear algebra notebook) must give the same
SVG, byte for byte."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bilateral.export import maths
from tests.export.real_notebooks import linear_algebra_notebook

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
FORMULA = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)

PLAIN_ZIAMATH = """
import json, sys, warnings
import xml.etree.ElementTree as ET
warnings.simplefilter("ignore")
import ziamath
out = []
for markup in json.load(sys.stdin):
    try:
        drawn = ziamath.Math(markup, size=float(sys.argv[1])).svgxml()
        out.append(ET.tostring(drawn, encoding="unicode"))
    except Exception as exc:
        out.append("error " + type(exc).__name__)
json.dump(out, sys.stdout)
"""


def _formulas() -> list[str]:
    notebooks = [nbformat.read(p, as_version=4) for p in sorted(CORPUS.glob("*.ipynb"))]
    notebooks.append(linear_algebra_notebook())
    markups = []
    for nb in notebooks:
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for m in FORMULA.finditer(cell.source):
                display = m.group(1) is not None
                markup = maths._mathml((m.group(1) if display else m.group(2)).strip(), display)
                if markup is not None:
                    markups.append(markup)
    return markups


@pytest.mark.slow
def test_the_spared_pass_and_shallow_styles_draw_every_corpus_formula_as_ziamath_does():
    markups = _formulas()
    # the corpus has formulas with fences around rows of sums (the costly case) and without
    assert len(markups) > 200
    assert any("<mtable" in m and ">[</mo>" in m for m in markups)
    plain = subprocess.run([sys.executable, "-c", PLAIN_ZIAMATH, str(maths.MATH_SIZE)],
                           input=json.dumps(markups), capture_output=True, text=True,
                           check=True, timeout=600)
    expected = json.loads(plain.stdout)
    import xml.etree.ElementTree as ET

    ziamath = maths._ziamath()
    got = [ET.tostring(ziamath.Math(m, size=maths.MATH_SIZE).svgxml(), encoding="unicode")
           for m in markups]
    assert not [e for e in expected if e.startswith("error ")]
    different = [m for m, a, b in zip(markups, expected, got) if a != b]
    assert not different, different[:3]


def test_a_row_without_a_stretchy_operator_skips_the_first_pass(monkeypatch):
    """Counted, not timed: the rows of a bracketed matrix of sums are laid out once per
    pass of their own row, not 2^depth times."""
    ziamath = maths._ziamath()
    from ziamath.nodes.mnode import Mnode

    made = []
    original = Mnode.fromelement

    def counting(element, parent, **kwargs):
        made.append(element.tag)
        return original(element, parent, **kwargs)

    monkeypatch.setattr(Mnode, "fromelement", staticmethod(counting))
    markup = maths._mathml(r"\begin{bmatrix} a + b & c + d \\ e + f & g + h \end{bmatrix}",
                           True)
    ziamath.Math(markup, size=maths.MATH_SIZE)
    # latex2mathml nests the bracketed table in three rows under <math>; each of those four
    # has a stretchy bracket below it, so each lays what is under it out twice: the table
    # is made 2^4 = 16 times. Each of its 4 cells (a row "a + b" with no stretchy operator)
    # then makes its 2 letters once: 16 x 8 = 128 letters. With the first pass in every
    # cell too, each cell would make them twice: 256.
    assert made.count("mtable") == 16
    assert made.count("mi") == 128
