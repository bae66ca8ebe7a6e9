"""environment.yml (conda-forge) and pyproject.toml must name the same packages."""

from __future__ import annotations

import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import yaml

from tests.support import ROOT


def _norm(requirement: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_norm(r) for r in project["dependencies"]}
    wanted |= {_norm(r) for r in project["optional-dependencies"]["test"] if ";" not in r}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = {_norm(d) for d in env["dependencies"]
              if isinstance(d, str) and not d.startswith(("python", "pip"))}
    listed |= {_norm(d) for e in env["dependencies"] if isinstance(e, dict)
               for d in e.get("pip", []) if not d.startswith("-e")}
    assert listed == wanted


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[3].strip().startswith("make report")
    assert readme.splitlines()[4].strip().startswith("make test")
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
