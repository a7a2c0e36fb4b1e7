"""Generate the bundled brushstroke style images in assets/styles/ (ours, CC0).

    python scripts/make_styles.py [--size 768] [--seed 0]

Each style is drawn procedurally with NumPy/OpenCV from named brush-mark routines and
written as ``assets/styles/<id>.png``; ``assets/styles/styles.json`` holds the metadata
(name, one-line description, the real brushes it suggests). Same seed, same images.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from assistant.images import encode_png

ROOT = Path(__file__).resolve().parent.parent

# Earthy, warm-cool palette a painter would lay out; styles pick from it.
PALETTE = np.array(
    [[0.80, 0.33, 0.18], [0.93, 0.74, 0.30], [0.20, 0.35, 0.55], [0.35, 0.52, 0.32],
     [0.55, 0.25, 0.40], [0.95, 0.93, 0.86], [0.15, 0.13, 0.16], [0.62, 0.48, 0.36]],
    dtype=np.float32,
)


@dataclass(frozen=True)
class StyleInfo:
    id: str
    name: str
    description: str
    brushes: str


def _colour(rng, jitter=0.08):
    return np.clip(PALETTE[rng.integers(len(PALETTE))] + rng.normal(0, jitter, 3), 0, 1)


def impasto(rng, size):
    """Thick short oil strokes: paint ridges lit from the top left."""
    canvas = np.full((size, size, 3), 0.85, np.float32)
    height = np.zeros((size, size), np.float32)
    for _ in range(size * 3):
        x, y = rng.integers(0, size, 2)
        angle = rng.normal(0.6, 0.5)
        length, width = rng.integers(size // 40, size // 14), int(rng.integers(size // 90, size // 40) + 2)
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        cv2.line(canvas, (int(x), int(y)), end, _colour(rng).tolist(), width, cv2.LINE_AA)
        ridge = np.zeros_like(height)
        cv2.line(ridge, (int(x), int(y)), end, 1.0, width, cv2.LINE_AA)
        height = np.maximum(height * (1 - ridge), ridge * rng.uniform(0.6, 1.0))
    height = cv2.GaussianBlur(height, (0, 0), 1.5)
    shade = cv2.filter2D(height, -1, np.array([[-2, -1, 0], [-1, 0, 1], [0, 1, 2]], np.float32))
    return np.clip(canvas * (1 + 0.35 * shade[..., None]), 0, 1)


def dry_brush(rng, size):
    """Broken, streaky strokes where the bristles skip over the canvas tooth."""
    canvas = np.full((size, size, 3), 0.92, np.float32)
    for _ in range(size // 6):
        colour = _colour(rng)
        y0 = rng.integers(0, size)
        x0 = rng.integers(-size // 4, size)
        length, width = rng.integers(size // 6, size // 2), rng.integers(size // 30, size // 12)
        slope = rng.normal(0, 0.15)
        bristles = rng.random(width) < 0.55
        for b in np.flatnonzero(bristles):
            pts = np.array([[x0 + t, y0 + b + slope * t] for t in range(0, length, 4)], np.int32)
            skip = rng.random(len(pts)) < 0.25
            for i in range(len(pts) - 1):
                if not skip[i]:
                    cv2.line(canvas, tuple(map(int, pts[i])), tuple(map(int, pts[i + 1])), colour.tolist(), 1, cv2.LINE_AA)
    return canvas


def palette_knife(rng, size):
    """Flat, angular slabs of paint with sharp edges and a scraped highlight."""
    canvas = np.full((size, size, 3), 0.8, np.float32)
    for _ in range(size // 5):
        cx, cy = rng.integers(0, size, 2)
        w, h = rng.integers(size // 20, size // 7), rng.integers(size // 50, size // 20)
        angle = rng.uniform(-40, 40)
        box = cv2.boxPoints(((float(cx), float(cy)), (float(w), float(h)), float(angle))).astype(np.int32)
        colour = _colour(rng, 0.05)
        cv2.fillConvexPoly(canvas, box, colour.tolist(), cv2.LINE_AA)
        cv2.line(canvas, tuple(map(int, box[0])), tuple(map(int, box[1])), np.clip(colour + 0.2, 0, 1).tolist(), 2, cv2.LINE_AA)
    return canvas


def pointillism(rng, size):
    """Small round dabs of pure colour side by side, mixed by the eye."""
    canvas = np.full((size, size, 3), 0.95, np.float32)
    radius = max(2, size // 130)
    for _ in range(size * size // (radius * radius * 3)):
        x, y = rng.integers(0, size, 2)
        cv2.circle(canvas, (int(x), int(y)), int(radius + rng.integers(0, 2)), _colour(rng, 0.03).tolist(), -1, cv2.LINE_AA)
    return canvas


def watercolour(rng, size):
    """Soft transparent washes with darker dried edges and paper granulation."""
    canvas = np.ones((size, size, 3), np.float32)
    for _ in range(40):
        mask = np.zeros((size, size), np.float32)
        centre = rng.integers(0, size, 2)
        axes = (int(rng.integers(size // 12, size // 4)), int(rng.integers(size // 12, size // 4)))
        cv2.ellipse(mask, tuple(map(int, centre)), axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        noise = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), size / 60)
        mask = cv2.GaussianBlur(mask * (noise > 0.48), (0, 0), 3)
        edge = np.clip(mask - cv2.GaussianBlur(mask, (0, 0), 6), 0, 1) * 2
        density = 0.35 * mask + 0.4 * edge
        colour = _colour(rng)
        canvas *= 1 - density[..., None] * (1 - colour)
    grain = 1 - 0.05 * rng.random((size, size, 1)).astype(np.float32)
    return np.clip(canvas * grain, 0, 1)


def cross_hatching(rng, size):
    """Ink hatching: parallel pen lines in two to four directions, denser in the darks."""
    canvas = np.full((size, size, 3), 0.97, np.float32)
    tone = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), size / 10)
    tone = (tone - tone.min()) / (tone.max() - tone.min() + 1e-6)
    ink = np.array([0.12, 0.1, 0.14], np.float32)
    for layer, angle in enumerate((np.pi / 4, -np.pi / 4, 0.0, np.pi / 2)):
        layer_mask = np.zeros((size, size), np.float32)
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        spacing = max(4, size // 110)
        for offset in range(-size, 2 * size, spacing):
            base = np.array([size / 2, size / 2]) + normal * (offset - size / 2)
            a, b = base - direction * size, base + direction * size
            cv2.line(layer_mask, tuple(map(int, a)), tuple(map(int, b)), 1.0, 1, cv2.LINE_AA)
        keep = tone < 1.0 - 0.22 * (layer + 1)
        canvas -= (layer_mask * keep)[..., None] * (canvas - ink) * 0.9
    return np.clip(canvas, 0, 1)


STYLES: dict[str, tuple[StyleInfo, Callable]] = {
    "impasto_oil": (StyleInfo("impasto_oil", "Impasto oil", "Thick, short strokes that catch the light on their ridges.",
                              "stiff hog-bristle flats and filberts, #6-#12"), impasto),
    "dry_brush": (StyleInfo("dry_brush", "Dry brush", "Broken, streaky strokes where the bristles skip over the canvas.",
                            "worn bristle flat or fan brush with little paint"), dry_brush),
    "palette_knife": (StyleInfo("palette_knife", "Palette knife", "Flat, angular slabs of paint with crisp edges.",
                                "trowel-shaped painting knife, medium and small"), palette_knife),
    "pointillist": (StyleInfo("pointillist", "Pointillist dabs", "Small dots of pure colour that mix in the eye.",
                              "small round brush (#2-#4) or a cotton bud"), pointillism),
    "watercolour_wash": (StyleInfo("watercolour_wash", "Watercolour wash",
                                   "Soft transparent washes with darker dried edges.",
                                   "large mop or wash brush, round #8-#12"), watercolour),
    "ink_hatching": (StyleInfo("ink_hatching", "Ink cross-hatching", "Parallel pen lines layered to build the darks.",
                               "fine-liner or dip pen; rigger brush"), cross_hatching),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=768)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "styles")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = []
    for number, (key, (info, draw)) in enumerate(STYLES.items()):
        image = draw(np.random.default_rng(args.seed + number), args.size)
        (args.out / f"{key}.png").write_bytes(encode_png(image.astype(np.float32), compression=9))
        meta.append({**asdict(info), "file": f"{key}.png"})
    (args.out / "styles.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"Wrote {len(meta)} styles to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
