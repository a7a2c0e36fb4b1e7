"""The fast style engine's look and speed at every working size, to choose its defaults.

Issue 25's numbers (``assistant.style.measures.measure_look``: mean |stylised − photo| in 0–1,
edge-structure correlation, colour drift in ΔE00 after a σ = 4 px blur) on the three sample
photos and four held-out photos that were not used to choose anything (skimage's rocket and
motorcycle, scikit-learn's china and flower), at working sizes 256, 512 and 1024 px (the
photos are at most 741 px, so 1024 is enlarged). Edges are given with the fixed 1 px blur and
with a blur that grows with the picture (``relative_edges``).

Tables:
1. seconds per repaint (first call of each size in the process, a new photo and style with
   nothing cached, and a slider move: the same photo and style, another strength);
2. the look of Impasto oil at the defaults on every photo and size, and the 1024/512 ratio of
   the change;
3. strength × colour anchor at 512 px: the worst photo's numbers (Impasto oil);
4. every bundled style at its default strength (``STYLE_STRENGTHS``) at 512 px: the worst photo's numbers,
   sample photos and held-out ones apart;
5. (``--strengths``, only this table) each bundled style's default strength: the smallest strength from 0.30
   to 0.90 (steps of 0.05) whose worst *sample* photo meets all three goals at 512 px (or, when none does,
   the one with the most change that keeps edges and drift), then the held-out photos at it.

    python bench/style_fast_look.py [--quick | --strengths]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PHOTOS, photo

HELD_OUT = ("rocket", "china", "flower", "motorcycle")
SIDES = (256, 512, 1024)


def held_out(name: str) -> np.ndarray:
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg").astype(np.float32) / 255.0
    if name == "motorcycle":
        from skimage import data

        return data.stereo_motorcycle()[0].astype(np.float32) / 255.0
    return photo(name)


def at_side(image: np.ndarray, side: int) -> np.ndarray:
    """The photo with its long side exactly ``side`` px (enlarged when smaller)."""
    import cv2

    scale = side / max(image.shape[:2])
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return np.clip(cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC), 0, 1)


def worst(looks) -> str:
    return (f"{min(x.change for x in looks):.3f} | {min(x.edges_kept for x in looks):.2f} | "
            f"{max(x.colour_drift for x in looks):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tables 1 and 2 only")
    parser.add_argument("--strengths", action="store_true", help="table 5 only")
    args = parser.parse_args()

    from assistant.style.assets import list_styles, load_style
    from assistant.style.fast import FastStyleOptions, default_strength, load_fast_style, stylize_fast
    from assistant.style.measures import measure_look

    start = time.perf_counter()
    networks = load_fast_style()
    print(f"load: {time.perf_counter() - start:.1f} s")
    style = load_style("impasto_oil", max_side=512)[0]
    names = PHOTOS + HELD_OUT
    photos = {name: (held_out(name) if name in HELD_OUT else photo(name)) for name in names}
    if args.strengths:
        choose_strengths(networks, {name: at_side(image, 512) for name, image in photos.items()})
        return

    print("\n| side | first call (s) | new photo and style, warm (s) | slider move (s) |\n|---|---|---|---|")
    for side in SIDES:
        picture = at_side(photos["astronaut"], side)
        started = time.perf_counter()
        stylize_fast(picture, [(style, 1.0)], networks=networks, options=FastStyleOptions(max_side=side))
        first = time.perf_counter() - started
        cold, warm = [], []
        for strength in (0.2, 0.3, 0.4, 0.5, 0.7):
            networks._cache.clear()
            options = FastStyleOptions(strength=strength, max_side=side)
            cold.append(stylize_fast(picture, [(style, 1.0)], networks=networks, options=options).seconds)
            options = FastStyleOptions(strength=strength + 0.05, max_side=side)
            warm.append(stylize_fast(picture, [(style, 1.0)], networks=networks, options=options).seconds)
        print(f"| {side} | {first:.2f} | {statistics.median(cold):.2f} | {statistics.median(warm):.2f} |")

    header = "| photo | " + " | ".join(f"{s} px: change, edges (relative), drift" for s in SIDES)
    print(f"\n{header} | change 1024/512 |\n" + "|---" * (len(SIDES) + 2) + "|")
    for name in names:
        cells, changes = [], []
        for side in SIDES:
            picture = at_side(photos[name], side)
            image = stylize_fast(picture, [(style, 1.0)], networks=networks, options=FastStyleOptions(max_side=side)).image
            look, relative = measure_look(picture, image), measure_look(picture, image, relative_edges=True)
            cells.append(f"{look.change:.3f}, {look.edges_kept:.2f} ({relative.edges_kept:.2f}), {look.colour_drift:.1f}")
            changes.append(look.change)
        held = " (held out)" if name in HELD_OUT else ""
        print(f"| {name}{held} | " + " | ".join(cells) + f" | {changes[2] / changes[1]:.2f} |")
    if args.quick:
        return

    pictures = {name: at_side(photos[name], 512) for name in names}
    print("\n| strength | colour anchor | worst change | worst edges | worst drift |\n|---|---|---|---|---|")
    for strength in (0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
        for anchor in (0.0, 0.5, 0.75, 1.0):
            options = FastStyleOptions(strength=strength, colour_anchor=anchor)
            looks = [measure_look(p, stylize_fast(p, [(style, 1.0)], networks=networks, options=options).image)
                     for p in pictures.values()]
            print(f"| {strength} | {anchor} | {worst(looks)} |")

    print("\n| style | strength | sample photos: worst change, edges, drift | held out: worst change, edges, drift |"
          "\n|---|---|---|---|")
    for asset in list_styles():
        options = FastStyleOptions(strength=default_strength([(asset.id, 1.0)]))
        looks = {name: measure_look(p, stylize_fast(p, [(asset.id, 1.0)], networks=networks, options=options).image)
                 for name, p in pictures.items()}
        print(f"| {asset.name} | {options.strength:.2f} | {worst([looks[n] for n in PHOTOS])} | "
              f"{worst([looks[n] for n in HELD_OUT])} |")


def meets(look: tuple[float, float, float]) -> bool:
    return look[0] >= 0.06 and look[1] >= 0.6 and look[2] <= 12


def choose_strengths(networks, pictures: dict) -> None:
    """Table 5: each bundled style's default strength, chosen on the sample photos, checked on the held-out ones."""
    from assistant.style.assets import list_styles
    from assistant.style.fast import FastStyleOptions, stylize_fast
    from assistant.style.measures import measure_look

    def look(style_id, strength, names):
        options = FastStyleOptions(strength=strength)
        looks = [measure_look(pictures[n], stylize_fast(pictures[n], [(style_id, 1.0)], networks=networks,
                                                        options=options).image) for n in names]
        return (min(x.change for x in looks), min(x.edges_kept for x in looks), max(x.colour_drift for x in looks))

    print("\n| style | chosen strength | sample photos: worst change, edges, drift | held out at it | "
          "sample photos at 0.6 |\n|---|---|---|---|---|")
    for asset in list_styles():
        tried = {}
        for strength in np.round(np.arange(0.30, 0.901, 0.05), 2):
            tried[float(strength)] = look(asset.id, float(strength), PHOTOS)
            if meets(tried[float(strength)]):
                break
        good = [s for s, x in tried.items() if meets(x)]
        keeps = [s for s, x in tried.items() if x[1] >= 0.6 and x[2] <= 12] or [min(tried)]
        chosen = good[0] if good else max(keeps, key=lambda s: tried[s][0])
        sample, held = tried[chosen], look(asset.id, chosen, HELD_OUT)
        at_default = tried.get(0.6) or look(asset.id, 0.6, PHOTOS)
        cells = [f"{x[0]:.3f}, {x[1]:.2f}, {x[2]:.1f}" for x in (sample, held, at_default)]
        print(f"| {asset.id} | {chosen:.2f}{'' if good else ' (no strength meets all three)'} | "
              + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
