"""Choose the style defaults from numbers: change, edges kept and colour drift per setting.

For each sample photo and style, runs our coarse-to-fine transfer at several style/content
ratios and prints, per setting, ``measure_change`` (assistant/style/measures.py): mean ΔE00
change, edge correlation, large-scale colour drift, plus the wall time. Saves a strip of the
results per photo under --save for a look.

    python bench/style_defaults.py [--size 256] [--ratios 0.1 0.3 1 3 10 30] [--styles impasto_oil]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from common import PHOTOS, photo


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--ratios", type=float, nargs="+", default=[0.1, 0.3, 1, 3, 10, 30])
    parser.add_argument("--styles", nargs="+", default=["impasto_oil", "palette_knife", "watercolour_wash"])
    parser.add_argument("--photos", nargs="+", default=list(PHOTOS))
    parser.add_argument("--save", type=Path, default=Path("/tmp/style_defaults"))
    args = parser.parse_args(argv)

    from assistant.images import resize_longest
    from assistant.style.assets import load_style
    from assistant.style.features import build_feature_extractor
    from assistant.style.measures import measure_change
    from assistant.style.transfer import StyleOptions, stylize

    network = build_feature_extractor("auto")
    print(f"network: {network.description}; size {args.size} px; layers {network.style_layers} / {network.content_layers}")
    print("| photo | style | style:content | change ΔE | edges kept | colour drift ΔE | seconds |")
    print("|---|---|---|---|---|---|---|")
    args.save.mkdir(parents=True, exist_ok=True)
    for name in args.photos:
        content = resize_longest(photo(name), args.size)
        for style_id in args.styles:
            style = load_style(style_id)[0]
            strip = [content]
            for ratio in args.ratios:
                options = StyleOptions(style_weight=ratio, content_weight=1.0, max_side=args.size)
                t0 = time.perf_counter()
                result = stylize(content, [(style, 1.0)], network=network, options=options)
                seconds = time.perf_counter() - t0
                m = measure_change(content, result.image)
                print(f"| {name} | {style_id} | {ratio:g} | {m.change:.1f} | {m.edges_kept:.2f} | {m.colour_drift:.1f} | {seconds:.1f} |",
                      flush=True)
                strip.append(result.image)
            image = (np.concatenate(strip, axis=1) * 255).round().astype(np.uint8)
            cv2.imwrite(str(args.save / f"{name}_{style_id}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
