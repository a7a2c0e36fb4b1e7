"""The learned stroke renderer: stroke shape parameters → stroke coverage map.

A small Keras network imitates the procedural brush (:mod:`assistant.strokes.brush`) on a
square frame. Being a network, it is differentiable with respect to the stroke's
control points and widths, which is what lets the painter refine strokes by
gradient descent. Colour is applied outside the network (``canvas += a (c - canvas)``).

The network draws the stroke in a canonical pose (see :class:`RendererConfig`) and
predicts the procedural brush's signed field (radius minus distance,
in pixels, clipped to ``±field_clip``); coverage is ``clip(field + 0.5, 0, 1)``.
The trained weights live in ``models/`` next to a JSON manifest holding their
sha256, the architecture config, the stroke layout version, the training data
recipe and the held-out accuracy; :func:`load_renderer` checks all of it.

TensorFlow is imported only when a network is built.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..models import configure_threads, load_once, sha256_file
from .brush import SHAPE_LAYOUT

#: A TensorFlow tensor (TensorFlow ships no type information that mypy reads).
Tensor = Any

__all__ = [
    "RendererConfig",
    "RendererFileError",
    "LearnedRenderer",
    "build_renderer",
    "load_renderer",
    "default_model_dir",
    "psnr",
]

MANIFEST_NAME = "stroke_renderer.json"
WEIGHTS_NAME = "stroke_renderer.weights.h5"


class RendererFileError(ValueError):
    """The renderer's model files are missing, altered or do not match this code."""


@dataclass(frozen=True)
class RendererConfig:
    """Architecture of the learned renderer (stored in the manifest).

    The network draws every stroke in a *canonical pose* (chord centred and
    horizontal), so it only has to learn the stroke's shape from five numbers
    (chord length, control point relative to the chord, two widths); an exact
    rotation and translation then places the predicted field in the frame by
    bilinear sampling. This removes three of the eight degrees of freedom from
    what must be learned, which is what makes an accurate renderer trainable on a
    CPU in under an hour.

    Attributes:
        size: side of the square output frame in pixels.
        canonical_size: side of the canonical (pose-free) field the network draws.
        extent: the canonical field covers [-extent, extent]² in frame units.
        field_clip: the predicted field is clipped to ±this many pixels.
        dense_units: widths of the fully connected stem.
        base_channels: channels of the first feature map (canonical_size / 4 per side).
        conv_channels: channels of the two conv blocks (each followed by a ×2 upsampling).
        layout_version: version of :data:`assistant.strokes.brush.SHAPE_LAYOUT` it was built for.
    """

    size: int = 64
    canonical_size: int = 64
    extent: float = 0.9
    field_clip: float = 4.0
    dense_units: tuple[int, ...] = (512, 1024)
    base_channels: int = 16
    conv_channels: tuple[int, int] = (32, 16)
    layout_version: int = SHAPE_LAYOUT.version

    def validate(self) -> RendererConfig:
        if self.canonical_size % 4 or self.canonical_size < 8:
            raise ValueError(f"Expected canonical_size a multiple of 4, >= 8. Received: canonical_size={self.canonical_size}")
        if self.size < 8:
            raise ValueError(f"Expected size >= 8. Received: size={self.size}")
        if not 0.5 <= self.extent <= 2.0:
            raise ValueError(f"Expected 0.5 <= extent <= 2. Received: extent={self.extent}")
        if self.field_clip <= 0.5:
            raise ValueError(f"Expected field_clip > 0.5. Received: field_clip={self.field_clip}")
        if not self.dense_units or min(self.dense_units) < 1 or min(self.conv_channels) < 1 or len(self.conv_channels) != 2:
            raise ValueError(f"Expected positive layer widths. Received: {self.dense_units}, {self.conv_channels}")
        return self

    def to_dict(self) -> dict:
        out = asdict(self)
        out["dense_units"] = list(self.dense_units)
        out["conv_channels"] = list(self.conv_channels)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> RendererConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RendererFileError(f"Expected a renderer config. Received unknown keys: {', '.join(unknown)}")
        values = dict(data)
        for key in ("dense_units", "conv_channels"):
            if key in values:
                values[key] = tuple(int(v) for v in values[key])
        try:
            return cls(**values).validate()
        except (TypeError, ValueError) as exc:
            raise RendererFileError(f"Renderer config not usable: {exc}") from exc


