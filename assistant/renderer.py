"""The learned stroke renderer: stroke shape parameters → stroke coverage map.

A small Keras network imitates the procedural brush (:mod:`assistant.strokes`) on a
square frame. Being a network, it is differentiable with respect to the stroke's
control points and widths, which is what lets the painter refine strokes by
gradient descent. Colour is applied outside the network (``canvas += a (c - canvas)``).

The network predicts the procedural brush's signed field (radius minus distance,
in pixels, clipped to ``±field_clip``); coverage is ``clip(field + 0.5, 0, 1)``.
The trained weights live in ``models/`` next to a JSON manifest holding their
sha256, the architecture config, the stroke layout version, the training data
recipe and the held-out accuracy; :func:`load_renderer` checks all of it.

TensorFlow is imported only when a network is built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .strokes import SHAPE_LAYOUT

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

    Attributes:
        size: side of the square output frame in pixels.
        field_clip: the predicted field is clipped to ±this many pixels.
        dense_units: widths of the fully connected stem.
        base_grid: side of the first feature map (size must be base_grid · 4).
        base_channels: channels of that map.
        conv_channels: channels of the conv blocks at base_grid and 2 · base_grid.
        layout_version: version of :data:`assistant.strokes.SHAPE_LAYOUT` it was built for.
    """

    size: int = 64
    field_clip: float = 4.0
    dense_units: tuple[int, ...] = (512, 1024)
    base_grid: int = 16
    base_channels: int = 16
    conv_channels: tuple[int, int] = (32, 16)
    layout_version: int = SHAPE_LAYOUT.version

    def validate(self) -> "RendererConfig":
        if self.size != self.base_grid * 4:
            raise ValueError(f"Expected size == 4 * base_grid. Received: size={self.size}, base_grid={self.base_grid}")
        if self.field_clip <= 0.5:
            raise ValueError(f"Expected field_clip > 0.5. Received: field_clip={self.field_clip}")
        if not self.dense_units or min(self.dense_units) < 1 or min(self.conv_channels) < 1:
            raise ValueError(f"Expected positive layer widths. Received: {self.dense_units}, {self.conv_channels}")
        return self

    def to_json(self) -> dict:
        out = asdict(self)
        out["dense_units"] = list(self.dense_units)
        out["conv_channels"] = list(self.conv_channels)
        return out

    @classmethod
    def from_json(cls, data: dict) -> "RendererConfig":
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise RendererFileError(f"Expected a renderer config. Received unknown keys: {', '.join(unknown)}")
        values = dict(data)
        for key in ("dense_units", "conv_channels"):
            if key in values:
                values[key] = tuple(int(v) for v in values[key])
        return cls(**values).validate()


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
    import keras
    from keras import layers

    inputs = keras.Input((len(SHAPE_LAYOUT),), name="shape")
    # Centre the inputs: frame coordinates and widths live in [0, 1].
    x = layers.Rescaling(2.0, offset=-1.0, name="centre")(inputs)
    for i, units in enumerate(config.dense_units):
        x = layers.Dense(units, activation="relu", name=f"dense_{i + 1}")(x)
    g, c = config.base_grid, config.base_channels
    x = layers.Dense(g * g * c, activation="relu", name="dense_grid")(x)
    x = layers.Reshape((g, g, c), name="grid")(x)
    for level, channels in enumerate(config.conv_channels):
        x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv_{level + 1}a")(x)
        x = layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv_{level + 1}b")(x)
        # Sub-pixel upsampling: sharp edges without checkerboard artefacts.
        x = _DepthToSpace(2, name=f"upsample_{level + 1}")(x)
    x = layers.Conv2D(1, 3, padding="same", name="field")(x)
    outputs = layers.Reshape((config.size, config.size), name="frame")(x)
    model = keras.Model(inputs, outputs, name="stroke_renderer")
    if weights is not None:
        model.load_weights(str(weights))
    return model


def _depth_to_space_layer():
    import keras

    class DepthToSpace(keras.layers.Layer):
        def __init__(self, block: int, **kwargs):
            super().__init__(**kwargs)
            self.block = block

        def call(self, x):
            import tensorflow as tf

            return tf.nn.depth_to_space(x, self.block)

        def compute_output_shape(self, shape):
            b = self.block
            return (shape[0], shape[1] * b, shape[2] * b, shape[3] // (b * b))

        def get_config(self):
            return {**super().get_config(), "block": self.block}

    return DepthToSpace


def _DepthToSpace(block: int, **kwargs):
    return _depth_to_space_layer()(block, **kwargs)


def psnr(predicted: np.ndarray, reference: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of coverage maps in [0, 1], pooled over all."""
    mse = float(np.mean((np.asarray(predicted, np.float64) - np.asarray(reference, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def default_model_dir() -> Path:
    """``$PAINTING_ASSISTANT_MODELS`` if set, else ``models/`` of this repository."""
    import os

    folder = os.environ.get("PAINTING_ASSISTANT_MODELS")
    return Path(folder) if folder else Path(__file__).resolve().parent.parent / "models"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class LearnedRenderer:
    """A loaded renderer with its manifest.

    Attributes:
        model: the Keras model (read-only use; share it freely).
        config: its architecture.
        manifest: the checked manifest (training recipe, held-out accuracy …).
    """

    model: object
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

    def field_px(self, shapes):
        """TensorFlow: (N, 8) → predicted field in pixels, (N, size, size)."""
        return self.model(shapes, training=False) * self.config.field_clip

    def alpha(self, shapes, *, softness: float = 1.0):
        """TensorFlow: coverage in [0, 1]; ``softness`` > 1 widens the edge for smoother gradients."""
        import tensorflow as tf

        return tf.clip_by_value(self.field_px(shapes) / softness + 0.5, 0.0, 1.0)

    def render(self, shapes, *, batch_size: int = 256) -> np.ndarray:
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
        raise RendererFileError(f"Unreadable renderer manifest {manifest_path}: {exc}") from None
    for key in ("weights", "sha256", "architecture", "layout"):
        if key not in manifest:
            raise RendererFileError(f"Renderer manifest {manifest_path} lacks {key!r}")
    layout = manifest["layout"]
    if layout.get("version") != SHAPE_LAYOUT.version or list(layout.get("fields", [])) != list(SHAPE_LAYOUT.fields):
        raise RendererFileError(
            f"Renderer was trained for stroke layout v{layout.get('version')}, this code uses v{SHAPE_LAYOUT.version}; retrain it"
        )
    config = RendererConfig.from_json(manifest["architecture"])
    weights_path = folder / manifest["weights"]
    if not weights_path.is_file():
        raise RendererFileError(f"Renderer weights missing: {weights_path}")
    actual = sha256_file(weights_path)
    if actual != manifest["sha256"]:
        raise RendererFileError(f"Renderer weights {weights_path.name} do not match the manifest (sha256 {actual[:12]}…)")
    model = build_renderer(config, weights=weights_path)
    model.trainable = False
    return LearnedRenderer(model=model, config=config, manifest=manifest)
