#!/usr/bin/env bash
# Checks the system libraries the project needs beyond Python, and installs them
# with apt-get when run as root on Debian/Ubuntu; otherwise prints what to install.
#   scripts/system-deps.sh          Pango (WeasyPrint's PDF layout) and DejaVu fonts (Latin,
#                                   Greek, Cyrillic); Noto CJK for Chinese, Japanese and Korean
#                                   text, without which such text prints as empty boxes
#   scripts/system-deps.sh --test   also Chromium (browser tests) and poppler-utils (pdftoppm)
set -euo pipefail
need=()   # without these nothing builds
want=()   # without these some notebooks' text is missing from their PDF
# Each listing is read whole before it is searched: `fc-list | grep -q` under pipefail
# fails (141) whenever grep stops reading early, and would report a font that is there
# as missing.
libs=$(ldconfig -p 2>/dev/null || true)
fonts=$(fc-list 2>/dev/null || true)
cjk=$(fc-list :lang=zh family 2>/dev/null || true)
grep -q 'libpango-1.0.so' <<<"$libs" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
# WeasyPrint subsets fonts with HarfBuzz-Subset when it is there, else with fontTools,
# which stamps each subset with the time: without it two builds differ.
grep -q 'libharfbuzz-subset.so' <<<"$libs" || need+=(libharfbuzz-subset0)
grep -qi 'DejaVu Sans' <<<"$fonts" || need+=(fonts-dejavu-core)
grep -qi 'Noto Sans CJK' <<<"$cjk" || want+=(fonts-noto-cjk)
if [ "${1:-}" = "--test" ]; then
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
all=("${need[@]}" "${want[@]}")
[ ${#all[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${all[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${all[@]}" >/dev/null
else
  echo "Missing system packages: ${all[*]}" >&2
  echo "Install them with: sudo apt-get install ${all[*]}" >&2
  [ ${#need[@]} -eq 0 ] && exit 0     # fonts for CJK text: reports build without them
  [ "${1:-}" = "--test" ] && exit 0   # the tests that need them say so and skip locally
  exit 1
fi