def build_renderer(config: RendererConfig | None = None, *, weights: str | Path | None = None):
    """Build the renderer network.

    Args:
        config: architecture; default :class:`RendererConfig`.
        weights: ``None`` (random init, for tests and training) or a ``.weights.h5``
            path (no check here; :func:`load_renderer` checks the manifest).

    Returns:
        A ``keras.Model`` mapping (N, 8) shape vectors in :data:`SHAPE_LAYOUT` to
        (N, size, size) fields scaled to [-1, 1] (multiply by ``field_clip`` for px).
    """
    config = (config or RendererConfig()).validate()
    configure_threads()
    import keras
    from keras import layers

    canonicalize, place, depth_to_space = _custom_layers()
    inputs = keras.Input((len(SHAPE_LAYOUT),), name="shape")
    canonical, pose = canonicalize(name="canonical_pose")(inputs)
    # Centre the canonical parameters (lengths and widths live in [0, 1.3]).
    x = layers.Rescaling(2.0, offset=-1.0, name="centre")(canonical)
    for i, units in enumerate(config.dense_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i + 1}")(x)
    g, c = config.canonical_size // 4, config.base_channels
    x = layers.Dense(g * g * c, activation="relu", name="dense_grid")(x)
    x = layers.Reshape((g, g, c), name="grid")(x)
    for level, channels in enumerate(config.conv_channels):
        x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv_{level + 1}a")(x)
        x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv_{level + 1}b")(x)
        # Sub-pixel upsampling: sharp edges without checkerboard artefacts.
        x = depth_to_space(2, name=f"upsample_{level + 1}")(x)
    x = layers.Conv2D(1, 3, padding="same", name="field")(x)
    field = layers.Reshape((config.canonical_size, config.canonical_size), name="canonical_field")(x)
    outputs = place(config.size, config.extent, name="frame")([field, pose])
    model = keras.Model(inputs, outputs, name="stroke_renderer")
    if weights is not None:
        model.load_weights(str(weights))
    return model


def _custom_layers():
    """The three custom layers, built lazily so that importing this module stays light."""
    return _canonical_pose_layer(), _place_field_layer(), _depth_to_space_layer()


def _canonical_pose_layer():
    import keras
    import tensorflow as tf

    ix = {name: SHAPE_LAYOUT.index(name) for name in SHAPE_LAYOUT.fields}

    class CanonicalPose(keras.layers.Layer):
        """(N, 8) shapes → canonical (length, control along, control across, w0, w1) and pose (cx, cy, cos, sin)."""

        def call(self, shapes):
            def point(i):
                return tf.stack([shapes[:, ix[f"x{i}"]], shapes[:, ix[f"y{i}"]]], axis=1)

            p0, p1, p2 = point(0), point(1), point(2)
            centre = 0.5 * (p0 + p2)
            chord = p2 - p0
            length = tf.sqrt(tf.reduce_sum(chord * chord, axis=1) + 1e-8)
            cos, sin = chord[:, 0] / length, chord[:, 1] / length
            q = p1 - centre
            along = q[:, 0] * cos + q[:, 1] * sin
            across = -q[:, 0] * sin + q[:, 1] * cos
            canonical = tf.stack([length, along, across, shapes[:, ix["w0"]], shapes[:, ix["w1"]]], axis=1)
            pose = tf.stack([centre[:, 0], centre[:, 1], cos, sin], axis=1)
            return canonical, pose

        def compute_output_shape(self, shape):
            return (shape[0], 5), (shape[0], 4)

    return CanonicalPose


def _bilinear(field, gx, gy):
    """TensorFlow: sample ``field`` (N, C, C) at canonical-grid positions; outside is ``-1`` (no stroke)."""
    import tensorflow as tf

    n_canon = tf.shape(field)[1]
    x0, y0 = tf.floor(gx), tf.floor(gy)
    ax, ay = gx - x0, gy - y0
    padded = tf.pad(field, [[0, 0], [1, 1], [1, 1]], constant_values=-1.0)
    top = tf.cast(n_canon + 1, field.dtype)

    def at(yy, xx):
        yi = tf.cast(tf.clip_by_value(yy + 1, 0, top), tf.int32)
        xi = tf.cast(tf.clip_by_value(xx + 1, 0, top), tf.int32)
        return tf.gather_nd(padded, tf.stack([yi, xi], axis=-1), batch_dims=1)

    return (
        at(y0, x0) * (1 - ax) * (1 - ay)
        + at(y0, x0 + 1) * ax * (1 - ay)
        + at(y0 + 1, x0) * (1 - ax) * ay
        + at(y0 + 1, x0 + 1) * ax * ay
    )


def _place_field_layer():
    import keras
    import tensorflow as tf

    class PlaceField(keras.layers.Layer):
        """Rotate and translate the canonical field into the frame (bilinear, differentiable)."""

        def __init__(self, size: int, extent: float, **kwargs):
            super().__init__(**kwargs)
            self.size = size
            self.extent = extent

        def call(self, inputs):
            field, pose = inputs
            c = tf.cast(tf.shape(field)[1], field.dtype)
            centres = (tf.range(self.size, dtype=field.dtype) + 0.5) / self.size
            py, px = tf.meshgrid(centres, centres, indexing="ij")
            cx, cy, cos, sin = (tf.reshape(pose[:, k], (-1, 1, 1)) for k in range(4))
            dx, dy = px[None] - cx, py[None] - cy
            u = dx * cos + dy * sin
            v = -dx * sin + dy * cos
            gx = (u + self.extent) / (2 * self.extent) * c - 0.5
            gy = (v + self.extent) / (2 * self.extent) * c - 0.5
            return _bilinear(field, gx, gy)

        def compute_output_shape(self, shapes):
            return (shapes[0][0], self.size, self.size)

        def get_config(self):
            return {**super().get_config(), "size": self.size, "extent": self.extent}

    return PlaceField


