"""How honest is the "about M:SS left" a painter sees while a long job runs?

Runs the two background jobs of the app (a style repaint with the product's schedule, a
brushstroke painting with the learned renderer) through the app's own ``Job`` class, reads
its estimate of the time left twice a second, and afterwards compares each estimate with the
time that really was left. Reported per job: estimate ÷ truth at 10, 25, 50 and 75 % of the
run's wall time (1.00 is honest; below 1 promises too early an end).

    python bench/eta.py [--style-size 512] [--strokes 800]

Run on an otherwise idle machine: the truth is the wall time of this run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import photo


def watch(work, label: str) -> list[tuple[float, float | None]]:
    """Run ``work(on_progress)`` as the app does; return ``(elapsed, estimated seconds left)`` samples."""
    from pages._jobs import Job

    job = Job(label, work).start()
    samples = []
    while job.running:
        snapshot = job.snapshot()
        samples.append((snapshot.elapsed, snapshot.remaining))
        time.sleep(0.5)
    job.wait()
    total = job.snapshot().elapsed
    if job.state != "done":
        raise SystemExit(f"{label}: {job.state} {job.snapshot().error}")
    print(f"\n{label}: {total:.1f} s in all")
    print("  share of the run | estimate left | truth left | estimate / truth")
    for share in (0.10, 0.25, 0.50, 0.75):
        at = min(samples, key=lambda s: abs(s[0] - share * total))
        truth = total - at[0]
        if at[1] is None:
            print(f"  {share:>15.0%} | {'(none yet)':>13} | {truth:>8.1f} s |")
        else:
            print(f"  {share:>15.0%} | {at[1]:>11.1f} s | {truth:>8.1f} s | {at[1] / truth:>6.2f}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style-size", type=int, default=512)
    parser.add_argument("--strokes", type=int, default=800)
    args = parser.parse_args()

    from assistant import GuideOptions, make_guide
    from assistant.strokes.painter import PainterOptions, paint
    from assistant.strokes.renderer import load_renderer
    from assistant.style.assets import load_style
    from assistant.style.features import build_feature_extractor
    from assistant.style.transfer import preset, stylize

    picture = photo("astronaut")
    network = build_feature_extractor("auto")
    style = load_style("impasto_oil")[0]
    options = preset("medium", max_side=args.style_size)
    watch(lambda report: stylize(picture, [(style, 1.0)], network=network, options=options, on_progress=report),
          f"style repaint at {args.style_size} px")

    guide = make_guide(picture, GuideOptions(n_colors=12))
    renderer = load_renderer()
    strokes = PainterOptions(n_strokes=args.strokes)
    watch(lambda report: paint(guide.target, guide.palette.rgb, strokes, renderer=renderer, on_progress=report),
          f"{args.strokes} brushstrokes")


if __name__ == "__main__":
    main()
