"""LaTeX maths rendered offline: MathML for the HTML, SVG for the PDF.

No MathJax, no network, no TeX installation. ``latex2mathml`` turns the TeX into MathML,
which browsers lay out themselves (MathML Core); WeasyPrint does not lay MathML out, so
the PDF gets the same MathML drawn as SVG paths by ``ziamath`` (its own STIX Two Math
font), embedded as an image whose alt text is the TeX source.

The MathML comes from text a notebook wrote, so it is rebuilt through an allow-list of
MathML elements and attributes before anything uses it: ``latex2mathml`` copies
``\\text{<b>}`` through unescaped and turns ``\\href``, ``\\style`` and ``\\class`` into
attributes; none of that survives. What cannot be converted (unknown environments,
unbalanced braces) yields None, and the caller shows the TeX source instead.
"""

from __future__ import annotations

import base64
import copy
import functools
import logging
import re
import warnings
import xml.etree.ElementTree as ET

log = logging.getLogger(__name__)

MATHML_NS = "http://www.w3.org/1998/Math/MathML"

ELEMENTS = frozenset("""math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover
munderover mfrac msqrt mroot mstyle merror mpadded mphantom mtable mtr mtd mlabeledtr
menclose mmultiscripts mprescripts none semantics annotation mfenced""".split())
"""MathML elements kept (MathML Core and the few older ones latex2mathml writes)."""

ATTRIBUTES = frozenset("""display displaystyle scriptlevel mathvariant mathsize stretchy fence
separator lspace rspace minsize maxsize symmetric largeop movablelimits accent accentunder
linethickness columnalign rowalign columnspacing rowspacing columnlines rowlines frame
framespacing columnspan rowspan notation width height depth voffset form open close
separators encoding mathcolor mathbackground""".split())
"""Attributes kept, when their value is plain (see ``_PLAIN``)."""

_PLAIN = re.compile(r"[\w#.%+\- ]{0,80}\Z")
MAX_TEX = 4000
"""Longest TeX source converted; a longer one is shown as source."""


TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext", "annotation"})
"""Elements whose content is text."""


def _clean(element: ET.Element) -> ET.Element:
    """A copy of ``element`` (an allowed one) with only allowed elements and plain allowed
    attributes; an element outside the list is replaced by its text."""
    tag = element.tag.split("}", 1)[-1]
    out = ET.Element(tag)
    for name, value in element.attrib.items():
        name = name.split("}", 1)[-1]
        if name in ATTRIBUTES and _PLAIN.match(value):
            out.set(name, value)
    out.text = element.text
    for child in element:
        if child.tag.split("}", 1)[-1] in ELEMENTS:
            clean = _clean(child)
        elif tag in TOKENS:  # its text joins the text around it
            text = "".join(child.itertext()) + (child.tail or "")
            if len(out):
                out[-1].tail = (out[-1].tail or "") + text
            else:
                out.text = (out.text or "") + text
            continue
        else:
            clean = ET.Element("mtext")
            clean.text = "".join(child.itertext())
        clean.tail = child.tail
        out.append(clean)
    return out


def mathml(tex: str, display: bool = False) -> str | None:
    """``tex`` (without its ``$`` delimiters) as a ``<math>`` element carrying the TeX as its
    ``alttext``, or None when it cannot be converted."""
    core = _mathml(tex.strip(), display)
    if core is None:
        return None
    from html import escape

    return core.replace("<math ", f'<math alttext="{escape(tex.strip())}" ', 1)


_LABEL = re.compile(r"\\label\{[^{}]*\}")
_EQNARRAY = re.compile(r"\\(begin|end)\{eqnarray\*?\}")
_UNKNOWN = re.compile(r"<m[io]>\\[A-Za-z]+</m[io]>")
"""latex2mathml writes a command it does not know as its name: such a formula is shown as
its TeX source instead."""


_FENCED_MATRIX = re.compile(r"\\(begin|end)\{([pbBvV])matrix\}")
_FENCES = {"p": ("(", ")"), "b": ("[", "]"), "B": ("\\{", "\\}"), "v": ("|", "|"),
           "V": ("\\|", "\\|")}


def _fenced_matrix(m: re.Match) -> str:
    """``\\begin{bmatrix}`` as ``\\left[\\begin{matrix}`` (and its end): latex2mathml
    writes a fenced matrix as three loose siblings, so that a superscript after it
    (``\\end{bmatrix}^T``) takes all three as its base (an ``msup`` of four children);
    ``\\left…\\right`` makes one group, whose fences stretch."""
    left, right = _FENCES[m.group(2)]
    if m.group(1) == "begin":
        return f"{{\\left{left}\\begin{{matrix}}"
    return f"\\end{{matrix}}\\right{right}}}"


