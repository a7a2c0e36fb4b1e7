"""The bundled brushstroke styles (``assets/styles``) and loading a style by name or path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..images import decode_image

__all__ = ["StyleAsset", "STYLES_DIR", "list_styles", "load_style"]

STYLES_DIR = Path(__file__).resolve().parents[2] / "assets" / "styles"


@dataclass(frozen=True)
class StyleAsset:
    """A bundled style image with the brushes it suggests."""

    id: str
    name: str
    description: str
    brushes: str
    path: Path


def list_styles(directory: Path = STYLES_DIR) -> tuple[StyleAsset, ...]:
    meta = json.loads((directory / "styles.json").read_text())
    return tuple(
        StyleAsset(m["id"], m["name"], m["description"], m["brushes"], directory / m["file"]) for m in meta
    )


def load_style(name_or_path: str, *, max_side: int = 768) -> tuple[np.ndarray, str]:
    """Return ``(image, label)`` for a bundled style id or an image file path.

    Raises:
        ValueError: unknown name and no such file (lists the bundled names), or an
            unreadable image (:class:`~assistant.images.ImageError`).
    """
    styles = {s.id: s for s in list_styles()}
    if name_or_path in styles:
        asset = styles[name_or_path]
        return decode_image(asset.path.read_bytes(), max_side=max_side).pixels, asset.name
    path = Path(name_or_path)
    if path.is_file():
        return decode_image(path.read_bytes(), max_side=max_side).pixels, path.name
    raise ValueError(
        f"Expected a style among {', '.join(styles)} or an image path. Received: style={name_or_path!r}"
    )
