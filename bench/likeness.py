"""Likeness: do faces survive into what the painter paints from? (issue 21)

    python bench/likeness.py                 # paintable picture only (about a minute)
    python bench/likeness.py --strokes 1000  # also the brushstroke painting (slow on a CPU)
    python bench/likeness.py --crops bench/likeness.png
    python bench/likeness.py --seed 1           # another seed (k-means and the pixel sample)

For the sample portrait and composites made here (a small figure in a landscape, two faces,
a face off-centre), at 12 colours on a 30 × 40 cm canvas (40 × 30 for a landscape):

* face SSIM: structural similarity of CIE L* inside each face box (found by the face finder
  on the photo) between the photo and (a) the paintable picture (quantized.png, after
  region clean-up) with ``focus="none"`` (as before the detail map) and ``focus="auto"``,
  (b) the reference: plain per-pixel k-means with the same colours (our palette, no
  clean-up, no detail map);
* regions: the total number of regions to paint;
* ΔE00: mean CIEDE2000 of the whole paintable picture against the photo.

Goal: face SSIM ≥ 0.9 × the reference with at most 1.3 × the regions of ``focus="none"``
and no worse whole-picture ΔE.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import de2000_stats, photo

CANVAS = "30x40cm"
COLOURS = 12


def _resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    import cv2

    return np.clip(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), 0, 1).astype(np.float32)


def _paste(background: np.ndarray, piece: np.ndarray, x: int, y: int) -> np.ndarray:
    out = background.copy()
    h, w = piece.shape[:2]
    out[y:y + h, x:x + w] = piece
    return out


def subjects() -> dict[str, np.ndarray]:
    """The sample portrait and three composites, each 768 px on its long side."""
    astronaut = photo("astronaut")
    head = astronaut[0:300, 100:330]  # head and shoulders
    rocket = _resize(photo("rocket"), 768, 512)
    coffee = _resize(photo("coffee"), 768, 512)
    return {
        "astronaut": _resize(astronaut, 768, 768),
        "figure in a landscape": _paste(rocket, _resize(head, 92, 120), 520, 300),
        "two faces": _paste(_paste(coffee, _resize(head, 184, 240), 60, 150),
                            _resize(head[:, ::-1].copy(), 184, 240), 480, 120),
        "face off-centre": _paste(_resize(photo("chelsea"), 768, 512), _resize(head, 161, 210), 590, 20),
    }


def lightness(image: np.ndarray) -> np.ndarray:
    from assistant.color.spaces import rgb_to_lab

    return rgb_to_lab(image)[..., 0]


def face_ssim(reference: np.ndarray, image: np.ndarray, boxes) -> float:
    """Mean SSIM of L* over the face boxes."""
    from skimage.metrics import structural_similarity

    scores = []
    for x, y, w, h in boxes:
        x0, y0, x1, y1 = int(max(0, x)), int(max(0, y)), int(x + w), int(y + h)
        a, b = lightness(reference[y0:y1, x0:x1]), lightness(image[y0:y1, x0:x1])
        scores.append(structural_similarity(a, b, data_range=100.0, win_size=7))
    return float(np.mean(scores)) if scores else float("nan")


def measure(name: str, image: np.ndarray, strokes: int, seed: int = 0) -> tuple[list[str], dict]:
    from assistant import GuideOptions, make_guide
    from assistant.color.palette import extract_palette, quantize

    rows, pictures = [], {}
    found = None
    canvas = CANVAS if image.shape[0] >= image.shape[1] else "40x30cm"  # the canvas turned like the photo
    for focus in ("none", "auto"):
        start = time.perf_counter()
        guide = make_guide(image, GuideOptions(n_colors=COLOURS, canvas=canvas, focus=focus, max_side=768, seed=seed))
        seconds = time.perf_counter() - start
        if found is None:
            found = make_guide(image, GuideOptions(n_colors=COLOURS, canvas=canvas, focus="auto", max_side=768)).focus
            boxes = [face.box for face in found.faces]
            plain_palette, plain_labels = extract_palette(guide.target, COLOURS, seed=seed)
            plain = quantize(plain_labels, plain_palette)
            reference = face_ssim(guide.photo, plain, boxes)
            pictures["photo"], pictures["k-means"] = guide.photo, plain
        ssim = face_ssim(guide.photo, guide.quantized, boxes)
        mean_de, _ = de2000_stats(guide.photo, guide.quantized)
        stroke_ssim = ""
        if strokes:
            from assistant.strokes.painter import PainterOptions
            from assistant.strokes.renderer import load_renderer
            from assistant.work import add_strokes

            painted = add_strokes(guide, PainterOptions(n_strokes=strokes), renderer=load_renderer())
            stroke_ssim = f"{face_ssim(guide.photo, painted.strokes.painting.image, boxes):.3f}"
        pictures[focus] = guide.quantized
        rows.append(f"| {name} | {focus} | {len(boxes)} | {ssim:.3f} | {reference:.3f} | {ssim / reference:.2f} | "
                    f"{stroke_ssim} | {len(guide.regions)} | {mean_de:.2f} | {seconds:.1f} |")
    pictures["boxes"] = boxes
    return rows, pictures


def crops_sheet(results: dict, path: str) -> None:
    """Face crops side by side: photo | k-means reference | focus none | focus auto, one row per face."""
    from assistant.images import encode_png

    rows = []
    for pictures in results.values():
        for x, y, w, h in pictures["boxes"]:
            x0, y0, x1, y1 = int(max(0, x)), int(max(0, y)), int(x + w), int(y + h)
            tiles = [_resize(pictures[key][y0:y1, x0:x1], 160, 200) for key in ("photo", "k-means", "none", "auto")]
            rows.append(np.concatenate(tiles, axis=1))
    if rows:
        with open(path, "wb") as fh:
            fh.write(encode_png(np.concatenate(rows, axis=0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=0, help="also paint this many brushstrokes (slow)")
    parser.add_argument("--crops", default="", help="write the face crops side by side to this PNG")
    parser.add_argument("--seed", type=int, default=0, help="the guides' seed (the palette's k-means varies with it)")
    args = parser.parse_args()
    print("| subject | focus | faces | face SSIM | k-means ref | ratio | strokes SSIM | regions | ΔE00 mean | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = {}
    for name, image in subjects().items():
        rows, pictures = measure(name, image, args.strokes, args.seed)
        results[name] = pictures
        print("\n".join(rows), flush=True)
    if args.crops:
        crops_sheet(results, args.crops)


if __name__ == "__main__":
    main()
