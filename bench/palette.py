"""Palette quality vs plain RGB k-means, and wall time photo → guide.

    python bench/palette.py            # prints a Markdown report

Quality: CIEDE2000 between the photo and (a) the raw quantised image, (b) the
guide's quantized.png (after region clean-up), ours vs scikit-learn KMeans in RGB
fitted on a 10,000-pixel sample with the same k and seed (the scikit-learn
colour-quantisation recipe). Goals: mean <= 0.9x and p95 <= 0.75x of the baseline.

Paintable: quantized.png (after region clean-up) against RGB k-means without any
clean-up, at k = 12 on held-out photos (goals: mean <= 1.05x, p95 <= 1.0x).

Speed: wall time of decode + make_guide + PDF/ZIP/PNG writing for a 1 MP and a
12 MP JPEG (goals 2 s and 5 s on the 2-core CI machine), after one warm-up run so
that imports are not counted.
"""

from __future__ import annotations

import io
import tempfile
import time

import numpy as np
from common import PHOTOS, de2000_stats, photo


def rgb_kmeans(image: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    pixels = image.reshape(-1, 3)
    rng = np.random.default_rng(seed)
    sample = pixels[rng.choice(len(pixels), min(10_000, len(pixels)), replace=False)]
    km = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(sample)
    return km.cluster_centers_[km.predict(pixels)].reshape(image.shape).astype(np.float32)


def quality(seed: int = 0) -> list[str]:
    from assistant import GuideOptions, make_guide
    from assistant.color.palette import extract_palette, quantize

    rows = ["| k | photo | RGB k-means mean / p95 | ours raw mean / p95 (ratio) | ours quantized.png mean / p95 (ratio) |",
            "|---|---|---|---|---|"]
    ratios = []
    for k in (8, 12, 16):
        for name in PHOTOS:
            image = photo(name)
            base = de2000_stats(image, rgb_kmeans(image, k, seed))
            palette, labels = extract_palette(image, k, seed=seed)
            raw = de2000_stats(image, quantize(labels, palette))
            guide = make_guide(image, GuideOptions(n_colors=k, seed=seed))
            cleaned = de2000_stats(image, guide.quantized)
            ratios.append((raw[0] / base[0], raw[1] / base[1]))
            rows.append(
                f"| {k} | {name} | {base[0]:.2f} / {base[1]:.2f} | {raw[0]:.2f} / {raw[1]:.2f} "
                f"({raw[0] / base[0]:.2f}× / {raw[1] / base[1]:.2f}×) | {cleaned[0]:.2f} / {cleaned[1]:.2f} "
                f"({cleaned[0] / base[0]:.2f}× / {cleaned[1] / base[1]:.2f}×) |"
            )
    mean_ratio = np.mean([r[0] for r in ratios])
    p95_ratio = np.mean([r[1] for r in ratios])
    rows.append("")
    rows.append(f"Average raw ratio: mean {mean_ratio:.2f}×, p95 {p95_ratio:.2f}× "
                f"(goals 0.90× / 0.75×; cases meeting both: "
                f"{sum(1 for m, p in ratios if m <= 0.9 and p <= 0.75)}/{len(ratios)}).")
    return rows


HELD_OUT = ("hubble_deep_field", "rocket", "stereo_motorcycle", "retina", "immunohistochemistry")


def held_out_photo(name: str) -> np.ndarray:
    from skimage import data

    from assistant.images import resize_longest

    image = getattr(data, name)()
    image = image[0] if isinstance(image, tuple) else image  # stereo_motorcycle: the left view
    return np.ascontiguousarray(resize_longest(image[..., :3].astype(np.float32) / 255.0, 1024))


def paintable(seed: int = 0, k: int = 12) -> list[str]:
    """The paintable picture (quantized.png, after region clean-up) vs plain RGB k-means with no clean-up,
    on photos the palette was never tuned on. Goals: mean <= 1.05x, p95 <= 1.0x."""
    from assistant import GuideOptions, make_guide

    rows = ["| photo | RGB k-means, no clean-up: mean / p95 | quantized.png mean / p95 | ratio | regions |",
            "|---|---|---|---|---|"]
    ratios = []
    for name in HELD_OUT:
        image = held_out_photo(name)
        base = de2000_stats(image, rgb_kmeans(image, k, seed))
        guide = make_guide(image, GuideOptions(n_colors=k, seed=seed))
        ours = de2000_stats(image, guide.quantized)
        ratios.append((ours[0] / base[0], ours[1] / base[1]))
        rows.append(f"| {name} | {base[0]:.2f} / {base[1]:.2f} | {ours[0]:.2f} / {ours[1]:.2f} | "
                    f"{ratios[-1][0]:.2f}× / {ratios[-1][1]:.2f}× | {len(guide.regions)} |")
    mean = np.mean(ratios, axis=0)
    rows += ["", f"Average ratio: mean {mean[0]:.2f}×, p95 {mean[1]:.2f}× (goals 1.05× / 1.0×)."]
    return rows


def speed() -> list[str]:
    from PIL import Image

    from assistant import GuideOptions, decode_image, make_guide
    from assistant.export import write_guide

    rows = ["| photo | file | decode | guide | write PDF/ZIP/PNGs | total |", "|---|---|---|---|---|---|"]
    base = Image.fromarray((photo("coffee") * 255).astype(np.uint8))
    for label, size in (("1 MP", (1224, 816)), ("12 MP", (4240, 2832))):
        buffer = io.BytesIO()
        base.resize(size, Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
        data = buffer.getvalue()
        for _attempt in range(2):  # the first run warms up imports and caches
            with tempfile.TemporaryDirectory() as outdir:
                t0 = time.perf_counter()
                pixels = decode_image(data).pixels
                t1 = time.perf_counter()
                guide = make_guide(pixels, GuideOptions())
                t2 = time.perf_counter()
                write_guide(guide, outdir)
                t3 = time.perf_counter()
        rows.append(f"| {label} {size[0]}×{size[1]} | {len(data) / 1e6:.1f} MB | {t1 - t0:.2f} s | {t2 - t1:.2f} s "
                    f"| {t3 - t2:.2f} s | **{t3 - t0:.2f} s** |")
    return rows


if __name__ == "__main__":
    print("## Palette quality (CIEDE2000 to the photo; lower is better)\n")
    print("\n".join(quality()))
    print("\n## The paintable picture on held-out photos (k = 12)\n")
    print("\n".join(paintable()))
    print("\n## Photo → guide wall time\n")
    print("\n".join(speed()))
