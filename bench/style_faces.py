"""Faces under the fast style: the astronaut's face at strengths 0.2 to 0.9 for three bundled styles, with
the detail map as the app and the CLI use it (faces fade toward the photo; below FADE_BELOW the whole
picture does). Writes ``bench/style_faces.png``: rows are styles, columns photo | 0.2 | 0.4 | 0.6 | 0.9.

    python bench/style_faces.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STYLES = ("impasto_oil", "ink_hatching", "gouache_flats")
STRENGTHS = (0.2, 0.4, 0.6, 0.9)


def main() -> None:
    from skimage import data

    from assistant.images import encode_png
    from assistant.plan.focus import detail_map
    from assistant.style.fast import FastStyleOptions, load_fast_style, stylize_fast

    photo = data.astronaut().astype(np.float32) / 255.0
    found = detail_map(photo, focus="auto")
    print(f"faces found: {len(found.faces)}")
    networks = load_fast_style()
    crop = (slice(20, 260), slice(120, 360))
    rows = []
    for style in STYLES:
        row = [photo[crop]]
        for strength in STRENGTHS:
            options = FastStyleOptions(strength=strength, max_side=512).validate()
            image = stylize_fast(photo, [(style, 1.0)], networks=networks, options=options,
                                 detail=None if found.is_neutral else found.detail).image
            row.append(image[crop])
        rows.append(np.concatenate(row, axis=1))
    out = ROOT / "bench" / "style_faces.png"
    out.write_bytes(encode_png(np.concatenate(rows, axis=0)))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
