"""Why L-BFGS does not beat Adam on our style objective: a per-evaluation study.

    python bench/style_optimisers.py [--evals 60] [--adam-steps 500]

Every optimiser gets the same budget of objective evaluations (one VGG forward and backward
pass each) at 256 px, so CPU load does not matter. Printed: best loss after 10/20/30/60
evaluations for each optimiser and start, the same on two other objectives (average pooling
as in Gatys et al. 2016; a total-variation weight that matters), a probe of the loss along
the steepest-descent direction at the photo, and what the seed recipe's 500-step Adam image
looks like to the loss (per-layer style loss, pixel change). Results: ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
from common import photo

MARKS = (10, 20, 30, 60)


class Counted:
    """The objective as a function of a flat caffe-space vector, recording the best loss so far."""

    def __init__(self, objective, shape):
        self.objective, self.shape, self.best = objective, shape, []

    def __call__(self, flat):
        total, _, _, grad = self.objective(np.asarray(flat, np.float32).reshape(self.shape))
        self.best.append(min(total, self.best[-1]) if self.best else total)
        return total, grad.ravel().astype(np.float64)

    def row(self, name):
        cells = [f"{self.best[m - 1]:.3f}" if len(self.best) >= m else "—" for m in MARKS]
        return f"| {name} | " + " | ".join(cells) + " |"


def adam(counted, start, evals, lr=0.03):
    """The seed recipe's update (lr on 0-1 pixels), clipped to the pixel range."""
    from assistant.style.features import preprocess

    low, high = preprocess(np.zeros(3, np.float32)), preprocess(np.ones(3, np.float32))
    x = start.astype(np.float64).copy()
    m, v = np.zeros_like(x), np.zeros_like(x)
    for t in range(1, evals + 1):
        _, grad = counted(x.ravel())
        grad = grad.reshape(x.shape)
        m, v = 0.9 * m + 0.1 * grad, 0.999 * v + 0.001 * grad * grad
        x = np.clip(x - lr * 255 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-7), low, high)
    return x


def lbfgs(counted, start, evals, *, scale=None):
    """SciPy L-BFGS-B within the pixel range; ``scale`` is a fixed diagonal preconditioner."""
    from scipy.optimize import Bounds, minimize

    from assistant.style.features import preprocess

    shape = start.shape
    low = np.broadcast_to(preprocess(np.zeros(3, np.float32)), shape).ravel().astype(np.float64)
    high = np.broadcast_to(preprocess(np.ones(3, np.float32)), shape).ravel().astype(np.float64)
    origin = start.ravel().astype(np.float64)
    d = np.ones_like(origin) if scale is None else np.broadcast_to(scale, shape).ravel().astype(np.float64)

    def fun(z):
        total, grad = counted(origin + d * z)
        return total, grad * d

    minimize(fun, np.zeros_like(origin), jac=True, method="L-BFGS-B", bounds=Bounds((low - origin) / d, (high - origin) / d),
             options={"maxiter": 10 * evals, "maxfun": evals, "maxcor": 10, "ftol": 0.0, "gtol": 0.0})


