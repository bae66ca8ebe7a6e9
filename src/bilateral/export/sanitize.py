"""Markup of notebooks that are not the project's own, cleaned the way nbconvert's
sanitizer does it: an allow-list of tags and attributes (bleach), nothing that runs,
nothing fetched.

A report from any notebook keeps the promise of the project's own: no script, no request
to the network, from the HTML file or its PDF. Script and style elements go with their
content; every attribute outside the allow-list goes (``on*`` handlers among them); links
keep ``http``, ``https`` and ``mailto`` only; inline styles keep safe properties and never
``url(...)``. An image is kept only as a ``data:`` URL: one named by a relative path is
read from the notebook's own folder (an image file inside it, bounded in size) and
embedded; any other (a remote address, a file outside the folder, a missing attachment)
becomes a visible placeholder with its alt text and address (:func:`placeholder`), never
fetched.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from pathlib import Path

from bilateral.core import files

TAGS = frozenset("""a abbr article aside b bdi blockquote br caption cite code col colgroup
dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img
ins kbd li main mark nav ol p pre q s samp section small span strong sub summary sup table
tbody td tfoot th thead time tr u ul var""".split())
"""Elements a report from any notebook may hold."""

DROPPED_WITH_CONTENT = ("script", "style", "template", "noscript", "iframe", "object",
                        "embed", "svg", "math", "textarea", "select", "title", "head")
"""Elements removed with everything inside them (their text would only be noise)."""

COMMON_ATTRS = frozenset({"class", "id", "title", "lang", "dir", "style"})
TAG_ATTRS = {
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start"},
    "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"}, "colgroup": {"span"}, "time": {"datetime"},
}
CSS_PROPERTIES = frozenset({
    "background-color", "border", "border-bottom", "border-collapse", "border-color",
    "border-left", "border-right", "border-spacing", "border-style", "border-top",
    "border-width", "clear", "color", "display", "float", "font-family", "font-size",
    "font-style", "font-variant", "font-weight", "height", "letter-spacing", "line-height",
    "margin", "margin-bottom", "margin-left", "margin-right", "margin-top", "max-width",
    "min-width", "overflow", "padding", "padding-bottom", "padding-left", "padding-right",
    "padding-top", "text-align", "text-decoration", "text-indent", "text-transform",
    "vertical-align", "white-space", "width", "word-break"})
IMAGE_TYPES = {".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
               ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
               ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
               ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
               ".webp": ("image/webp", (b"RIFF",)),
               ".svg": ("image/svg+xml", ())}
MAX_IMAGE_BYTES = 5 * files.MiB
"""Largest image file embedded from the notebook's folder."""

_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*\Z")
_SIZE = re.compile(r"\d{1,5}(%|px)?\Z")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _allowed(tag: str, name: str, value: str) -> bool:
    if name not in COMMON_ATTRS and name not in TAG_ATTRS.get(tag, ()):
        return False
    v = value.strip()
    if name == "style":
        low = v.lower()
        return not any(s in low for s in ("url(", "expression(", "\\", "@import", "image("))
    if name == "href":
        return v.startswith("#") or bool(re.match(r"(https?|mailto):", v, re.I))
    if name == "src":  # the image filter embeds it or puts a placeholder in its place
        return True
    if name in ("width", "height"):
        return bool(_SIZE.match(v))
    return True


def embedded_image(src: str, base: Path | None) -> str | None:
    """``src`` as a ``data:`` URL: itself when it is one of an image, or the image file it
    names relative to ``base`` when that is an image file inside ``base``; else None."""
    src = src.strip()
    if _DATA_IMAGE.match(src):
        return src
    if base is None or _SCHEME.match(src) or src.startswith(("/", "\\")) or not src:
        return None
    from urllib.parse import unquote, urlsplit

    rel = unquote(urlsplit(src).path)
    try:
        root = Path(base).resolve()
        path = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if root not in path.parents:
        return None
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if not kind:
        return None
    try:
        data = files.read_regular(path, MAX_IMAGE_BYTES)
    except files.UnreadableError:
        return None
    mime, magics = kind
    if not (data.startswith(magics) if magics else _is_svg(data)):
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head


def is_remote(src: str) -> bool:
    """Whether ``src`` names something on the network (``http:``, ``https:``, ``//host``)."""
    s = src.strip().lower()
    return s.startswith(("http:", "https:", "//", "ftp:"))


PLACEHOLDER_CLASS = "image-missing"


def placeholder_parts(src: str, alt: str) -> tuple[str, str]:
    """The two texts of an image placeholder: the label with the alt text, and the address."""
    src = src.strip()
    alt = " ".join(alt.split())[:200] or os.path.basename(src.split("?", 1)[0])[:80]
    return f"[image not included: {alt or 'no description'}]", src[:300]


