"""The device check for a lent GPU machine: do the same Keras models run there, and how fast?

Prepared to run as one short script on the `device` tool's machine (issue 25, point 6), after
``bash scripts/install.sh`` with ``tensorflow[and-cuda]`` in place of ``tensorflow`` (README,
"GPU"). It prints one JSON object: where TensorFlow runs (``device_description``), and warm
seconds for the fast style at 512 and 1024 px, 10 VGG19 refinement iterations at 512 px and 300
brushstrokes, each beside the same call pinned to the CPU in the same run (the ratio is the
point; the GPU's absolute numbers vary with the card). Exit status 1 when no GPU is seen, so a
CPU-only run cannot pass for a GPU check.

    python bench/gpu_check.py [--out result.json] [--cpu-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def warm_seconds(call, repeats: int = 3) -> float:
    call()  # the first call traces and loads: not what a painter waits for on the second try
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        call()
        times.append(time.perf_counter() - begin)
    return round(statistics.median(times), 3)


def measure(device: str) -> dict:
    import tensorflow as tf
    from skimage import data

    from assistant.images import resize_longest
    from assistant.strokes.painter import PainterOptions, paint
    from assistant.strokes.renderer import load_renderer
    from assistant.style.assets import load_style
    from assistant.style.fast import FastStyleOptions, load_fast_style, stylize_fast
    from assistant.style.features import build_feature_extractor
    from assistant.style.transfer import preset, stylize

    photo = data.astronaut().astype(np.float32) / 255.0
    networks, vgg, renderer = load_fast_style(), build_feature_extractor("auto"), load_renderer()
    found = {}
    with tf.device(device):
        for side in (512, 1024):
            options = FastStyleOptions(max_side=side)
            picture = resize_longest(photo, side) if side <= max(photo.shape[:2]) else photo
            found[f"fast style {side} px (s)"] = warm_seconds(
                lambda p=picture, o=options: stylize_fast(p, [("impasto_oil", 1.0)], networks=networks, options=o))
        small = resize_longest(photo, 512)
        quick = stylize_fast(small, [("impasto_oil", 1.0)], networks=networks).image
        style = load_style("impasto_oil", max_side=512)[0]
        found["VGG19 refine, 10 iterations at 512 px (s)"] = warm_seconds(lambda: stylize(
            small, [(style, 1.0)], network=vgg, options=preset("medium", max_side=512, iterations=(0, 0, 10)),
            resume_from=(quick, 3)), repeats=1)
        palette = np.array([[0.1, 0.1, 0.1], [0.8, 0.4, 0.3], [0.9, 0.85, 0.8], [0.3, 0.3, 0.6]], np.float32)
        found["300 brushstrokes (s)"] = warm_seconds(lambda: paint(
            small, palette, PainterOptions(n_strokes=300, seed=0), renderer=renderer), repeats=1)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="", help="also write the JSON here")
    parser.add_argument("--cpu-only", action="store_true",
                        help="try the script on a machine without a GPU (the CPU column only; proves nothing about GPUs)")
    args = parser.parse_args(argv)
    import tensorflow as tf

    from assistant.models import device_description

    where = device_description()
    report = {"device": where, "tensorflow": tf.__version__}
    if args.cpu_only:
        report["cpu"] = measure("/CPU:0")
        print(json.dumps(report, indent=1))
        return 0
    if not tf.config.list_physical_devices("GPU"):
        report["error"] = "TensorFlow sees no GPU: install tensorflow[and-cuda] (README, GPU) and run again"
        print(json.dumps(report, indent=1))
        return 1
    report["gpu"] = measure("/GPU:0")
    report["cpu"] = measure("/CPU:0")
    report["gpu faster by"] = {k: round(report["cpu"][k] / max(v, 1e-6), 1) for k, v in report["gpu"].items()}
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
