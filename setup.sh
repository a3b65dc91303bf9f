#!/usr/bin/env bash
# Sets up graphengine on a Debian/Ubuntu machine: Graphviz's `dot` and a virtual environment in
# .venv with graphengine in it. Safe to run again; it only adds what is missing.
#
#   ./setup.sh          graphengine itself (what the worked example needs)
#   ./setup.sh --test   also everything the test suite exercises: the test tools, the optional
#                       extras (torch, onnx, …) and the system packages the tests drive
set -euo pipefail
cd "$(dirname "$0")"

with_tests=0
case "${1:-}" in
  "") ;;
  --test) with_tests=1 ;;
  *) echo "usage: ./setup.sh [--test]" >&2; exit 2 ;;
esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: [command]=package, for what every user needs ...
declare -A needed=([dot]=graphviz)
# ... and for what only the tests drive (a value may name several packages): Chromium for the
# step-through page's browser tests; pdflatex for the exercise worksheets and `explain --format latex`,
# pdftotext to read the worksheets back (names as written, the drawing's printed text size);
# the font matrix of tests/test_diagram_fonts.py (a key that is a path: a file that must exist).
declare -A test_needed=([chromium]=chromium [pdflatex]="texlive-latex-base texlive-latex-recommended lmodern"
  [pdftotext]=poppler-utils
  [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]=fonts-dejavu-core
  [/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf]=fonts-liberation2
  [/usr/share/fonts/truetype/freefont/FreeSans.ttf]=fonts-freefont-ttf)
if [ "$with_tests" -eq 1 ]; then
  for cmd in "${!test_needed[@]}"; do needed[$cmd]=${test_needed[$cmd]}; done
fi

missing=()
for cmd in "${!needed[@]}"; do
  if [[ $cmd == /* ]]; then [ -e "$cmd" ] && continue; elif command -v "$cmd" >/dev/null 2>&1; then continue; fi
  read -ra packages <<<"${needed[$cmd]}"; missing+=("${packages[@]}")
done
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
if [ "$with_tests" -eq 1 ]; then
  # torch first, pinned: 2.13.0 is a local CPU wheel; an unpinned or ranged torch (the test extra's)
  # would otherwise pull a multi-GB CUDA build. With it installed, the extra's range is satisfied.
  "${pip[@]}" torch==2.13.0
  "${pip[@]}" -e '.[test]'
else
  "${pip[@]}" -e .
fi
