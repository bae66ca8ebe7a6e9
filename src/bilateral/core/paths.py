"""Where things live. The one place that names the project's folders; no side effects.

The root is the source checkout when the package is installed from one (editable
install, as ``make`` does); otherwise the current folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = PACKAGE.parent.parent
ROOT = _CHECKOUT if (_CHECKOUT / "notebooks").is_dir() else Path.cwd()

DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ROOT / "reports"
PARAMS = ROOT / "params"
