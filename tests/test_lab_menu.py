"""The exporters under their own names in JupyterLab's "Save and Export Notebook As" menu.

JupyterLab's ``/api/nbconvert`` gives only exporter names, so the menu would read
"Bilateral_html". The server extension :mod:`bilateral.lab` serves each exporter's own
label (``export_from_notebook``) at ``bilateral/export-labels``, and the prebuilt JupyterLab
extension ``bilateral-labextension`` (``src/bilateral/labextension``, copied into the venv by
``scripts/notebook-setup.sh``) shows it. Fast tests read the labels and the extension's
files; the slow ones start a real JupyterLab on a copy of the project (set up by the
script, as ``make`` does), ask the server, open the menu in Debian's Chromium and export
through it. The screenshot of the open menu is kept in a temporary folder, printed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from bilateral import lab
from tests.support import (
    BIN,
    ROOT,
    LabServer,
    browser_page,
    chromium,
    isolated_env,
    project_copy,
    require_chromium,
    wait_in_page,
)

LABEXTENSION = ROOT / "src" / "bilateral" / "labextension"
NAME = "bilateral-labextension"
OURS = {"bilateral_html": "Bilateral report — HTML", "bilateral_pdf": "Bilateral report — PDF"}


# ------------------------------------------------------------------------------ fast

def test_export_labels_are_the_exporters_own():
    labels = lab.export_labels()
    assert {k: labels.get(k) for k in OURS} == OURS
    assert labels["html"] == "HTML"  # nbconvert's, served as they are
    assert "custom" not in labels and "python" not in labels  # no label of their own
    assert all(isinstance(v, str) and v.strip() == v and v for v in labels.values()), labels


def test_an_exporter_that_fails_to_load_is_left_out(monkeypatch):
    import nbconvert.exporters

    real = nbconvert.exporters.get_exporter

    def get_exporter(name, *args, **kw):
        if name == "broken":
            raise ImportError("No module named 'missing_dependency'")
        return real(name, *args, **kw)

    monkeypatch.setattr(nbconvert.exporters, "get_exporter", get_exporter)
    monkeypatch.setattr(nbconvert.exporters, "get_export_names",
                        lambda: ["broken", "bilateral_html"])
    assert lab.export_labels() == {"bilateral_html": OURS["bilateral_html"]}

    def no_list():
        raise RuntimeError("an entry point fails")

    monkeypatch.setattr(nbconvert.exporters, "get_export_names", no_list)
    assert lab.export_labels() == {}


def test_the_handler_is_served_under_the_base_url_as_nbconvert_is():
    added, hooks = [], []
    serverapp = SimpleNamespace(
        contents_manager=SimpleNamespace(register_post_save_hook=hooks.append),
        web_app=SimpleNamespace(settings={"base_url": "/hub/user/a/"},
                                add_handlers=lambda host, rules: added.extend(rules)))
    lab._load_jupyter_server_extension(serverapp)
    assert hooks == [lab.post_save]
    assert added == [("/hub/user/a/bilateral/export-labels", lab.ExportLabelsHandler)]
    from jupyter_server.services.nbconvert.handlers import NbconvertRootHandler

    assert lab.ExportLabelsHandler.auth_resource == NbconvertRootHandler.auth_resource


def test_the_labextension_is_what_jupyterlab_server_loads(tmp_path):
    """jupyterlab_server's own reader finds the extension in a labextensions folder and
    passes JupyterLab the script to load and the module to take plugins from."""
    from jupyterlab_server.config import get_federated_extensions, get_page_config

    shutil.copytree(LABEXTENSION, tmp_path / NAME)
    found = get_federated_extensions([str(tmp_path)])
    assert list(found) == [NAME] and found[NAME]["dependencies"] == {}
    page = get_page_config([str(tmp_path)])
    ext = next(e for e in page["federated_extensions"] if e["name"] == NAME)
    assert ext["extension"] == "./extension" and "mimeExtension" not in ext
    # Not in static/, which jupyterlab_server serves as immutable (for hashed names).
    assert not ext["load"].startswith("static/"), ext
    script = (tmp_path / NAME / ext["load"]).read_text(encoding="utf-8")
    assert "window._JUPYTERLAB[NAME]" in script and f"'{NAME}'" in script
    assert "'./extension'" in script and "__esModule: true" in script
    assert "bilateral/export-labels" in script and lab.LABELS_PATH == "bilateral/export-labels"


# ------------------------------------------------------------------------- JupyterLab

@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("lab-menu")
    root = project_copy(base / "project")  # runs scripts/notebook-setup.sh, as make does
    server = LabServer(root, base / "home")
    try:
        yield server, root, base / "home"
    finally:
        server.stop()


def _get(url: str, token: str | None = None):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token
                                 else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.slow
def test_the_server_serves_the_labels_to_a_logged_in_client_and_lists_the_extension(
        lab_server):
    server, _, home = lab_server
    url = f"{server.base}/bilateral/export-labels"
    status, _, _ = _get(url)
    assert status == 403, "the labels are served without a login"
    status, headers, body = _get(url, server.token)
    assert status == 200 and headers["Content-Type"].startswith("application/json"), status
    assert json.loads(body) == lab.export_labels()
    # The script JupyterLab loads, fetched again when it changed (no hashed name).
    status, headers, body = _get(f"{server.base}/lab/extensions/{NAME}/remoteEntry.js",
                                 server.token)
    assert status == 200 and b"_JUPYTERLAB" in body, status
    assert headers["Cache-Control"] == "no-cache", headers["Cache-Control"]

    listed = subprocess.run([str(BIN / "jupyter"), "labextension", "list"],
                            env=isolated_env(home / "list"), capture_output=True, text=True,
                            timeout=120)
    line = next((x for x in (listed.stdout + listed.stderr).splitlines() if NAME in x), "")
    assert "enabled" in line and "OK" in line and "(python, bilateral)" in line, \
        listed.stdout + listed.stderr


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lab-menu-screenshots")


PANEL = "jupyterapp.shell.currentWidget"


def open_export_submenu(page, tries: int = 3):
    """File › Save and Export Notebook As, open with its items drawn; the submenu's locator.
    Tried again from a closed menu if the submenu closed or came up empty."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    submenu = page.locator("#jp-mainmenu-file-notebookexport")
    for attempt in range(tries):
        page.keyboard.press("Escape")
        page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
        page.locator("#jp-mainmenu-file .lm-Menu-item",
                     has_text="Save and Export Notebook As").hover()  # hover opens it
        try:
            submenu.locator(".lm-Menu-itemLabel").first.wait_for(state="visible",
                                                                 timeout=10_000)
            page.wait_for_timeout(300)  # drawn; still open?
            if submenu.is_visible():
                return submenu
        except PlaywrightTimeout:  # try again from a closed menu
            if attempt == tries - 1:
                raise
    raise AssertionError("the export submenu closed each time it opened")


