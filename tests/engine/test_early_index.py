"""The index laid out while the last report is still being built (``publish.EarlyIndex``):
published only when it is exactly the index laid out afterwards from the published files."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from bilateral.engine import build as engine
from bilateral.engine import publish
from bilateral.engine.options import Options
from bilateral.engine.plan import plan
from bilateral.engine.state import STATE_FILE
from bilateral.engine.workspace import workspace

pytestmark = pytest.mark.slow


def _afterwards(out: Path) -> dict[str, bytes]:
    """The index as a build lays it out when nothing is predicted: from the files."""
    with workspace() as ws:
        p = plan(Options(out_dir=out), ws)
        folder = Path(tempfile.mkdtemp(dir=out.parent))
        names = publish._render_index(p, folder)
    return {n: (folder / n).read_bytes() for n in names}


def _spy(monkeypatch) -> list[bool]:
    seen: list[bool] = []
    real = publish.EarlyIndex.matches

    def matches(self, pages):
        seen.append(real(self, pages))
        return seen[-1]

    monkeypatch.setattr(publish.EarlyIndex, "matches", matches)
    return seen


@pytest.mark.parametrize("predicted", ["right", "wrong"])
def test_the_early_index_is_the_index_of_the_published_reports(tmp_path, monkeypatch,
                                                               predicted):
    out = tmp_path / "out"
    assert all(o.ok for o in engine.build(Options(out_dir=out, jobs=2)))
    state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    # the last build's page counts are what the next one predicts from
    assert {k: v["pages"] for k, v in state["targets"].items()} == {"tourism": 3, "trade": 7}
    if predicted == "wrong":
        for entry in state["targets"].values():
            entry["pages"] = 99
        (out / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    seen = _spy(monkeypatch)
    assert all(o.ok for o in engine.build(Options(out_dir=out, jobs=2, force=True)))
    # one report ended first, the other was still running: the index was laid out early
    # and used only when its page counts were right
    assert seen == [predicted == "right"]
    expected = _afterwards(out)
    assert sorted(expected) == ["index.html", "index.pdf"]
    for name, data in expected.items():
        assert (out / name).read_bytes() == data, name
    assert b">7</td>" in expected["index.html"] and b">99<" not in expected["index.html"]