_TEXT = re.compile(r"\\text\{((?:[^{}\\]|\\.)*)\}")
"""``\\text{…}`` without braces inside (escaped ones allowed: ``\\{``, ``\\$``)."""
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)((?:\\\\)*)\$")


def _text_with_maths(m: re.Match) -> str:
    """``\\text{for $|q|<1$}`` as ``\\text{for }{|q|<1}``: TeX allows maths inside text
    inside maths, latex2mathml does not (it fails the whole formula). Any number of
    ``$…$`` in one ``\\text``; an escaped ``\\$`` is text; unbalanced dollars leave the
    whole as it was."""
    parts = _UNESCAPED_DOLLAR.split(m.group(1))
    # split keeps each dollar's preceding backslash pairs as a group: glue them back
    pieces, i = [parts[0]], 1
    while i < len(parts):
        pieces[-1] += parts[i]
        pieces.append(parts[i + 1])
        i += 2
    if len(pieces) == 1 or len(pieces) % 2 == 0:
        return m.group(0)
    out = []
    for k, piece in enumerate(pieces):
        if k % 2:
            out.append(f"{{{piece}}}")
        elif piece:
            out.append(f"\\text{{{piece}}}")
    return "".join(out)


_ALIGNED = re.compile(r"\\(begin|end)\{(?:aligned|alignedat|alignat\*?)\}(?:\{\d+\})?")
_GATHERED = re.compile(r"\\(begin|end)\{(?:gathered|gather\*?|multline\*?)\}")


def _prepare(tex: str) -> str:
    """TeX that latex2mathml reads: labels dropped (there are no references to resolve),
    maths inside ``\\text{}`` taken out of it, eqnarray as the three-column array it is,
    fenced matrices as one group, ``aligned`` and ``alignat`` as ``align*``, and
    ``gather``, ``gathered``, ``multline`` as a one-column array (latex2mathml writes these
    as one line with line-break spaces, which browsers do not break at)."""
    tex = _LABEL.sub("", tex)
    tex = _TEXT.sub(_text_with_maths, tex)
    tex = _FENCED_MATRIX.sub(_fenced_matrix, tex)
    tex = _ALIGNED.sub(lambda m: "\\begin{align*}" if m.group(1) == "begin"
                       else "\\end{align*}", tex)
    tex = _GATHERED.sub(lambda m: "\\begin{array}{c}" if m.group(1) == "begin"
                        else "\\end{array}", tex)
    return _EQNARRAY.sub(lambda m: "\\begin{array}{rcl}" if m.group(1) == "begin"
                         else "\\end{array}", tex)


ARITY = {"msub": 2, "msup": 2, "mfrac": 2, "mroot": 2, "munder": 2, "mover": 2,
         "msubsup": 3, "munderover": 3}
"""Elements with a fixed number of children (MathML Core); the others take any number."""


def well_formed(root: ET.Element) -> bool:
    """Whether every element of ``root`` has the children its kind needs: scripts and
    fractions their fixed count, table rows only cells, tables only rows. latex2mathml
    sometimes writes a script with more children than its kind takes, which a browser
    draws wrong without a word; such a formula is shown as its TeX instead."""
    for el in root.iter():
        tag = el.tag.split("}", 1)[-1]
        children = [c.tag.split("}", 1)[-1] for c in el]
        if tag in ARITY and len(children) != ARITY[tag]:
            return False
        if tag == "mtable" and any(c not in ("mtr", "mlabeledtr") for c in children):
            return False
        if tag in ("mtr", "mlabeledtr") and any(c != "mtd" for c in children[
                1 if tag == "mlabeledtr" else 0:]):
            return False
    return True


@functools.lru_cache(maxsize=1024)
def _mathml(tex: str, display: bool) -> str | None:
    if not tex or len(tex) > MAX_TEX:
        return None
    try:
        import latex2mathml.converter
        from defusedxml.ElementTree import fromstring

        raw = latex2mathml.converter.convert(_prepare(tex),
                                             display="block" if display else "inline")
        if _UNKNOWN.search(raw):
            return None
        parsed = fromstring(raw)
        if parsed.tag.split("}", 1)[-1] != "math":
            return None
        root = _clean(parsed)
        if not well_formed(root):
            log.debug("maths not converted (malformed MathML): %s", tex[:80])
            return None
    except Exception as exc:  # any failure of the converter: the source is shown instead
        log.debug("maths not converted (%s): %s", type(exc).__name__, tex[:80])
        return None
    root.set("xmlns", MATHML_NS)
    root.set("display", "block" if display else "inline")
    return ET.tostring(root, encoding="unicode")


