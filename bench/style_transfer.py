"""Style transfer: our coarse-to-fine L-BFGS vs the seed recipe (Adam), same objective.

    python bench/style_transfer.py

Baseline: Adam, learning rate 0.03 (on 0-1 pixels, i.e. 7.65 on the 0-255 caffe scale),
from content + noise, 500 steps at 256 px, as in the inspiring project. Ours: StyleOptions
defaults (coarse-to-fine, L-BFGS) at 256 px. Both minimise the same full-resolution
objective (same network, layers, weights), which is evaluated for both at the end of
every step/iteration. Reports loss vs time, the time-to-equal-loss ratio at the
baseline's final loss (goal >= 20x) and the wall time of a 512 px result (goal <= 60 s).
Writes ``bench/style_transfer.png``: the photo, the baseline's result and ours, side by side.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from common import photo


def main() -> None:
    import tensorflow as tf

    from assistant.images import resize_longest
    from assistant.style.assets import load_style
    from assistant.style.features import build_feature_extractor, deprocess, preprocess
    from assistant.style.transfer import StyleOptions, _Objective, style_grams, stylize

    network = build_feature_extractor("auto", allow_download=False)
    content = resize_longest(photo("chelsea"), 256)
    style = load_style("impasto_oil", max_side=256)[0]
    options = StyleOptions(max_side=256)
    grams = style_grams(network, [(style, 1.0)], max(content.shape[:2]), network.style_layers)
    objective = _Objective(network, options, preprocess(content), grams)
    print(f"network: {network.name}; content {content.shape[1]}x{content.shape[0]}")

    # Baseline: Adam from content + noise.
    rng = np.random.default_rng(0)
    start = np.clip(content + rng.normal(0, 0.1, content.shape).astype(np.float32), 0, 1)
    variable = tf.Variable(preprocess(start))
    adam = tf.keras.optimizers.Adam(learning_rate=0.03 * 255)
    low, high = preprocess(np.zeros(3, np.float32)), preprocess(np.ones(3, np.float32))
    base_curve = []
    t0 = time.perf_counter()
    for _step in range(500):
        total, _, _, grad = objective(variable.numpy())
        adam.apply_gradients([(tf.constant(grad), variable)])
        variable.assign(tf.clip_by_value(variable, low, high))
        base_curve.append((time.perf_counter() - t0, total))
    base_final = objective(variable.numpy())[0]
    base_time = time.perf_counter() - t0

    # Ours: the product's stylize at the same size; evaluate the same objective on each level's result.
    ours_curve = []
    t0 = time.perf_counter()
    evaluation_time = [0.0]

    def on_progress(fraction, message, preview):
        if preview is None or preview.shape != content.shape:
            return
        e0 = time.perf_counter()
        total = objective(preprocess(preview))[0]
        evaluation_time[0] += time.perf_counter() - e0
        ours_curve.append((time.perf_counter() - t0 - evaluation_time[0], total))

    result = stylize(content, [(style, 1.0)], network=network, options=options, on_progress=on_progress)
    ours_final = objective(preprocess(result.image))[0]

    from PIL import Image

    panel = np.concatenate([content, deprocess(variable.numpy()), result.image], axis=1)
    out = Path(__file__).with_suffix(".png")
    Image.fromarray(np.round(panel * 255).astype(np.uint8)).save(out)
    print(f"photo | baseline | ours: {out.name}; loss of the photo itself {objective(preprocess(content))[0]:.4f}")

    def time_to(curve, level):
        return next((t for t, loss in curve if loss <= level), float("nan"))

    t_base = base_time
    t_ours = time_to(ours_curve, base_final)
    print(f"baseline Adam 500 steps: final loss {base_final:.4f} in {base_time:.1f} s")
    print(f"ours: final loss {ours_final:.4f} in {result.elapsed_s:.1f} s; "
          f"reaches the baseline's final loss after {t_ours:.1f} s")
    print(f"time-to-equal-loss ratio: {t_base / t_ours:.1f}x (goal >= 20x)")
    for name, curve in (("baseline", base_curve), ("ours", ours_curve)):
        marks = [curve[int(i)] for i in np.linspace(0, len(curve) - 1, 6)]
        print(f"{name} loss vs time: " + ", ".join(f"{t:.1f}s:{loss:.3f}" for t, loss in marks))

    big = resize_longest(photo("astronaut"), 512)
    t0 = time.perf_counter()
    stylize(big, [(style, 1.0)], network=network, options=StyleOptions(max_side=512))
    print(f"512 px result (defaults): {time.perf_counter() - t0:.1f} s wall (goal <= 60 s)")


if __name__ == "__main__":
    main()
