"""Train the learned stroke renderer on procedural strokes generated on the fly.

    python scripts/train_renderer.py --minutes 55            # about an hour on a 2-core CPU
    python scripts/train_renderer.py --minutes 2 --out /tmp/r  # a quick smoke run

Strokes come from :func:`assistant.strokes.brush.random_shapes` (seeded); their ground truth
is the procedural brush's signed field. A pool of strokes is kept in memory and a
slice of it is replaced by fresh strokes every few hundred steps, so the network
keeps seeing new data. The loss is the MSE of the clipped field plus the MSE of the
coverage derived from it (the field teaches the shape, the coverage term sharpens
the edge). The learning rate follows a cosine decay over the time budget.

A fixed held-out set (another seed) is scored with PSNR of the coverage maps; the best
weights are written to ``--out`` with a manifest (sha256, architecture, stroke layout,
recipe, held-out PSNR) that :func:`assistant.strokes.renderer.load_renderer` checks.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=55.0, help="training time budget")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (cosine decay)")
    parser.add_argument("--pool", type=int, default=16384, help="strokes kept in memory")
    parser.add_argument("--refresh", type=int, default=1024, help="fresh strokes per refresh")
    parser.add_argument("--refresh-every", type=int, default=200, help="steps between refreshes")
    parser.add_argument("--held-out", type=int, default=2000)
    parser.add_argument("--eval-every", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0 = all cores)")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from assistant.models import sha256_file
    from assistant.strokes.brush import SHAPE_LAYOUT, WIDTH_RANGE, field_to_alpha, random_shapes, stroke_field
    from assistant.strokes.renderer import MANIFEST_NAME, WEIGHTS_NAME, RendererConfig, build_renderer, psnr

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)
    config = RendererConfig()
    clip = config.field_clip
    model = build_renderer(config)
    optimizer = keras.optimizers.Adam(learning_rate=args.lr)

    def target(shapes):
        return np.clip(stroke_field(shapes, config.size), -clip, clip) / clip

    rng = np.random.default_rng(args.seed)
    held_rng = np.random.default_rng(args.seed + 10_000)
    x_held = random_shapes(args.held_out, held_rng)
    a_held = field_to_alpha(stroke_field(x_held, config.size))
    t0 = time.time()
    x_pool = random_shapes(args.pool, rng)
    y_pool = target(x_pool)
    print(f"pool of {args.pool} strokes in {time.time() - t0:.1f}s", flush=True)

    @tf.function(jit_compile=True)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            pred = model(x, training=True)
            alpha_pred = tf.clip_by_value(pred * clip + 0.5, 0.0, 1.0)
            alpha_true = tf.clip_by_value(y * clip + 0.5, 0.0, 1.0)
            loss = tf.reduce_mean(tf.square(pred - y)) + tf.reduce_mean(tf.square(alpha_pred - alpha_true))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    def evaluate() -> tuple[float, float]:
        pred = np.concatenate([model.predict_on_batch(x_held[i : i + 500]) for i in range(0, len(x_held), 500)])
        alpha = np.clip(pred * clip + 0.5, 0.0, 1.0)
        per_stroke = [psnr(p, t) for p, t in zip(alpha, a_held)]
        return psnr(alpha, a_held), float(np.mean(np.minimum(per_stroke, 99.0)))

    budget = args.minutes * 60.0
    start = time.time()
    step, best, history, fresh = 0, -1.0, [], args.pool
    args.out.mkdir(parents=True, exist_ok=True)
    weights_path = args.out / WEIGHTS_NAME
    losses = []
    while True:
        elapsed = time.time() - start
        if elapsed >= budget:
            break
        lr = args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * elapsed / budget)))
        optimizer.learning_rate.assign(lr)
        idx = rng.integers(0, args.pool, args.batch)
        losses.append(float(train_step(tf.constant(x_pool[idx]), tf.constant(y_pool[idx]))))
        step += 1
        if step % args.refresh_every == 0:
            slot = rng.integers(0, args.pool - args.refresh)
            x_new = random_shapes(args.refresh, rng)
            x_pool[slot : slot + args.refresh] = x_new
            y_pool[slot : slot + args.refresh] = target(x_new)
            fresh += args.refresh
        if step % args.eval_every == 0:
            pooled, mean = evaluate()
            history.append({"step": step, "minutes": round((time.time() - start) / 60, 2), "psnr_db": round(pooled, 2)})
            print(f"step {step:6d}  {elapsed / 60:5.1f} min  lr {lr:.2e}  loss {np.mean(losses):.5f}  held-out PSNR {pooled:.2f} dB (mean per stroke {mean:.2f})", flush=True)
            losses = []
            if pooled > best:
                best = pooled
                model.save_weights(str(weights_path))
    pooled, mean = evaluate()
    if pooled > best:
        best = pooled
        model.save_weights(str(weights_path))
    model.load_weights(str(weights_path))
    pooled, mean = evaluate()
    manifest = {
        "name": "stroke renderer",
        "weights": WEIGHTS_NAME,
        "sha256": sha256_file(weights_path),
        "architecture": config.to_dict(),
        "layout": SHAPE_LAYOUT.describe(),
        "training": {
            "script": "scripts/train_renderer.py",
            "data": "assistant.strokes.brush.random_shapes (start/end uniform in [0.05, 0.95], control near the chord, "
            f"log-uniform diameters in {list(WIDTH_RANGE)}); target: clipped procedural field",
            "seed": args.seed,
            "steps": step,
            "batch": args.batch,
            "peak_lr": args.lr,
            "minutes": round((time.time() - start) / 60, 1),
            "strokes_seen_fresh": fresh,
            "loss": "MSE(field / clip) + MSE(coverage)",
            "history": history,
        },
        "held_out": {
            "strokes": args.held_out,
            "seed": args.seed + 10_000,
            "psnr_db": round(pooled, 2),
            "mean_psnr_per_stroke_db": round(mean, 2),
        },
    }
    (args.out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"done: {step} steps, held-out PSNR {pooled:.2f} dB → {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
