"""Neural style transfer (Gatys et al., 2016) tuned for a CPU.

Reference: L. A. Gatys, A. S. Ecker, M. Bethge, "Image Style Transfer Using
Convolutional Neural Networks", CVPR 2016; colour preservation after Gatys et al.,
"Preserving Color in Neural Artistic Style Transfer", 2016.

Speed comes from the optimisation, not the hardware:

* start from the photo (not noise), so the content is right from the first step;
* coarse to fine: most iterations run at 1/4 and 1/2 size, the full size only polishes;
  each enlargement adds back the photo's own detail, so edges do not start blurred;
* L-BFGS (SciPy's L-BFGS-B, with the pixel range as bounds): curvature-aware steps that add
  texture at the scale of the style's strokes in few full-size evaluations;
* the network is truncated after the deepest layer used (block 5 is never computed by default).

Named strengths (:data:`PRESETS`: subtle, medium, strong) are what people choose; the raw
weights stay available. ``PRESETS["seed-recipe"]`` keeps the original recipe (Adam from the
photo plus noise, 2000 steps) for comparison (``bench/style_transfer.py``).

TensorFlow is imported only when :func:`stylize` or the losses run.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..base import ProgressFn, check_image, check_int, check_number, no_progress
from ..images import resize_longest
from .features import FeatureNetwork, deprocess, preprocess

#: A TensorFlow tensor (TensorFlow ships no type information that mypy reads).
Tensor = Any

__all__ = [
    "PRESETS",
    "STRENGTHS",
    "StyleOptions",
    "StyleRecord",
    "StyleResult",
    "content_loss",
    "preset",
    "gram_matrix",
    "preserve_colors",
    "style_loss",
    "stylize",
    "total_variation_loss",
    "upsample_with_detail",
]

@dataclass(frozen=True)
class StyleOptions:
    """Settings of one style transfer."""

    # How strongly the brushwork texture is imposed; only the ratio to content_weight matters
    # (the defaults are the "medium" strength).
    style_weight: float = 0.1
    # How strongly the photo's structure is kept.
    content_weight: float = 1.0
    # Smoothness: suppresses the high-frequency noise style losses like to add.
    tv_weight: float = 1e-4
    # Layers (None = the network's defaults) and per-style-layer weights (None = equal).
    style_layers: tuple[str, ...] | None = None
    content_layers: tuple[str, ...] | None = None
    layer_weights: tuple[float, ...] | None = None
    # Keep the photo's colours, transfer only the texture (luminance).
    preserve_colors: bool = False
    # Longest side of the stylised image in pixels.
    max_side: int = 512
    # Coarse-to-fine scales (fractions of max_side) and L-BFGS iterations at each
    # (StyleOptions.schedule(10): a 512 px result in under a minute on 2 CPU cores).
    scales: tuple[float, ...] = (0.25, 0.5, 1.0)
    iterations: tuple[int, ...] = (30, 20, 10)
    # Hard stop in seconds; the best image so far is returned.
    time_budget_s: float = 180.0
    # Seeds the optional start noise: uniform in ±init_noise (pixel units, 0–1 scale).
    seed: int = 0
    init_noise: float = 0.0
    # "lbfgs" (ours) or "adam" (the seed recipe); learning_rate is Adam's, in 0–1 pixel units.
    optimizer: str = "lbfgs"
    learning_rate: float = 0.03

    def to_dict(self) -> dict:
        """The options as plain JSON values (``project.json``)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StyleOptions:
        """Options from :meth:`to_dict`'s table (lists become tuples), checked."""
        values = dict(data)
        for name in ("style_layers", "content_layers", "layer_weights"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        for name in ("scales", "iterations"):
            values[name] = tuple(values[name])
        return cls(**values).validate()

    def validate(self) -> StyleOptions:
        for name in ("style_weight", "content_weight", "tv_weight"):
            value = getattr(self, name)
            if not (value >= 0 and np.isfinite(value)):
                raise ValueError(f"Expected {name} >= 0. Received: {name}={value}")
        check_int("max_side", self.max_side, 64, 2048)
        check_int("seed", self.seed, 0, 2**32 - 1)
        for count in self.iterations:
            check_int("iterations", count, 0, 100_000)
        for scale in self.scales:
            check_number("scales", scale, 0.0, 1.0)
        for name in ("time_budget_s", "learning_rate", "init_noise"):
            check_number(name, getattr(self, name), 0.0, 1e9)
        if self.style_weight == 0 and self.content_weight == 0:
            raise ValueError("Expected style_weight or content_weight > 0. Received: both 0")
        if not 64 <= self.max_side <= 2048:
            raise ValueError(f"Expected 64 <= max_side <= 2048. Received: max_side={self.max_side}")
        if len(self.scales) != len(self.iterations) or not self.scales:
            raise ValueError(
                f"Expected one iteration count per scale. Received: scales={self.scales}, iterations={self.iterations}"
            )
        if any(not 0 < s <= 1 for s in self.scales) or any(i < 0 for i in self.iterations):
            raise ValueError(f"Expected scales in (0, 1] and iterations >= 0. Received: scales={self.scales}")
        if self.time_budget_s <= 0:
            raise ValueError(f"Expected time_budget_s > 0. Received: time_budget_s={self.time_budget_s}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise ValueError(f'Expected optimizer "lbfgs" or "adam". Received: optimizer={self.optimizer!r}')
        if not 0 < self.learning_rate <= 1 or not 0 <= self.init_noise <= 1:
            raise ValueError(
                f"Expected 0 < learning_rate <= 1 and 0 <= init_noise <= 1. "
                f"Received: learning_rate={self.learning_rate}, init_noise={self.init_noise}"
            )
        return self

    @staticmethod
    def schedule(full_size_iterations: int) -> tuple[int, int, int]:
        """Iterations per level (1/4, 1/2, full size) for a number of full-size iterations.

        The coarse levels are cheap (1/16 and 1/4 of the pixels), so they get more.
        """
        if full_size_iterations < 0:
            raise ValueError(f"Expected full_size_iterations >= 0. Received: {full_size_iterations}")
        n = full_size_iterations
        return max(10, 3 * n), max(8, 2 * n), n


#: Named settings. The three strengths differ only in the style:content ratio, chosen from
#: measurements (bench/style_defaults.py, bench/RESULTS.md); "seed-recipe" is the original
#: recipe kept for comparison (its own layers, weights and optimiser; slow on a CPU).
PRESETS: dict[str, StyleOptions] = {
    "subtle": StyleOptions(style_weight=0.03, content_weight=1.0),
    "medium": StyleOptions(style_weight=0.1, content_weight=1.0),
    "strong": StyleOptions(style_weight=0.3, content_weight=1.0),
    "seed-recipe": StyleOptions(
        style_layers=("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv1"),
        layer_weights=(0.1, 0.3, 0.4, 0.1, 0.1), content_layers=("block5_conv1",), content_weight=1.0,
        style_weight=0.3, tv_weight=0.0, optimizer="adam", learning_rate=0.03, init_noise=0.2,
        scales=(1.0,), iterations=(2000,), time_budget_s=24 * 3600.0, max_side=256,
    ),
}
STRENGTHS = ("subtle", "medium", "strong")


def preset(name: str, **changes: Any) -> StyleOptions:
    """The named settings, with ``changes`` applied (e.g. ``max_side``, ``preserve_colors``).

    Raises:
        ValueError: an unknown name (lists the known ones).
    """
    if name not in PRESETS:
        raise ValueError(f"Expected a style strength among {', '.join(PRESETS)}. Received: {name!r}")
    return dataclasses.replace(PRESETS[name], **changes).validate()


@dataclass(frozen=True)
class StyleResult:
    """A stylised image and how it was made.

    Attributes:
        image: float32 ``(H, W, 3)`` in [0, 1], the size of the content image.
        network: ``FeatureNetwork.name``; ``network_description`` says it in words.
        history: ``(seconds, total, style, content, evaluations so far)`` after every iteration
            (losses of the level running then; levels differ in size).
        stopped_early: True when the time budget ended the run.
        stopped_at_level: the level (1-based) the time budget interrupted; 0 when the run is complete.
            ``stylize(..., resume_from=(image, stopped_at_level))`` finishes it.
    """

    image: np.ndarray
    network: str
    network_description: str
    history: tuple[tuple[float, float, float, float, int], ...]
    elapsed_s: float
    stopped_early: bool
    options: StyleOptions = field(repr=False)
    weights: tuple[float, ...] = (1.0,)
    stopped_at_level: int = 0

    def record(self, labels: Sequence[str], *, device: str = "", preset: str = "") -> StyleRecord:
        """The provenance of this result, with the styles named by ``labels`` (one per style)."""
        if len(labels) != len(self.weights):
            raise ValueError(f"Expected one label per style. Received: {len(labels)} labels, {len(self.weights)} styles")
        total = sum(self.weights)
        shares = tuple(round(w / total, 4) for w in self.weights)
        name = labels[0] if len(labels) == 1 else " + ".join(f"{lab} ({s:.0%})" for lab, s in zip(labels, shares))
        return StyleRecord(
            name=name, blend=tuple(zip(labels, shares)), options=self.options, network=self.network,
            network_description=self.network_description, device=device, iterations=len(self.history),
            seconds=round(self.elapsed_s, 1), preset=preset, stopped_at_level=self.stopped_at_level,
        )


@dataclass(frozen=True)
class StyleRecord:
    """How a stylised target was made: what ``plan.json``, the PDF and the pages say.

    Attributes:
        name: the style in words ("Impasto oil", or a blend with shares).
        blend: ``((label, share), …)``, shares summing to 1.
        options: the :class:`StyleOptions` used.
        network, network_description: short id and words for the feature network.
        device: where TensorFlow ran ("CPU, 2 threads", "GPU: …"); may be empty.
        iterations: optimisation iterations done.
        seconds: wall time (shown to people; left out of ``plan.json`` so that the same
            inputs give the same file).
        preset: the named strength the options came from ("" when set by hand).
        stopped_at_level: the level (1-based) at which the time budget stopped the run, 0 when it
            finished; such a picture is less finished than its settings promise, and can be continued.
        engine: ``"fast"`` (the feed-forward network, :mod:`assistant.style.fast`), ``"vgg19"``
            (the Gatys optimisation here) or ``"fast+vgg19"`` (a fast result refined with VGG19).
        fast_strength: the fast engine's strength (0–1), None for ``"vgg19"``.
        vector: the fast engine's style vector (kept in project files so that a reopened project
            repaints identically; not written to ``plan.json``).
        weights: where the fast engine's weights come from, in words.
        colour_anchor: the fast engine's colour anchor (0–1, :attr:`~assistant.style.fast.FastStyleOptions.colour_anchor`),
            None for ``"vgg19"`` and for project files made before it was kept (the default then).
    """

    name: str
    blend: tuple[tuple[str, float], ...]
    options: StyleOptions
    network: str
    network_description: str
    device: str = ""
    iterations: int = 0
    seconds: float = 0.0
    preset: str = ""
    stopped_at_level: int = 0
    engine: str = "vgg19"
    fast_strength: float | None = None
    vector: tuple[float, ...] = ()
    weights: str = ""
    colour_anchor: float | None = None

    @property
    def unfinished(self) -> str:
        """One line saying the time limit stopped the run ("" when it finished)."""
        if not self.stopped_at_level:
            return ""
        return (f"The time limit ({self.options.time_budget_s / 60:.0f} min) stopped this repaint at level "
                f"{self.stopped_at_level} of {len(self.options.scales)}, so it is less finished than it will be.")

    def to_dict(self) -> dict:
        """The whole record as plain JSON values (``project.json``; :meth:`plan_dict` is what people read)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StyleRecord:
        """The record of :meth:`to_dict`, checked. A table from before the colour anchor was kept has
        none (the default then applies).

        Raises:
            ValueError: a style vector that is not a short list of finite numbers, a colour anchor outside 0–1.
        """
        record = dict(data)
        record["options"] = StyleOptions.from_dict(data["options"])
        record["blend"] = tuple((str(label), float(share)) for label, share in data["blend"])
        record["vector"] = tuple(float(v) for v in data.get("vector", ()))
        if len(record["vector"]) > 1024 or not np.isfinite(record["vector"]).all():
            raise ValueError(f"Expected a style vector of at most 1024 finite numbers. "
                             f"Received: {len(record['vector'])} values")
        anchor = data.get("colour_anchor")
        if anchor is not None:
            if isinstance(anchor, bool) or not isinstance(anchor, int | float) or not 0.0 <= anchor <= 1.0:
                raise ValueError(f"Expected a colour anchor from 0 to 1. Received: colour_anchor={anchor!r}")
            record["colour_anchor"] = float(anchor)
        return cls(**record)

    def plan_dict(self) -> dict:
        """The ``"style"`` section of ``plan.json``."""
        o = self.options
        unfinished = {"stopped_at_level": self.stopped_at_level} if self.stopped_at_level else {}
        anchor = {} if self.colour_anchor is None else {"colour_anchor": self.colour_anchor}
        fast = {} if self.fast_strength is None else {"fast_strength": self.fast_strength, **anchor,
                                                      "weights": self.weights}
        if self.engine == "fast":
            return {
                "name": self.name,
                "engine": self.engine,
                "strength": self.fast_strength,
                **anchor,
                "blend": [{"style": label, "share": share} for label, share in self.blend],
                "preserve_colors": o.preserve_colors,
                "size": o.max_side,
                "network": self.network,
                "network_description": self.network_description,
                "weights": self.weights,
            }
        return {
            "name": self.name,
            "engine": self.engine,
            "strength": self.preset or None,
            "blend": [{"style": label, "share": share} for label, share in self.blend],
            "style_weight": o.style_weight,
            "content_weight": o.content_weight,
            "preserve_colors": o.preserve_colors,
            "size": o.max_side,
            "style_layers": list(o.style_layers) if o.style_layers else None,
            "content_layers": list(o.content_layers) if o.content_layers else None,
            "iterations_per_level": list(o.iterations),
            "network": self.network,
            "network_description": self.network_description,
            "iterations": self.iterations,
            **fast,
            **unfinished,
        }


# --- losses -------------------------------------------------------------------------


def gram_matrix(features: Tensor) -> Tensor:
    """Channel co-occurrence ``(C, C)`` of ``(H, W, C)`` features, averaged over positions.

    Texture without layout: which filters fire together, wherever they fire.
    """
    import tensorflow as tf

    channels = tf.shape(features)[-1]
    flat = tf.reshape(features, (-1, channels))
    count = tf.cast(tf.shape(flat)[0], features.dtype)
    return tf.matmul(flat, flat, transpose_a=True) / count


def style_loss(generated_gram: Tensor, target_gram: Tensor) -> Tensor:
    """Relative squared Gram difference: scale-free, so layers weigh what we say they weigh."""
    import tensorflow as tf

    return tf.reduce_sum(tf.square(generated_gram - target_gram)) / (tf.reduce_sum(tf.square(target_gram)) + 1e-8)


def content_loss(generated: Tensor, target: Tensor) -> Tensor:
    """Relative squared feature difference: keeps the photo's structure."""
    import tensorflow as tf

    return tf.reduce_sum(tf.square(generated - target)) / (tf.reduce_sum(tf.square(target)) + 1e-8)


def total_variation_loss(image: Tensor) -> Tensor:
    """Mean squared neighbour difference of a ``(1, H, W, 3)`` image: discourages pixel noise."""
    import tensorflow as tf

    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    return (tf.reduce_mean(tf.square(dx)) + tf.reduce_mean(tf.square(dy))) / (255.0 * 255.0)


# --- colour ---------------------------------------------------------------------------


def preserve_colors(stylised: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance from the stylised image (matched to the photo's), colour from the photo."""
    from ..color.spaces import lab_to_rgb, rgb_to_lab

    out_lab = rgb_to_lab(stylised)
    in_lab = rgb_to_lab(content)
    lightness = out_lab[..., 0]
    lightness = (lightness - lightness.mean()) / (lightness.std() + 1e-6) * in_lab[..., 0].std() + in_lab[..., 0].mean()
    merged = np.stack([np.clip(lightness, 0, 100), in_lab[..., 1], in_lab[..., 2]], axis=-1)
    return lab_to_rgb(merged).astype(np.float32)


# --- the optimisation -------------------------------------------------------------------


class _Stop(Exception):
    pass


class _Objective:
    """Total loss and gradient for one scale, evaluated in one VGG pass of the image."""

    def __init__(self, network: FeatureNetwork, options: StyleOptions, content_pre, style_grams):
        import tensorflow as tf

        self.style_layers = options.style_layers or network.style_layers
        self.content_layers = options.content_layers or network.content_layers
        unknown = set(self.style_layers + self.content_layers) - set(network.layer_names)
        if unknown:
            raise ValueError(f"Expected layers of {network.name}. Received: {sorted(unknown)}")
        weights = options.layer_weights or _default_layer_weights(network, self.style_layers)
        if len(weights) != len(self.style_layers):
            raise ValueError(f"Expected one weight per style layer. Received: layer_weights={options.layer_weights}")
        self.layer_weights = [w / sum(weights) for w in weights]
        self.model = network.extractor(self.style_layers + self.content_layers)
        self.options = options
        content_features = self.model(tf.constant(content_pre[None]))
        self.content_targets = [content_features[name][0] for name in self.content_layers]
        self.style_targets = [style_grams[name] for name in self.style_layers]
        self._fn = tf.function(self._loss_and_grad, reduce_retracing=True)

    def _loss_and_grad(self, image):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(image)
            features = self.model(image)
            s_loss = tf.add_n(
                [w * style_loss(gram_matrix(features[name][0]), target)
                 for name, w, target in zip(self.style_layers, self.layer_weights, self.style_targets)]
            )
            c_loss = tf.add_n(
                [content_loss(features[name][0], target) for name, target in zip(self.content_layers, self.content_targets)]
            ) / len(self.content_layers)
            total = (self.options.style_weight * s_loss + self.options.content_weight * c_loss
                     + self.options.tv_weight * total_variation_loss(image))
        return total, s_loss, c_loss, tape.gradient(total, image)

    def __call__(self, image: np.ndarray):
        import tensorflow as tf

        from ..models import GRADIENT_STEP_LOCK

        with GRADIENT_STEP_LOCK:  # another thread's gradient step at the same moment fails in TensorFlow
            total, s_loss, c_loss, grad = self._fn(tf.constant(image[None], dtype=tf.float32))
        return float(total), float(s_loss), float(c_loss), grad.numpy()[0]


def style_grams(network: FeatureNetwork, styles: Sequence[tuple[np.ndarray, float]], side: int,
                layers: Sequence[str]) -> dict:
    """Weighted blend of the styles' Gram matrices at a working side length."""
    import tensorflow as tf

    total = sum(weight for _, weight in styles)
    blended: dict = {}
    model = network.extractor(layers)
    for image, weight in styles:
        features = model(tf.constant(preprocess(resize_longest(image, side))[None]))
        for name in layers:
            gram = gram_matrix(features[name][0]) * (weight / total)
            blended[name] = blended[name] + gram if name in blended else gram
    return blended


# The cost model of progress (see _Run): fixed work per iteration, in pixels' worth, and the
# start of a level, in iterations' worth.
_ITERATION_OVERHEAD_PX = 8000
_LEVEL_SETUP_ITERATIONS = 3


class _Run:
    """Book-keeping of one :func:`stylize` call: time, iterations done, history, progress."""

    def __init__(self, options: StyleOptions, on_progress: ProgressFn, pixels: Sequence[int], first_level: int = 0):
        self.options = options
        self.report = on_progress
        self.start = time.perf_counter()
        # Progress counts work, not iterations, so that an estimate of the time left from the
        # fraction done holds: an iteration costs about its level's pixels plus a fixed overhead,
        # and starting a level (style Grams at its size, a new graph) about three iterations more.
        # Measured on 2 CPU cores at 256 and 512 px (bench/eta.py): within 2 % of each level's share.
        self.units = tuple(p + _ITERATION_OVERHEAD_PX for p in pixels)
        costs = [(n + _LEVEL_SETUP_ITERATIONS) * u if n else 0 for n, u in zip(options.iterations, self.units)]
        costs = costs[first_level:]
        self.total_cost = max(1.0, float(sum(costs)))
        self.cost_done = 0.0
        self.level = first_level
        self.level_started = False
        self.done = 0
        self.evaluations = 0
        self.history: list[tuple[float, float, float, float, int]] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def iteration(self, losses: tuple[float, float, float], preview: np.ndarray, message: str) -> None:
        """Record one finished iteration; raise :class:`_Stop` when the time budget is spent."""
        self.done += 1
        setup = 0 if self.level_started else _LEVEL_SETUP_ITERATIONS
        self.level_started = True
        self.cost_done += (1 + setup) * self.units[self.level]
        elapsed = self.elapsed()
        self.history.append((elapsed, *losses, self.evaluations))
        self.report(min(0.99, self.cost_done / self.total_cost), message, preview)
        if elapsed > self.options.time_budget_s:
            raise _Stop()


def _default_layer_weights(network: FeatureNetwork, layers) -> tuple[float, ...]:
    """The network's tuned weights when its default layers are used, else equal weights."""
    if tuple(layers) == tuple(network.style_layers):
        return tuple(network.style_layer_weights)
    return (1.0,) * len(layers)


def _optimise_level(run: _Run, network, styles, start_image, level_content, message: str, *, iterations: int):
    """L-BFGS-B on one scale from ``start_image``; returns ``(image, stopped_early)``."""
    from scipy.optimize import Bounds, minimize

    options = run.options
    shape = start_image.shape
    layers = options.style_layers or network.style_layers
    grams = style_grams(network, styles, max(shape[:2]), layers)
    objective = _Objective(network, options, preprocess(level_content), grams)
    # Optimise z = x / scale. L-BFGS-B's first step has unit length; over N pixel values in
    # caffe units that is a change float32 losses cannot see, and it stops at once. With
    # scale = 2·sqrt(N) the first step moves each value by about 2 of 255.
    scale = 1.0 if options.optimizer == "adam" else 2.0 * np.sqrt(float(np.prod(shape)))
    low = np.broadcast_to(preprocess(np.zeros(3, np.float32)), shape).ravel().astype(np.float64) / scale
    high = np.broadcast_to(preprocess(np.ones(3, np.float32)), shape).ravel().astype(np.float64) / scale
    best: dict[str, Any] = {"z": preprocess(np.clip(start_image, 0, 1)).ravel().astype(np.float64) / scale, "losses": (np.nan,) * 3}

    def image_of(z):
        return (z * scale).reshape(shape).astype(np.float32)

    def fun(z):
        run.evaluations += 1
        total, s_loss, c_loss, grad = objective(image_of(z))
        best["losses"] = (total, s_loss, c_loss)
        return total, grad.ravel().astype(np.float64) * scale

    def callback(z):
        best["z"] = np.array(z, copy=True)
        run.iteration(best["losses"], deprocess(image_of(z)), message)

    stopped = False
    try:
        if iterations > 0 and options.optimizer == "adam":
            _adam(fun, callback, best["z"], low, high, iterations, options.learning_rate * 255.0)
        elif iterations > 0:
            minimize(fun, best["z"], jac=True, method="L-BFGS-B", bounds=Bounds(low, high), callback=callback,
                     options={"maxiter": iterations, "maxcor": 20, "ftol": 0.0, "gtol": 0.0})
    except _Stop:
        stopped = True
    return deprocess(image_of(best["z"])), stopped


def _adam(fun, callback, x, low, high, steps: int, learning_rate: float) -> None:
    """Plain Adam (Kingma & Ba; β1 0.9, β2 0.999) on the pixels, clipped to the pixel range after each step."""
    x = x.copy()
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        _, grad = fun(x)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        step = learning_rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        x = np.clip(x - step, low, high)
        callback(x)


def stylize(
    content: np.ndarray,
    styles: Sequence[tuple[np.ndarray, float]],
    *,
    network: FeatureNetwork,
    options: StyleOptions = StyleOptions(),
    on_progress: ProgressFn | None = None,
    resume_from: tuple[np.ndarray, int] | None = None,
) -> StyleResult:
    """Repaint ``content`` with the brushwork of ``styles``.

    Args:
        content: float32 ``(H, W, 3)`` photo in [0, 1]; not modified.
        styles: ``[(style_image, weight), …]``; weights blend the styles' textures.
        network: a :class:`~assistant.style.features.FeatureNetwork` (shared, read-only).
        options: :class:`StyleOptions`.
        on_progress: ``on_progress(fraction, message, preview)`` after every
            iteration; raise :class:`~assistant.base.Cancelled` in it to stop.
        resume_from: ``(image, level)`` to continue a run that hit the time budget
            (:attr:`StyleResult.stopped_at_level`): level ``level`` (1-based) starts again from
            ``image``, the levels before it are not redone.

    Returns:
        A :class:`StyleResult` at the content's size.

    Raises:
        ValueError: bad options, images or layers. Cancelled: stopped by the callback.
    """
    import cv2

    options.validate()
    if not styles:
        raise ValueError("Expected at least one style image. Received: styles=[]")
    if any(weight <= 0 for _, weight in styles):
        raise ValueError(f"Expected positive style weights. Received: {[w for _, w in styles]}")
    for image in [content, *(s for s, _ in styles)]:
        check_image(image, "content and style images", min_side=1)
    rng = np.random.default_rng(options.seed)
    work = resize_longest(content, options.max_side)
    height, width = work.shape[:2]
    sizes = [(max(16, round(width * scale)), max(16, round(height * scale))) for scale in options.scales]
    first = 0
    if resume_from is not None:
        first = resume_from[1] - 1
        if not 0 <= first < len(sizes):
            raise ValueError(f"Expected a level to resume from 1 to {len(sizes)}. Received: {resume_from[1]}")
        check_image(resume_from[0], "the picture to resume from", min_side=1)
    run = _Run(options, on_progress or no_progress, [w * h for w, h in sizes], first)
    current: np.ndarray | None = None
    stopped_early, stopped_at = False, 0
    run.report(0.0, f"Loading the style ({network.name})", None)
    for level, (size, iterations) in enumerate(zip(sizes, options.iterations)):
        if level < first:
            continue
        run.level, run.level_started = level, False
        level_content = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
        if level == first and resume_from is not None:
            start_image = np.clip(cv2.resize(resume_from[0], size, interpolation=cv2.INTER_AREA), 0.0, 1.0)
        elif current is None:
            noise = rng.uniform(-options.init_noise, options.init_noise, level_content.shape) if options.init_noise else 0
            start_image = np.clip(level_content + noise, 0.0, 1.0).astype(np.float32)
        else:
            start_image = upsample_with_detail(current, level_content)
        message = f"Level {level + 1}/{len(options.scales)} at {size[0]}×{size[1]} px"
        current, stopped_early = _optimise_level(run, network, styles, start_image, level_content, message,
                                                 iterations=iterations)
        if stopped_early:
            stopped_at = level + 1
            break

    assert current is not None  # the loop runs at least the level it resumes from
    image = cv2.resize(current, (content.shape[1], content.shape[0]), interpolation=cv2.INTER_CUBIC)
    image = np.clip(image, 0.0, 1.0).astype(np.float32)
    if options.preserve_colors:
        image = preserve_colors(image, content)
    run.report(1.0, "Done", image)
    return StyleResult(
        image=image,
        network=network.name,
        network_description=network.description,
        history=tuple(run.history),
        elapsed_s=run.elapsed(),
        stopped_early=stopped_early,
        options=options,
        weights=tuple(float(w) for _, w in styles),
        stopped_at_level=stopped_at,
    )


def upsample_with_detail(coarse: np.ndarray, fine_content: np.ndarray) -> np.ndarray:
    """Enlarge a coarse level's result and add back the photo detail it could not hold.

    A plain enlargement is blurred, and the edge-sensitive content layer punishes blur
    hard. Adding the photo's own band between the two sizes keeps eyes and edges sharp;
    at 256 px the full-size level then starts at loss 4.49 instead of 5.11 and ends at
    1.00 instead of 1.10 (``bench/RESULTS.md``).
    """
    import cv2

    height, width = fine_content.shape[:2]
    coarse_size = (coarse.shape[1], coarse.shape[0])
    enlarged = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    photo_band = fine_content - cv2.resize(
        cv2.resize(fine_content, coarse_size, interpolation=cv2.INTER_AREA), (width, height), interpolation=cv2.INTER_CUBIC
    )
    return np.clip(enlarged + photo_band, 0.0, 1.0).astype(np.float32)