CHECKED_ZIAMATH = "0.13"
"""The ziamath whose row layout ``_ziamath`` was checked against (its own SVG, byte for
byte, over the test corpus); any other is used as it is."""


@functools.cache
def _ziamath():
    """ziamath, its row layout spared a pass that cannot change what it draws, its
    styles copied shallowly (see the end of this function).

    To stretch its fences, ziamath lays every row out twice: once without stretching, to
    learn the row's height (``Mrow._get_height_nostretch``), then for real. A row inside a
    row is laid out twice by each of the two passes of its parent, so a formula costs
    2^depth layouts of its innermost rows: a matrix of sums in brackets took 0.7 s. The
    first pass's result (``rowymin``/``rowymax``) is read only by stretchy operators
    (``Moperator._setup``); a row with no operator that may stretch anywhere under it
    (one the operator dictionary or a ``stretchy`` attribute makes stretchy) skips it.
    The SVG is byte for byte what ziamath draws without this (tests/export/test_maths_speed.py
    compares them over every formula of the test corpus)."""
    with warnings.catch_warnings():  # ziamath finds its font through a deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath
        from ziamath import operators, styles
        from ziamath.nodes.mrow import Mrow
        from ziamath.nodes.nodetools import elementtext

    if getattr(Mrow, "_bilateral_prepass", False):
        return ziamath
    if not ziamath.__version__.startswith(CHECKED_ZIAMATH):
        # Another ziamath may lay rows out otherwise: drawn as it draws them, slower.
        log.debug("ziamath %s: its row layout left as it is", ziamath.__version__)
        return ziamath
    stretchy = frozenset(name for (name, _form), params in operators.operators.items()
                         if params.get("stretchy", "false") != "false")
    full_prepass = Mrow._get_height_nostretch

    def stretches(e) -> bool:
        # Moperator takes the element's attributes over the dictionary's parameters.
        said = e.get("stretchy")
        return said != "false" if said is not None else elementtext(e) in stretchy

    def may_stretch(element) -> bool:
        return any(e.tag in ("mo", "mi") and stretches(e) for e in element.iter())

    def _get_height_nostretch(self, line, **kwargs):
        if any(may_stretch(child) for child in line):
            return full_prepass(self, line, **kwargs)
        return 9999, -9999  # what the full pass gives an empty row; nothing reads it

    Mrow._get_height_nostretch = _get_height_nostretch
    Mrow._bilateral_prepass = True
    # Every node's style starts from ``dataclasses.asdict(parent_style)``, a recursive deep
    # copy, of which ``styles.parse_style`` reads only the scalar fields (mathcolor,
    # mathbackground, mathsize, scriptlevel, displaystyle); the nested mathvariant it takes
    # from the parent object itself. A shallow copy of the fields gives it the same values,
    # and ziamath draws the test corpus's 322 formulas in 0.70 s instead of 0.79 s.
    styles.asdict = _fields
    return ziamath


def _fields(style) -> dict:
    """A dataclass instance's fields as a dict, not copied (see ``_ziamath``)."""
    return dict(vars(style))


MATH_SIZE = 20.0
"""ziamath's base size in px; the SVG is scaled by CSS in em, so only precision depends on it."""
SCALE = 1.12
"""STIX Two's letters are smaller than DejaVu's at the same size: maths is set this much
larger than the text around it, so that the two look alike."""


@functools.lru_cache(maxsize=1024)
def svg(tex: str, display: bool = False) -> tuple[str, float, float, float] | None:
    """``tex`` drawn as SVG: (the SVG, its width, height and depth below the baseline, in
    em of the surrounding text), or None when it cannot be converted."""
    markup = _mathml(tex.strip(), display)
    if markup is None:
        return None
    try:
        with warnings.catch_warnings():  # ziamath finds its font through a deprecated API
            warnings.simplefilter("ignore", DeprecationWarning)
            math = _ziamath().Math(markup, size=MATH_SIZE)
            drawing = math.svgxml()
        bbox = math.node.bbox
        _glyphs_in_place(drawing)
    except Exception as exc:  # a formula ziamath cannot draw is shown as source
        log.debug("maths not drawn (%s): %s", type(exc).__name__, tex[:80])
        return None
    width = float(drawing.get("width", 0)) / MATH_SIZE * SCALE
    height = float(drawing.get("height", 0)) / MATH_SIZE * SCALE
    depth = (math.margin - bbox.ymin) / MATH_SIZE * SCALE
    return ET.tostring(drawing, encoding="unicode"), width, height, depth


