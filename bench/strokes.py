"""Stroke painter vs a Hertzmann-1998 layered painterly renderer.

    python bench/strokes.py                 # N = 250, 1000, 2000 on the three sample photos
    python bench/strokes.py --n 250 --photos astronaut

Each photo is scaled to 512 px (long side); both painters get the same 12-colour
palette (``extract_palette``, seed 0) and the same stroke budget N. Reported:
mean CIEDE2000 and SSIM of the painting vs its target, wall time, and for our
painter the error right after placement vs after refinement through the learned
renderer (summed over layers), plus a placement-only run (refine_steps=0).
Goals: >= 20 % lower mean ΔE than the baseline at equal N; 1000 strokes <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common import PHOTOS, de2000_stats, photo
from hertzmann import hertzmann_paint


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    from skimage.metrics import structural_similarity

    return float(structural_similarity(a, b, channel_axis=2, data_range=1.0))


def main(argv=None) -> int:
    import cv2

    from assistant.color.palette import extract_palette
    from assistant.strokes.painter import PainterOptions, paint
    from assistant.strokes.renderer import load_renderer

    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[250, 1000, 2000])
    parser.add_argument("--photos", nargs="+", default=list(PHOTOS))
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--save", type=Path, default=None, help="folder for side-by-side PNGs")
    args = parser.parse_args(argv)

    renderer = load_renderer()
    print(f"Renderer: {renderer.describe()}\n")
    # Warm-up so that TensorFlow start-up and tracing are not counted.
    warm = cv2.resize(photo(args.photos[0]), (64, 64), interpolation=cv2.INTER_AREA)
    paint(warm, np.eye(3, dtype=np.float32), PainterOptions(n_strokes=20, refine_steps=2, max_side=64), renderer=renderer)

    print("| photo | N | ours ΔE | baseline ΔE | ΔE ratio | ours SSIM | baseline SSIM | ours s | baseline s | placed → refined ΔE (last layer) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    ratios, placement = [], []
    for name in args.photos:
        image = photo(name)
        h, w = image.shape[:2]
        s = args.size / max(h, w)
        target = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        palette, _ = extract_palette(target, 12, seed=0)
        for n in args.n:
            t0 = time.perf_counter()
            ours = paint(target, palette.rgb, PainterOptions(n_strokes=n, max_side=args.size, seed=0), renderer=renderer)
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            base, used = hertzmann_paint(target, palette.rgb, n, seed=0)
            t_base = time.perf_counter() - t0
            de_o, _ = de2000_stats(target, ours.image)
            de_b, _ = de2000_stats(target, base)
            last = ours.layers[-1]
            ratios.append(de_o / de_b)
            print(
                f"| {name} | {n} | {de_o:.2f} | {de_b:.2f} ({used} strokes) | {de_o / de_b:.2f} | {ssim(target, ours.image):.3f} | "
                f"{ssim(target, base):.3f} | {t_ours:.1f} | {t_base:.1f} | {last.error_placed:.2f} → {last.error_after:.2f} |",
                flush=True,
            )
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                side = np.concatenate([target, ours.image, base], axis=1)
                cv2.imwrite(str(args.save / f"{name}_{n}.png"), cv2.cvtColor((side * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR))
        if 1000 in args.n:
            t0 = time.perf_counter()
            placed = paint(target, palette.rgb, PainterOptions(n_strokes=1000, refine_steps=0, max_side=args.size), renderer=renderer)
            de_p, _ = de2000_stats(target, placed.image)
            placement.append((name, de_p, time.perf_counter() - t0))
    print(f"\nMean ΔE ratio ours / baseline: {np.mean(ratios):.2f} (goal <= 0.80)")
    if placement:
        print("\nPlacement only (refine_steps=0), N = 1000:")
        for name, de_p, secs in placement:
            print(f"- {name}: ΔE {de_p:.2f} in {secs:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