def pyramid_lbfgs(counted, start, evals, levels=6):
    """L-BFGS on a Laplacian-pyramid parametrisation, coarse levels amplified 2^k (a low-pass preconditioner)."""
    import tensorflow as tf
    from scipy.optimize import minimize

    height, width = start.shape[:2]
    shapes = [(1, -(-height // 2**k), -(-width // 2**k), 3) for k in range(levels)]
    sizes = [int(np.prod(s)) for s in shapes]
    base = tf.constant(start[None], tf.float32)

    def synthesise(parts):
        image = base
        for k, part in enumerate(parts):
            image = image + 2.0**k * (part if k == 0 else tf.image.resize(part, (height, width), method="bilinear"))
        return image

    def split(flat):
        bounds = np.cumsum([0, *sizes])
        return [tf.constant(flat[a:b].reshape(s), tf.float32) for a, b, s in zip(bounds[:-1], bounds[1:], shapes)]

    def fun(flat):
        parts = split(flat)
        with tf.GradientTape() as tape:
            tape.watch(parts)
            image = synthesise(parts)
        total, grad = counted(image.numpy().ravel())
        back = tape.gradient(image, parts, output_gradients=tf.constant(grad.reshape(image.shape), tf.float32))
        return total, np.concatenate([g.numpy().ravel() for g in back]).astype(np.float64)

    minimize(fun, np.zeros(sum(sizes)), jac=True, method="L-BFGS-B",
             options={"maxiter": 10 * evals, "maxfun": evals, "maxcor": 10, "ftol": 0.0, "gtol": 0.0})


def average_pooling(network):
    """The same trunk with max pooling replaced by average pooling (Gatys et al. 2016)."""
    import keras

    from assistant.style.features import FeatureNetwork

    inputs = keras.Input((None, None, 3))
    x, outputs = inputs, {}
    for layer in network.model.layers[1:]:
        if isinstance(layer, keras.layers.MaxPooling2D):
            x = keras.layers.AveragePooling2D(layer.pool_size, layer.strides, name=layer.name)(x)
        else:
            x = layer(x)
        if layer.name in network.layer_names:
            outputs[layer.name] = x
    model = keras.Model(inputs, outputs)
    return FeatureNetwork(network.name + "-avgpool", network.description, model, network.style_layers,
                          network.content_layers, network.layer_names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evals", type=int, default=60)
    parser.add_argument("--adam-steps", type=int, default=500)
    args = parser.parse_args()

    import cv2
    import tensorflow as tf

    from assistant.images import resize_longest
    from assistant.style.assets import load_style
    from assistant.style.features import build_feature_extractor, preprocess
    from assistant.style.transfer import StyleOptions, _Objective, gram_matrix, style_grams, style_loss

    network = build_feature_extractor("auto", allow_download=False)
    content = resize_longest(photo("chelsea"), 256)
    style = load_style("impasto_oil", max_side=256)[0]
    photo_x = preprocess(content)
    noisy_x = preprocess(np.clip(content + np.random.default_rng(0).normal(0, 0.1, content.shape), 0, 1).astype(np.float32))
    print(f"network {network.name}; chelsea {content.shape[1]}x{content.shape[0]}; impasto_oil; {args.evals} evaluations")

    def objective_for(net, options):
        grams = style_grams(net, [(style, 1.0)], max(content.shape[:2]), net.style_layers)
        return _Objective(net, options, photo_x, grams), grams

    defaults = StyleOptions(max_side=256)
    objective, grams = objective_for(network, defaults)
    print(f"loss of the photo itself: {objective(photo_x)[0]:.3f}")
    print("\n| optimiser, start | " + " | ".join(str(m) for m in MARKS) + " |\n|---|" + "---|" * len(MARKS))

    def run(name, method, start, target=objective, **kwargs):
        counted = Counted(target, start.shape)
        method(counted, start, args.evals, **kwargs)
        print(counted.row(name), flush=True)

    run("Adam lr 0.03, photo + noise (seed recipe)", adam, noisy_x)
    run("Adam lr 0.03, photo", adam, photo_x)
    run("L-BFGS-B, photo", lbfgs, photo_x)
    run("L-BFGS-B, photo + noise", lbfgs, noisy_x)
    run("L-BFGS, Laplacian-pyramid parameters (low-pass preconditioner)", pyramid_lbfgs, photo_x)
    energy = cv2.GaussianBlur(np.square(objective(photo_x)[3]).mean(-1), (0, 0), 2.0)
    diagonal = 1.0 / (np.sqrt(energy) + 0.1 * np.sqrt(energy.mean()))
    run("L-BFGS-B, per-pixel preconditioner (1/local gradient size)", lbfgs, photo_x,
        scale=(diagonal / diagonal.mean())[..., None])
    for label, variant in (("average pooling", objective_for(average_pooling(network), defaults)[0]),
                           ("tv_weight 10", objective_for(network, replace(defaults, tv_weight=10.0))[0])):
        run(f"{label}: Adam, photo + noise", adam, noisy_x, target=variant)
        run(f"{label}: L-BFGS-B, photo", lbfgs, photo_x, target=variant)

    total, _, _, grad = objective(photo_x)
    direction = -grad / np.linalg.norm(grad)
    probe = {step: objective(photo_x + step * direction)[0] - total for step in (1, 10, 30, 100, 300, 1000)}
    print("\nsteepest descent from the photo, loss change at step length (caffe units, L2): "
          + ", ".join(f"{step}: {change:+.4f}" for step, change in probe.items()))

    if args.adam_steps:
        counted = Counted(objective, photo_x.shape)
        final = adam(counted, noisy_x, args.adam_steps).astype(np.float32)
        features = {name: value[0] for name, value in network.model(tf.constant(final[None])).items()}
        photo_features = {name: value[0] for name, value in network.model(tf.constant(photo_x[None])).items()}

        def per_layer(feats):
            return ", ".join(f"{name}: {float(style_loss(gram_matrix(feats[name]), grams[name])):.3f}"
                             for name in network.style_layers)

        _, s_loss, c_loss, _ = objective(final)
        print(f"\nAdam {args.adam_steps} steps: loss {counted.best[-1]:.3f} (style {s_loss:.3f}, content {c_loss:.4f}); "
              f"RMS pixel change from the photo {np.sqrt(np.mean((final - photo_x) ** 2)):.1f}/255")
        print(f"  style loss per layer, photo: {per_layer(photo_features)}")
        print(f"  style loss per layer, Adam:  {per_layer(features)}")
        high = final - cv2.GaussianBlur(final, (0, 0), 1.0)
        print(f"  energy above 1 px blur: Adam image {np.sqrt(np.mean(high ** 2)):.1f}, photo "
              f"{np.sqrt(np.mean((photo_x - cv2.GaussianBlur(photo_x, (0, 0), 1.0)) ** 2)):.1f} (caffe units, RMS)")


if __name__ == "__main__":
    main()
