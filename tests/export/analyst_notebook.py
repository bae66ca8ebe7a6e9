"""A realistic analyst's notebook, built here and executed by the tests that need it.

What people put in notebooks that an exporter must get right: pandas tables (one 24
columns wide, one styled), LaTeX inline, displayed and in environments, PNG and SVG
figures, a long cell, a very long output line, warnings and messages on stderr, an
error, raw cells, Chinese and Russian text, images by relative path, remote and
attached, hiding tags, a widget's static fallback and HTML output with a remote image.
"""

from __future__ import annotations

import base64
import struct
import zlib

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell


def png(width: int = 24, height: int = 12, rgb: tuple[int, int, int] = (0, 114, 178)) -> bytes:
    """A small solid PNG, made without any imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


LONG_LINE = "".join(f"value_{i:03d}=" + str(i * 7 % 101) + ";" for i in range(40))
"""One output line of about 500 characters, no spaces."""

LONG_CELL = "\n".join(
    ["# Cleaning rules, one per line, applied in order"]
    + [f"rules.append(('{c}', lambda s: s.str.strip().str.lower().replace('n/a', None)))"
       if i % 3 == 0 else f"checks['{c}'] = frame['{c}'].notna().mean()  # share filled, {c}"
       for i, c in enumerate(f"col_{k:02d}" for k in range(70))]
    + ["print(len(rules), 'rules;', len(checks), 'checks')"])

CHINESE = "中俄贸易额在2024年第一季度达到566.8亿美元，同比增长5.2%。"
RUSSIAN = "Товарооборот России и Китая в первом квартале 2024 года вырос на 5,2 %."

CELLS = [
    ("md", "# Quarterly sales review: regions, prices and returns\n\n"
           "Prepared for the regional leads. Figures are in thousands of euros unless "
           "stated otherwise; the sample mean is $\\bar{x} = \\frac{1}{n}\\sum_{i=1}^{n} x_i$ "
           "and its variance follows below.\n\n"
           "$$\\sigma^2 = \\frac{1}{n-1}\\sum_{i=1}^{n}\\left(x_i - \\bar{x}\\right)^2$$\n\n"
           f"Quoted from the partner's release: {CHINESE} In Russian: {RUSSIAN}"),
    ("md", "## Data and method\n\n"
           "The model is fitted by least squares:\n\n"
           "\\begin{align}\n"
           "\\hat\\beta &= (X^\\top X)^{-1} X^\\top y \\\\\n"
           "\\operatorname{Var}(\\hat\\beta) &= \\sigma^2 (X^\\top X)^{-1}\n"
           "\\end{align}\n\n"
           "| region | manager | since |\n|---|---|---|\n"
           "| North | Ana Lima | 2019 |\n| East | 李伟 | 2021 |\n"
           "| West | Ирина Петрова | 2018 |\n\n"
           "Our logo ![Company logo](logo.png) and the partner's chart "
           "![Partner chart](https://example.com/partner-chart.png) (not fetched)."),
    ("code", "import warnings\n\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
             "import numpy as np\nimport pandas as pd\n\npd.set_option('display.max_columns', 30)\n"
             "from IPython.display import HTML, SVG, Latex, Math, display\n"
             "from matplotlib_inline.backend_inline import set_matplotlib_formats\n\n"
             "rng = np.random.default_rng(7)\n"
             "print('pandas', pd.__version__.split('.')[0], 'ready')"),
    ("code", "sales = pd.DataFrame({\n"
             "    'region': ['North', 'East', 'South', 'West', 'Centre'],\n"
             "    'q1_keur': [1204.5, 980.25, 1533.0, 870.75, 1102.0],\n"
             "    'q2_keur': [1310.0, 1011.5, 1498.25, 905.0, 1150.5],\n"
             "})\n"
             "sales['growth_pct'] = (sales.q2_keur / sales.q1_keur - 1) * 100\n"
             "import sys\n"
             "print('3 rows dropped: missing region code', file=sys.stderr)\n"
             "warnings.warn('price column has 2 values above the list price')\n"
             "sales"),
    ("code", "wide = pd.DataFrame(rng.normal(size=(6, 24)).round(4),\n"
             "                    columns=[f'store_{k:02d}_margin' for k in range(24)])\n"
             "wide.index.name = 'week'\n"
             "wide"),
    ("code", "sales.style.format({'growth_pct': '{:.1f}%'})"
             ".background_gradient(subset=['growth_pct'], cmap='Blues')"),
    ("code", "fig, ax = plt.subplots(figsize=(6, 3))\n"
             "ax.bar(sales.region, sales.growth_pct, color='#0072B2')\n"
             "ax.set_ylabel('growth, %')\nax.set_title('Growth by region, Q2 on Q1')\n"
             "plt.show()"),
    ("code", "set_matplotlib_formats('svg')\n"
             "fig, ax = plt.subplots(figsize=(6, 2.5))\n"
             "ax.plot(np.arange(12), rng.normal(size=12).cumsum(), marker='o')\n"
             "ax.set_title('Cumulative returns (SVG)')\nplt.show()"),
    ("code", "rules, checks = [], {}\nframe = pd.DataFrame({f'col_{k:02d}': ['a'] for k in "
             "range(70)})\n" + LONG_CELL),
    ("code", f"print({LONG_LINE!r})"),
    ("code", f"print({CHINESE!r})\nprint({RUSSIAN!r})"),
    ("code", "display(Math(r'\\int_0^1 x^2\\,dx = \\frac{1}{3}'))\n"
             "display(Latex(r'$\\alpha + \\beta = \\gamma$'))"),
    ("code", "display(HTML('<p>Benchmark from the vendor: <img src=\"https://example.com/v.png\""
             " alt=\"vendor benchmark\"></p>'))"),
    ("code", "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'abc123', "
             "'version_major': 2, 'version_minor': 0}, 'text/plain': "
             "'IntSlider(value=5, description=\"threshold\", max=10)'}, raw=True)"),
    ("code", "secret_setup = 'a cell the reader never sees'", ["remove-cell"]),
    ("code", "print('this code is folded away; its output is shown')", ["hide-input"]),
    ("code", "print('noise', 'removed', sep='_')", ["remove-output"]),
    ("raw-html", "<p><b>Raw HTML cell</b>: shown in HTML and PDF.</p>"),
    ("raw", "A raw cell without a format, shown as text."),
    ("raw-latex", "\\textbf{Raw LaTeX} is for the LaTeX exporter only."),
    ("code", "returns = sales.set_index('region')['growth_pct']\n"
             "returns.loc['Atlantis']  # no such region"),
    ("md", "## Conclusions\n\nGrowth was positive in four of five regions. "
           "See ![the attached summary](attachment:summary.png)."),
]


def analyst_notebook() -> nbformat.NotebookNode:
    """The notebook, unexecuted; its markdown attachment embedded."""
    cells = []
    for kind, source, *tags in CELLS:
        meta = {"tags": tags[0]} if tags else {}
        if kind == "md":
            cell = new_markdown_cell(source, metadata=meta)
            if "attachment:summary.png" in source:
                cell["attachments"] = {"summary.png": {
                    "image/png": base64.b64encode(png(30, 10, (230, 159, 0))).decode()}}
        elif kind == "code":
            cell = new_code_cell(source, metadata=meta)
        elif kind == "raw-html":
            cell = new_raw_cell(source, metadata={"raw_mimetype": "text/html"})
        elif kind == "raw-latex":
            cell = new_raw_cell(source, metadata={"raw_mimetype": "text/latex"})
        else:
            cell = new_raw_cell(source)
        cells.append(cell)
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    return nb


def execute(nb: nbformat.NotebookNode, folder, timeout: int = 300) -> nbformat.NotebookNode:
    """Run ``nb`` in ``folder`` (errors kept as outputs, as a notebook saved after one)."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb
