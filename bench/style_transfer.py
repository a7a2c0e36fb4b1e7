"""Style transfer speed: our coarse-to-fine L-BFGS against the seed recipe, on the seed recipe's own objective.

    python bench/style_transfer.py [--photos astronaut coffee chelsea] [--steps 2000]

Baseline (``PRESETS["seed-recipe"]``): ImageNet VGG19, style layers block1_conv2 … block5_conv1
weighted 0.1/0.3/0.4/0.1/0.1, content block5_conv1, content weight 1, style weight 0.3, Adam with
learning rate 0.03 (0–1 pixels) from the photo plus uniform ±0.2 noise, all 2000 steps at 256 px.
Ours, on the same objective, two ways: the product's method (coarse to fine: 1/4, 1/2, full size,
L-BFGS-B from the photo) and L-BFGS-B at full size only, from the photo, for up to --lbfgs
iterations. The time-to-equal-loss ratio is the baseline's time to its final loss over ours until
our full-size loss first reaches it (goal >= 20x). Also times the product default (medium, 512 px;
goal <= 60 s, first preview <= 5 s), and writes bench/style_transfer.png: per photo, the photo,
the baseline, ours coarse to fine, ours full size, and the product default.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import cv2
import numpy as np
from common import photo

OUT = Path(__file__).resolve().parent / "style_transfer.png"


def _time_to(history, level_start: float, loss: float) -> tuple[float | None, int | None]:
    """Seconds and evaluations until the full-size loss first reaches ``loss``."""
    for seconds, total, _, _, evaluations in history:
        if seconds >= level_start and total <= loss:
            return seconds, evaluations
    return None, None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", nargs="+", default=["astronaut", "coffee", "chelsea"])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--style", default="impasto_oil")
    parser.add_argument("--lbfgs", type=int, default=600, help="full-size L-BFGS iterations")
    args = parser.parse_args(argv)

    from assistant.images import resize_longest
    from assistant.style.assets import load_style
    from assistant.style.features import build_feature_extractor
    from assistant.style.measures import measure_change
    from assistant.style.transfer import preset, stylize

    network = build_feature_extractor("auto")
    style = load_style(args.style)[0]
    print(f"network: {network.description}; style {args.style}; baseline {args.steps} Adam steps at 256 px\n")
    print("| photo | baseline final loss | baseline s (evals) | ours | reaches it at s (evals) | ratio s | ratio evals "
          "| ours final loss | ours total s |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name in args.photos:
        content = resize_longest(photo(name), 256)
        base_options = preset("seed-recipe", iterations=(args.steps,))
        baseline = stylize(content, [(style, 1.0)], network=network, options=base_options)
        b_hist = np.array(baseline.history)
        target = float(b_hist[-1, 1])
        coarse_options = dataclasses.replace(base_options, optimizer="lbfgs", init_noise=0.0, scales=(0.25, 0.5, 1.0),
                                             iterations=(60, 40, 60), tv_weight=0.0)
        full_options = dataclasses.replace(coarse_options, scales=(1.0,), iterations=(args.lbfgs,))
        results = []
        for label, options in (("coarse to fine", coarse_options), ("full size", full_options)):
            ours = stylize(content, [(style, 1.0)], network=network, options=options)
            t_ours, e_ours = _time_to(ours.history, _full_size_start(ours), target)
            ratio_s = f"{b_hist[-1, 0] / t_ours:.1f}x" if t_ours else "not reached"
            ratio_e = f"{b_hist[-1, 4] / e_ours:.1f}x" if e_ours else "not reached"
            print(f"| {name} | {target:.4f} | {b_hist[-1, 0]:.1f} ({int(b_hist[-1, 4])}) | {label} | "
                  f"{t_ours if t_ours is None else round(t_ours, 1)} ({e_ours}) | {ratio_s} | {ratio_e} | "
                  f"{ours.history[-1][1]:.4f} | {ours.elapsed_s:.1f} |", flush=True)
            _loss_curve(name, label, baseline.history, ours.history)
            results.append((f"ours, {label}", ours.image))
        default = stylize(content, [(style, 1.0)], network=network, options=preset("medium", max_side=256))
        rows.append([content, baseline.image, *(image for _, image in results), default.image])
        for label, image in (("baseline", baseline.image), *results, ("product default (medium)", default.image)):
            m = measure_change(content, image)
            print(f"  {name} {label}: change {m.change} ΔE, edges kept {m.edges_kept}, colour drift {m.colour_drift} ΔE")
    _save(rows)
    _default_at_512(network, style, stylize, preset)
    return 0


def _full_size_start(result) -> float:
    """When the full-size level began (its first history entry's time minus one step)."""
    options = result.options
    coarse = sum(options.iterations[:-1])
    history = result.history
    return history[coarse][0] if len(history) > coarse else float("inf")


def _loss_curve(name, label, baseline, ours) -> None:
    marks = [1, 10, 50, 100, 250, 500, 1000, 2000]
    b = {int(h[4]): (h[0], h[1]) for h in baseline}
    pts = ", ".join(f"{e}: {b[e][1]:.3f} @ {b[e][0]:.0f}s" for e in marks if e in b)
    print(f"  {name} baseline loss by evaluation: {pts}")
    full = list(ours)[-600:]
    pts = ", ".join(f"{int(h[4])}: {h[1]:.3f} @ {h[0]:.1f}s" for h in full[:: max(1, len(full) // 8)])
    print(f"  {name} ours, {label} (last level) by evaluation: {pts}")


def _save(rows) -> None:
    strip = np.concatenate([np.concatenate(row, axis=1) for row in rows], axis=0)
    cv2.imwrite(str(OUT), cv2.cvtColor((strip * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR))
    print(f"\nwrote {OUT} (columns: photo | baseline | ours coarse to fine | ours full size | product default)")


def _default_at_512(network, style, stylize, preset) -> None:
    content = photo("chelsea")
    first = {}
    start = time.perf_counter()

    def on_progress(fraction, message, preview=None):
        if preview is not None and "t" not in first:
            first["t"] = time.perf_counter() - start

    result = stylize(content, [(style, 1.0)], network=network, options=preset("medium", max_side=512),
                     on_progress=on_progress)
    print(f"\nproduct default (medium) at 512 px on chelsea: {result.elapsed_s:.1f} s (goal <= 60), "
          f"first preview after {first.get('t', float('nan')):.1f} s (goal <= 5), {len(result.history)} iterations, "
          f"{result.history[-1][4]} evaluations")


if __name__ == "__main__":
    raise SystemExit(main())