def placeholder(src: str, alt: str) -> str:
    """A visible stand-in (HTML) for an image that is not embedded: its alt text and
    address, as text."""
    from html import escape

    label, address = placeholder_parts(src, alt)
    url = f' <span class="image-url">{escape(address)}</span>' if address else ""
    return (f'<span class="{PLACEHOLDER_CLASS}" role="img" aria-label="{escape(label)}">'
            f"{escape(label)}{url}</span>")


def _image_filter(base: Path | None, missing: list | None):
    from bleach.html5lib_shim import Filter

    class ImageFilter(Filter):
        """Every ``img`` ends with a ``data:`` URL, or as a placeholder with its alt text
        and address."""

        def __iter__(self):
            for token in super().__iter__():
                if token.get("type") in ("StartTag", "EmptyTag") and token.get("name") == "img":
                    attrs = token.get("data") or {}
                    src = attrs.get((None, "src"), "")
                    url = embedded_image(src, base)
                    if url is None:
                        if missing is not None:
                            missing.append(src)
                        label, address = placeholder_parts(src, attrs.get((None, "alt"), ""))
                        yield {"type": "StartTag", "name": "span",
                               "data": {(None, "class"): PLACEHOLDER_CLASS,
                                        (None, "role"): "img", (None, "aria-label"): label}}
                        yield {"type": "Characters", "data": label}
                        if address:
                            yield {"type": "Characters", "data": " "}
                            yield {"type": "StartTag", "name": "span",
                                   "data": {(None, "class"): "image-url"}}
                            yield {"type": "Characters", "data": address}
                            yield {"type": "EndTag", "name": "span"}
                        yield {"type": "EndTag", "name": "span"}
                        continue
                    attrs[(None, "src")] = url
                yield token

    return ImageFilter


_DROPPED_START = re.compile("<(?:" + "|".join(DROPPED_WITH_CONTENT) + r")(?=[\s/>]|\Z)", re.I)


_START = re.compile(r"<(?:(!--)|(script|style)(?=[\s/>])|[a-zA-Z/!?])", re.I)
_TAG_REST = re.compile(r"""(?:[^>"']|"[^"]*"|'[^']*')*>""")
_END = {name: re.compile(rf"</{name}(?=[\s/>])[^>]*>", re.I) for name in ("script", "style")}


def _raw_text_dropped(html: str) -> str:
    """``html`` without its script and style elements, each left as an empty comment (which
    the sanitizer drops): what stood on either side stays apart, as it was in the tree
    (``<`` before a style element does not start a tag with the text after it).

    Comments and tags are read whole, quoted values included, so that a ``<style>``
    inside an attribute's value or a comment is not taken for one. Script and style are
    raw text: the element ends at the first end tag of its name (HTML's tokenizer, and
    html.parser's, read it so). At a comment, tag or element that does not end, the rest
    is left as it is (BeautifulSoup then reads it): each character is read once or twice,
    never again for each start tag after it."""
    out, pos = [], 0
    while (m := _START.search(html, pos)) is not None:
        if m.group(1):  # a comment
            end = html.find("-->", m.end())
            if end < 0:
                break
            end += 3
        else:
            tag = _TAG_REST.match(html, m.end())
            if tag is None:
                break
            end = tag.end()
            name = (m.group(2) or "").lower()
            if name:
                close = _END[name].search(html, end)
                if close is None:
                    break
                out += [html[pos:m.start()], "<!---->"]
                pos = close.end()
                continue
        out.append(html[pos:end])
        pos = end
    out.append(html[pos:])
    return "".join(out)


def _drop_with_content(html: str) -> str:
    if not _DROPPED_START.search(html):  # no such start tag: nothing to drop
        return html
    # pandas writes a <style> before each table: dropped without parsing the page (0.1 s
    # of the Titanic chapter's 1.1 s of HTML), since nothing inside it can end it early.
    html = _raw_text_dropped(html)
    if not _DROPPED_START.search(html):
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for el in soup.find_all(DROPPED_WITH_CONTENT):
        el.decompose()
    return str(soup)


@functools.cache
def _css():
    from bleach.css_sanitizer import CSSSanitizer

    return CSSSanitizer(allowed_css_properties=CSS_PROPERTIES)


def sanitize(html: str, base: Path | str | None = None, missing: list | None = None) -> str:
    """Clean ``html`` (a fragment) with the allow-list; ``base`` is the notebook's folder,
    where relative images are looked up. The address of each image that is not embedded
    is appended to ``missing`` when given."""
    import bleach

    cleaner = bleach.Cleaner(
        tags=TAGS, attributes=_allowed, protocols=["http", "https", "mailto", "data", "attachment"],
        strip=True, strip_comments=True, css_sanitizer=_css(),
        filters=[_image_filter(Path(base) if base else None, missing)])
    return cleaner.clean(_drop_with_content(html))
