"""What the exporters' Jinja filters set aside while the template renders, and put in
place once the page is complete: formulas (:class:`_Maths`), markup of the exporter's own
making kept out of the sanitizer's way (:class:`_Kept`), and the markdown renderer that
keeps maths for offline rendering (:class:`_Markdown`). The filters themselves are
methods of :class:`bilateral.export.html.ReportHTMLExporter`.
"""

from __future__ import annotations

import html as html_lib
import re

from nbconvert.filters.markdown_mistune import IPythonRenderer

UNRENDERED = "[formula not rendered: shown as TeX]"
"""Written after the TeX of a formula that could not be rendered, in the page itself."""


class _Maths:
    """Formulas found while the template renders, each left in the page as a token (plain
    text, which survives sanitizing), and put in place once the page is complete.

    The tokens carry ``nonce``, taken from a hash of the notebook: no notebook holds its
    own hash, and the same notebook gives the same page.
    """

    def __init__(self, nonce: str = "0", found=None):
        self.nonce = nonce
        self.items: list[tuple[str, bool]] = []
        self.failed = 0
        self.found = found
        """Called with (TeX, display) of each formula as it is found, if given."""

    def _token(self, tex: str, display: bool) -> str:
        self.items.append((tex, display))
        if self.found is not None:
            self.found(tex, display)
        return f"\ue000{self.nonce}:{len(self.items) - 1}\ue001"

    def inline(self, tex: str) -> str:
        return f'<span class="math">{self._token(tex, False)}</span>'

    def block(self, tex: str) -> str:
        return f'<span class="math math-display">{self._token(tex, True)}</span>'

    def fill(self, html: str, render) -> str:
        """``html`` with each token replaced by ``render(tex, display)``, or by the TeX
        source where that gives None."""
        if not self.items:
            return html

        def put(m):
            tex, display = self.items[int(m.group(1))]
            out = render(tex, display) if render else None
            if out is None:
                mark = "$$" if display else "$"
                source = f'<code class="math-source">{html_lib.escape(mark + tex + mark)}</code>'
                if not render:  # maths left as TeX by choice (render_math=False)
                    return source
                self.failed += 1
                return (f'<span class="math-unrendered{" math-display" if display else ""}">'
                        f'{source} <span class="math-warning">{UNRENDERED}</span></span>')
            return out

        def in_address(m):  # a heading's id and its anchor link: the TeX, as nbconvert has it
            from urllib.parse import quote

            tex, display = self.items[int(m.group(1))]
            mark = "$$" if display else "$"
            return quote((mark + tex + mark).replace(" ", "-"), safe="?/:@!$&'()*+,;=")

        html = re.sub("%EE%80%80" + self.nonce + r":(\d+)%EE%80%81", in_address, html)
        return re.sub("\ue000" + self.nonce + r":(\d+)\ue001", put, html)


class _Kept:
    """Markup the exporter makes itself from escaped text (pygments' highlighting of code,
    nbconvert's ``ansi2html`` of streams, plain text and tracebacks), set aside while the
    page is sanitized, as a token, and put back afterwards: the sanitizer then reads only
    what the notebook wrote as markup, and code-heavy notebooks convert faster."""

    def __init__(self, nonce: str = "0"):
        self.nonce = nonce
        self.items: list[str] = []

    def keep(self, html) -> str:
        self.items.append(str(html))
        return f"\ue002{self.nonce}:{len(self.items) - 1}\ue003"

    def fill(self, html: str) -> str:
        if not self.items:
            return html
        return re.sub("\ue002" + self.nonce + r":(\d+)\ue003",
                      lambda m: self.items[int(m.group(1))], html)


LONG_CODE = 24
"""Inline code with a word this long or longer may break at any character (``long-code``)."""


class _Markdown(IPythonRenderer):
    """nbconvert's markdown renderer, with maths kept for offline rendering, images left
    for the exporter to embed or replace (a missing attachment is no error), and long
    inline code marked ``long-code``.

    Inline code may break inside a word only when the word is long (``overflow-wrap:
    anywhere`` would do it only where a line starts, so a long one is first pushed to the
    next line, leaving the line before it up to empty); a ``long-code`` span breaks at any
    character, where the line ends (``word-break: break-all``), and the prose around it
    fills its lines. Shorter code is never broken: it moves to the next line whole, as a
    word does."""

    def __init__(self, maths: _Maths, **kw):
        super().__init__(**kw)
        self._maths = maths

    def codespan(self, text: str) -> str:
        html = super().codespan(text)
        if any(len(word) >= LONG_CODE for word in text.split()):
            return html.replace("<code>", '<code class="long-code">', 1)
        return html

    def block_math(self, body: str) -> str:
        return self._maths.block(body)

    def inline_math(self, body: str) -> str:
        return self._maths.inline(body)

    def latex_environment(self, name: str, body: str) -> str:
        return self._maths.block(f"\\begin{{{name}}}{body}\\end{{{name}}}")

    def _embed_image_or_attachment(self, src: str) -> str:
        if src.startswith("attachment:") and src[len("attachment:"):] not in self.attachments:
            return src  # becomes a placeholder naming the attachment
        if src.startswith("attachment:"):
            return super()._embed_image_or_attachment(src)
        return src