_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\Z")


def _numbers(text: str | None, count: int) -> list[float] | None:
    """``count`` plain numbers separated by spaces or commas, or None."""
    parts = (text or "").replace(",", " ").split()
    if len(parts) != count or not all(_NUMBER.match(p) for p in parts):
        return None
    return [float(p) for p in parts]


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


_USE_ATTRIBUTES = frozenset({"href", "x", "y", "width", "height", "fill"})


def _glyphs_in_place(drawing: ET.Element) -> None:
    """Each glyph drawn where it stands, not referenced: ziamath defines every glyph once
    as a ``<symbol>`` with a viewBox and places it with ``<use x y width height>``. For
    WeasyPrint each such use is three nested nodes to draw (the use, the symbol as an
    inner SVG with its own viewport and clip, then the path), each with its graphic state,
    attributes parsed and transform; writing the linear algebra notes of the test corpus
    (2,448 glyphs placed) took 2.0 s, 1.1 s with the glyphs in place. A use becomes its
    symbol's path (or a group of its content) under the one transform the viewBox and
    the use's box make (SVG's default ``xMidYMid meet``, as WeasyPrint computes it); the
    path data stays the symbol's, so ``weasy._svg_paths_drawn_once`` still parses each
    glyph once. The symbol's clip to its viewBox is dropped: ziafont makes the viewBox
    the glyph's bounding box, which a stretched fence's pieces overrun by 0.01 of its
    units at most. A use or symbol written otherwise (another attribute, no size, an
    empty viewBox) is left as ziamath wrote it."""
    symbols = {s.get("id"): s for s in drawing.iter("symbol") if s.get("id")}
    if not symbols:
        return
    for parent in list(drawing.iter()):
        for i, use in enumerate(parent):
            if use.tag != "use" or not set(use.attrib) <= _USE_ATTRIBUTES:
                continue
            symbol = symbols.get((use.get("href") or "")[1:])
            box = _numbers(f"{use.get('x', '0')} {use.get('y', '0')} {use.get('width')} "
                           f"{use.get('height')}", 4)
            view = _numbers(symbol.get("viewBox"), 4) if symbol is not None else None
            if (box is None or view is None or set(symbol.attrib) != {"id", "viewBox"}
                    or min(view[2:] + box[2:]) <= 0):
                continue
            x, y, width, height = box
            view_x, view_y, view_width, view_height = view
            scale = min(width / view_width, height / view_height)
            dx = x + (width - view_width * scale) / 2 - view_x * scale
            dy = y + (height - view_height * scale) / 2 - view_y * scale
            transform = (f"matrix({_number(scale)} 0 0 {_number(scale)} {_number(dx)} "
                         f"{_number(dy)})")
            content = list(symbol)
            if len(content) == 1 and content[0].tag == "path" \
                    and not {"transform", "fill"} & set(content[0].attrib):
                placed = ET.Element("path", content[0].attrib)
            else:
                placed = ET.Element("g")
                placed.extend(copy.deepcopy(content))
            placed.set("transform", transform)
            if use.get("fill") is not None:
                placed.set("fill", use.get("fill"))
            placed.tail = use.tail
            parent[i] = placed
    used = {(u.get("href") or "")[1:] for u in drawing.iter("use")}
    for parent in list(drawing.iter()):
        for symbol in [c for c in parent if c.tag == "symbol" and c.get("id") not in used]:
            parent.remove(symbol)


def svg_img(tex: str, display: bool = False, drawn=False) -> str | None:
    """An ``<img>`` of ``tex`` drawn as SVG, sized in em and sitting on the text's baseline,
    with the TeX as its alt text; None when it cannot be drawn. ``drawn``: what
    ``svg(tex, display)`` gave, where it was drawn already (in another process)."""
    if drawn is False:
        drawn = svg(tex, display)
    if drawn is None:
        return None
    source, width, height, depth = drawn
    from html import escape

    data = base64.b64encode(source.encode("utf-8")).decode("ascii")
    style = (f"width:{width:.3f}em;height:{height:.3f}em;"
             + ("" if display else f"vertical-align:{-depth:.3f}em"))
    return (f'<img class="math-svg" src="data:image/svg+xml;base64,{data}" '
            f'alt="{escape(tex.strip())}" style="{style}">')
