"""Project tooling: the lint is clean, the package installs its command, the core's import graph stays one-way."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("painting-assistant")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("painting-assistant ")


def test_base_is_a_leaf_and_pages_alone_import_streamlit():
    base = (ROOT / "assistant" / "base.py").read_text()
    assert "from ." not in base and "import assistant" not in base
    for path in (ROOT / "assistant").rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path