@pytest.mark.browser
@pytest.mark.slow
def test_the_export_menu_shows_the_exporters_labels_and_still_exports(lab_server, shots):
    require_chromium()
    server, _, _ = lab_server
    with chromium() as browser:
        with browser_page(browser, server.base, viewport={"width": 1280, "height": 800},
                          accept_downloads=True) as (page, foreign, page_errors):
            context = page.context
            try:
                page.goto(f"{server.base}/lab/tree/notebooks/trade.ipynb?reset&token={server.token}")
                wait_in_page(page, f"() => window.jupyterapp && {PANEL} && {PANEL}.context && "
                             f"{PANEL}.context.isReady", "the notebook", timeout_s=120)
                assert page.evaluate(
                    f"() => jupyterapp.isPluginActivated('{NAME}:export-labels')"), \
                    "the extension's plugin is not active"
                # The labels arrive from the server after the plugin starts.
                wait_in_page(page, """() => jupyterapp.commands.label('notebook:export-to-format',
                    {format: 'bilateral_html', label: 'Bilateral_html', isPalette: false})
                    === 'Bilateral report — HTML'""", "the labels from the server")

                # A kernel that connects while the menu is open re-evaluates the commands and
                # can close the submenu: open it once the kernel is idle, and again if it closed.
                wait_in_page(page, f"() => {PANEL}.sessionContext.session?.kernel?.status"
                             " === 'idle'", "the notebook's kernel", timeout_s=120)
                submenu = open_export_submenu(page)
                shot = shots / "export-menu.png"
                page.screenshot(path=str(shot))
                print(f"\nscreenshot of the export menu: {shot}")
                labels = submenu.locator(".lm-Menu-itemLabel").all_text_contents()
                for want in OURS.values():
                    assert want in labels, labels
                assert not {"Bilateral_html", "Bilateral_pdf"} & set(labels), labels
                for own in ("HTML", "LaTeX", "PDF", "Executable Script"):
                    assert own in labels, f"JupyterLab's own label {own!r} changed: {labels}"
                # nbconvert names qtpdf and webpdf both "PDF via HTML": told apart.
                assert len(labels) == len(set(labels)), labels
                # The palette form keeps JupyterLab's wording around the label.
                assert page.evaluate("""() => jupyterapp.commands.label('notebook:export-to-format',
                    {format: 'bilateral_pdf', label: 'Bilateral_pdf', isPalette: true})""") == \
                    "Save and Export Notebook: Bilateral report — PDF"

                # Clicking the item exports as before: a new tab asks the server for
                # /nbconvert/bilateral_html/... and gets the HTML as a download (Chromium
                # reports it on the page that opened the tab, or on the tab).
                responses, downloads = [], []
                context.on("response", lambda r: "/nbconvert/" in r.url and responses.append(r))
                page.on("download", lambda d: downloads.append(d))
                context.on("page", lambda p: p.on("download", lambda d: downloads.append(d)))
                submenu.locator(".lm-Menu-item", has_text=OURS["bilateral_html"]).click()
                deadline = time.monotonic() + 120
                while not downloads and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
                assert downloads, f"no download; the server answered {responses}"
                download = downloads[0]
                assert download.suggested_filename == "trade.html", download.suggested_filename
                html = Path(download.path()).read_text(encoding="utf-8")
                assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html
                assert [(r.status, r.url.split(server.base, 1)[1]) for r in responses] == [
                    (200, "/nbconvert/bilateral_html/notebooks/trade.ipynb?download=true")]
                assert not page_errors, page_errors
                assert not foreign, f"JupyterLab asked the network for {sorted(set(foreign))}"
            finally:
                page.screenshot(path=str(shots / "last.png"))
