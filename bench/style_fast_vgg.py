"""The fast engine's bundled style vectors judged by the slow engine's own VGG19 losses, against Gatys.

For every bundled style, on two sample photos at 512 px: the VGG19 texture (Gram) loss and shape
(content) loss of three pictures, as ``assistant.style.transfer`` defines them (its layers and
layer weights; the style picture's Grams at 512 px, the photo's features):

* **predictor**: the fast engine at its defaults with the style predictor's vector of the style picture;
* **fitted**: the same with the stored vector (``models/fast_style_vectors.npz``,
  ``scripts/finetune_fast_style.py``);
* **Gatys**: the slow engine (``stylize``, "medium", 512 px, L-BFGS from the photo, 1/4 → 1/2 → full size).

and their look numbers (``measure_look``: change, edges, drift; goals ≥ 0.06, ≥ 0.6, ≤ 12), and the
seconds of the slow run. Both photos were among the three the vectors were fitted on (crops of them);
``bench/style_fast_look.py`` has held-out photos.

    PAINTING_ASSISTANT_THREADS=1 python bench/style_fast_vgg.py [--photos astronaut,chelsea] [--no-gatys]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import photo

SIDE = 512


def losses(vgg, grams: dict, image: np.ndarray, picture: np.ndarray) -> tuple[float, float]:
    """(texture, shapes) of ``picture`` against the style's ``grams`` and the photo ``image``."""
    import tensorflow as tf

    from assistant.style.features import preprocess
    from assistant.style.transfer import content_loss, gram_matrix, style_loss

    weights = np.asarray(vgg.style_layer_weights, np.float64)
    weights = weights / weights.sum()
    layers = tuple(vgg.style_layers) + tuple(vgg.content_layers)
    features = vgg.extractor(layers)(tf.constant(preprocess(np.stack([image, picture]))))
    texture = sum(w * float(style_loss(gram_matrix(features[name][1]), grams[name]))
                  for name, w in zip(vgg.style_layers, weights))
    shapes = np.mean([float(content_loss(features[name][1], features[name][0])) for name in vgg.content_layers])
    return texture, float(shapes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", default="astronaut,chelsea")
    parser.add_argument("--no-gatys", action="store_true", help="leave out the slow engine (about a minute a picture)")
    args = parser.parse_args()

    from assistant.images import resize_longest
    from assistant.models import import_tensorflow_quietly

    import_tensorflow_quietly()
    from assistant.style.assets import list_styles, load_style
    from assistant.style.fast import load_fast_style, stylize_fast
    from assistant.style.features import build_feature_extractor
    from assistant.style.measures import measure_look
    from assistant.style.transfer import preset, style_grams, stylize

    networks = load_fast_style()
    if not networks.stored_vectors:
        raise SystemExit("error: no stored style vectors; run scripts/finetune_fast_style.py first")
    vgg = build_feature_extractor("auto")
    photos = {name: resize_longest(photo(name), SIDE) for name in args.photos.split(",")}
    kinds = ("predictor", "fitted") + (() if args.no_gatys else ("Gatys",))
    print(f"VGG19: {vgg.description}; photos {', '.join(photos)} at {SIDE} px; texture / shape loss, "
          "look (change, edges, drift); means over the photos, look: the worst photo")
    print("\n| style | " + " | ".join(f"{k}: texture | {k}: shapes" for k in kinds) + " | "
          + " | ".join(f"{k}: look" for k in kinds) + " | Gatys s |\n" + "|---" * (3 * len(kinds) + 2) + "|")
    totals = {kind: [] for kind in kinds}
    for asset in list_styles():
        picture = load_style(asset.id, max_side=512)[0]
        grams = style_grams(vgg, [(picture, 1.0)], SIDE, vgg.style_layers)
        made = {kind: [] for kind in kinds}
        seconds = []
        for image in photos.values():
            made["predictor"].append(stylize_fast(image, [(networks.style_vector(picture), 1.0)],
                                                  networks=networks).image)
            made["fitted"].append(stylize_fast(image, [(asset.id, 1.0)], networks=networks).image)
            if "Gatys" in made:
                started = time.perf_counter()
                made["Gatys"].append(stylize(image, [(picture, 1.0)], network=vgg,
                                             options=preset("medium", max_side=SIDE)).image)
                seconds.append(time.perf_counter() - started)
        cells, looks = [], []
        for kind in kinds:
            pairs = [losses(vgg, grams, image, out) for image, out in zip(photos.values(), made[kind])]
            texture, shapes = np.mean(pairs, axis=0)
            totals[kind].append((texture, shapes))
            cells.append(f"{texture:.3f} | {shapes:.3f}")
            measured = [measure_look(image, out) for image, out in zip(photos.values(), made[kind])]
            looks.append(f"{min(x.change for x in measured):.3f}, {min(x.edges_kept for x in measured):.2f}, "
                         f"{max(x.colour_drift for x in measured):.1f}")
        gatys = f"{np.mean(seconds):.0f}" if seconds else "-"
        print(f"| {asset.name} | " + " | ".join(cells) + " | " + " | ".join(looks) + f" | {gatys} |", flush=True)
    means = [f"{np.mean([t for t, _ in totals[k]]):.3f} | {np.mean([s for _, s in totals[k]]):.3f}" for k in kinds]
    print("| mean | " + " | ".join(means) + " |" + " |" * len(kinds) + " |")


if __name__ == "__main__":
    main()