def _depth_to_space_layer():
    import keras
    import tensorflow as tf

    class DepthToSpace(keras.layers.Layer):
        def __init__(self, block: int, **kwargs):
            super().__init__(**kwargs)
            self.block = block

        def call(self, x):
            return tf.nn.depth_to_space(x, self.block)

        def compute_output_shape(self, shape):
            b = self.block
            return (shape[0], shape[1] * b, shape[2] * b, shape[3] // (b * b))

        def get_config(self):
            return {**super().get_config(), "block": self.block}

    return DepthToSpace


def psnr(predicted: np.ndarray, reference: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of coverage maps in [0, 1], pooled over all."""
    mse = float(np.mean((np.asarray(predicted, np.float64) - np.asarray(reference, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def default_model_dir() -> Path:
    """``$PAINTING_ASSISTANT_MODELS`` if set, else ``models/`` of this repository."""
    import os

    folder = os.environ.get("PAINTING_ASSISTANT_MODELS")
    return Path(folder) if folder else Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class LearnedRenderer:
    """A loaded renderer with its manifest.

    Attributes:
        model: the Keras model (read-only use; share it freely).
        config: its architecture.
        manifest: the checked manifest (training recipe, held-out accuracy …).
    """

    model: Any  # a keras.Model (Keras has no type information)
    config: RendererConfig
    manifest: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.config.size

    def describe(self) -> str:
        """One line for users: which renderer, and how well it matches the brush."""
        held = self.manifest.get("held_out", {})
        score = f", held-out PSNR {held['psnr_db']} dB" if "psnr_db" in held else " (untrained)"
        return f"learned stroke renderer {self.size}×{self.size} px, layout v{self.config.layout_version}{score}"

    def field_px(self, shapes: Tensor) -> Tensor:
        """TensorFlow: (N, 8) → predicted field in pixels, (N, size, size)."""
        return self.model(shapes, training=False) * self.config.field_clip

    def alpha(self, shapes: Tensor, *, softness: float = 1.0) -> Tensor:
        """TensorFlow: coverage in [0, 1]; ``softness`` > 1 widens the edge for smoother gradients."""
        import tensorflow as tf

        return tf.clip_by_value(self.field_px(shapes) / softness + 0.5, 0.0, 1.0)

    def render(self, shapes: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
        """NumPy: (N, 8) or (8,) shape vectors → float32 coverage maps."""
        arr = np.asarray(shapes, dtype=np.float32)
        single = arr.ndim == 1
        arr = arr.reshape(-1, len(SHAPE_LAYOUT))
        out = [np.asarray(self.alpha(arr[i : i + batch_size])) for i in range(0, len(arr), batch_size)]
        maps = np.concatenate(out) if out else np.zeros((0, self.size, self.size), np.float32)
        return maps[0] if single else maps


def load_renderer(model_dir: str | Path | None = None) -> LearnedRenderer:
    """Load the trained renderer after checking its manifest.

    Args:
        model_dir: folder holding ``stroke_renderer.json`` and the weights file
            (default: this repository's ``models/``).

    Returns:
        A :class:`LearnedRenderer`.

    Raises:
        RendererFileError: missing files, a sha256 mismatch, a stroke layout or
            architecture this code does not know.
    """
    folder = Path(model_dir) if model_dir is not None else default_model_dir()
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        raise RendererFileError(f"No stroke renderer manifest at {manifest_path}; train one with scripts/train_renderer.py")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RendererFileError(f"Unreadable renderer manifest {manifest_path}: {exc}") from exc
    for key in ("weights", "sha256", "architecture", "layout"):
        if key not in manifest:
            raise RendererFileError(f"Renderer manifest {manifest_path} lacks {key!r}")
    layout = manifest["layout"]
    if layout.get("version") != SHAPE_LAYOUT.version or list(layout.get("fields", [])) != list(SHAPE_LAYOUT.fields):
        raise RendererFileError(
            f"Renderer was trained for stroke layout v{layout.get('version')}, this code uses v{SHAPE_LAYOUT.version}; retrain it"
        )
    config = RendererConfig.from_dict(manifest["architecture"])
    weights_path = folder / manifest["weights"]
    if not weights_path.is_file():
        raise RendererFileError(f"Renderer weights missing: {weights_path}")
    stats = [(p.stat().st_size, p.stat().st_mtime_ns) for p in (manifest_path, weights_path)]

    def build() -> LearnedRenderer:
        actual = sha256_file(weights_path)
        if actual != manifest["sha256"]:
            raise RendererFileError(
                f"Renderer weights {weights_path.name} do not match the manifest (sha256 {actual[:12]}…)"
            )
        model = build_renderer(config, weights=weights_path)
        model.trainable = False
        return LearnedRenderer(model=model, config=config, manifest=manifest)

    # Once per process and files; replaced files (new size or time) are checked and loaded again.
    return load_once(("renderer", str(folder.resolve()), *stats), build)
