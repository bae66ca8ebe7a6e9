#!/usr/bin/env bash
# Notebooks safe to save: Run All + save never puts outputs into a commit, and leaves
# `git status` clean. Every make target runs this (idempotent, quick):
#   scripts/notebook-setup.sh PYTHON     PYTHON: the project venv's python
# 1. .gitattributes sends notebooks/*.ipynb through the git filter "nbstripout"; here the
#    filter is defined in the clone's .git/config, run by PYTHON, so what git stages and
#    compares is the notebook without outputs, execution counts and the kernel's run-time
#    metadata. Cell ids are kept (they name cells in error messages).
# 2. The Jupyter server extension bilateral.lab is enabled in PYTHON's environment: after
#    a save it has git compare the notebook by content (see src/bilateral/lab.py).
# 3. A kernelspec "bilateral" that runs PYTHON, installed into PYTHON's environment
#    (ipykernel install --sys-prefix: never into the user's home), so JupyterLab lists
#    "bilateral (.venv)" beside any other Python; reinstalled only when it runs another
#    interpreter.
# 4. The prebuilt JupyterLab extension bilateral-labextension (src/bilateral/labextension:
#    a package.json and one hand-written script, no node build) copied into PYTHON's
#    share/jupyter/labextensions/, where JupyterLab finds it: the export menu shows each
#    exporter's own label ("Bilateral report — HTML"). Copied again only when it differs.
set -euo pipefail
python="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

# Two lines: the environment's prefix, then the labextension's folder in the installed
# package (empty when bilateral cannot be imported).
found="$("$python" -c 'import sys; print(sys.prefix)
try:
    from importlib.resources import files
    print(files("bilateral") / "labextension")
except Exception:  # not installed, or broken: the rest of the setup still runs
    print()')"
prefix="${found%%$'\n'*}"
labext="${found#*$'\n'}"

conf="$prefix/etc/jupyter/jupyter_server_config.d/bilateral.json"
want='{"ServerApp": {"jpserver_extensions": {"bilateral.lab": true}}}'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf"
fi

spec="$prefix/share/jupyter/kernels/bilateral/kernel.json"
if ! grep -qF "\"$python\"," "$spec" 2>/dev/null; then
  "$python" -m ipykernel install --sys-prefix --name bilateral \
    --display-name "bilateral (.venv)" >/dev/null
fi

dest="$prefix/share/jupyter/labextensions/bilateral-labextension"
if [ -z "$labext" ] || [ ! -f "$labext/package.json" ]; then
  echo "warning: bilateral is not installed for $python: the export menu keeps" \
       "nbconvert's names" >&2
elif ! diff -rq "$labext" "$dest" >/dev/null 2>&1; then
  # A copy beside it (a hidden name, which JupyterLab does not list), then renamed: a
  # second setup running at the same time (parallel tests) installs the same files.
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp -d "$(dirname "$dest")/.bilateral-labextension.XXXXXX")"
  cp -RL "$labext/." "$tmp"  # -L: lab.css is a link to the report's stylesheet
  chmod 755 "$tmp"
  # The old copy moved aside, then the new one in: two renames, no copying in between.
  old="$(dirname "$dest")/.bilateral-labextension.old.$$"
  if [ -e "$dest" ]; then mv -T "$dest" "$old" 2>/dev/null || true; fi
  mv -T "$tmp" "$dest" 2>/dev/null || rm -rf "$tmp"
  rm -rf "$old"
fi

git rev-parse --is-inside-work-tree >/dev/null 2>&1 || exit 0   # not a git checkout
strip="\"$python\" -m nbstripout --keep-id"
# What JupyterLab writes into language_info when it saves; the notebooks keep its name.
keys="metadata.language_info.codemirror_mode metadata.language_info.file_extension"
keys+=" metadata.language_info.mimetype metadata.language_info.nbconvert_exporter"
keys+=" metadata.language_info.pygments_lexer metadata.language_info.version"
set_config() {
  [ "$(git config --local --get "$1" 2>/dev/null)" = "$2" ] || git config --local "$1" "$2"
}
if ! { set_config filter.nbstripout.clean "$strip" &&
       set_config filter.nbstripout.smudge cat &&
       set_config filter.nbstripout.required true &&
       set_config filter.nbstripout.extrakeys "$keys" &&
       set_config diff.ipynb.textconv "$strip --textconv"; }; then
  echo "warning: could not set up the notebook filter in .git/config; notebook outputs" \
       "would not be stripped on commit" >&2
fi
