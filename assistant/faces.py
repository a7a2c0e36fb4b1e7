"""Faces and their landmarks, found offline: MTCNN, three small networks in a cascade.

MTCNN (Zhang et al. 2016, "Joint face detection and alignment using multitask cascaded
convolutional networks"):

* **P-Net** (proposal) slides a 12 px window, 2 px apart, over an image pyramid (each level
  0.709 of the one before, the first one making the smallest face wanted 12 px) and proposes
  boxes;
* **R-Net** (refine) looks at every proposal at 24×24, moves its box and rejects most;
* **O-Net** (output) looks at the survivors at 48×48 and gives the final box, a confidence and
  five landmarks: both eyes, the nose and the mouth corners.

Overlapping boxes are suppressed after every stage (a box is dropped when a better-scoring
one overlaps it too much). The weights are the MIT-licensed ones shipped in the ``mtcnn``
1.0.0 wheel on PyPI (Iván de Paz Centeno), converted once by
``scripts/convert_face_detector.py`` into ``models/face_detector_{pnet,rnet,onet}.weights.h5``
with the manifest ``models/face_detector.json``, which :func:`load_face_detector` checks. The
cascade keeps that package's conventions (its box regression, thresholds of 0.6 and 0.7, and
suppression in which a box is dropped when any better-scoring box overlaps it), so our
faces agree with it to a fraction of a pixel (the figures are in the manifest).

Photos of any size work: the cascade runs on a copy at most :data:`MAX_SIDE` px on the long
side and the boxes are mapped back. TensorFlow is imported only when the networks are built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import check_image, check_number
from .models import architecture_summary, configure_threads, load_once, sha256_file

__all__ = [
    "LANDMARKS",
    "MAX_SIDE",
    "Face",
    "FaceDetector",
    "FaceDetectorFileError",
    "build_onet",
    "build_pnet",
    "build_rnet",
    "load_face_detector",
]

MANIFEST_NAME = "face_detector.json"
#: The three networks' weights files, by network.
WEIGHTS = {"pnet": "face_detector_pnet.weights.h5", "rnet": "face_detector_rnet.weights.h5",
           "onet": "face_detector_onet.weights.h5"}
#: The small reference (an image and the faces in it) the round-trip test checks a load against.
REFERENCE_NAME = "face_detector_reference.npz"
#: The five landmarks, in O-Net's order. "left" and "right" are as seen in the picture:
#: ``left_eye`` is the eye nearer the picture's left edge.
LANDMARKS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
#: The cascade runs on a copy at most this many pixels on the long side.
MAX_SIDE = 1024
#: P-Net's window (px) and its step (px) on each pyramid level.
_CELL, _STEP = 12, 2
#: Each pyramid level is this fraction of the one before (MTCNN's).
_PYRAMID_FACTOR = 0.709
#: Proposals kept from P-Net and R-Net (MTCNN's thresholds); O-Net's is the caller's ``threshold``.
_PNET_THRESHOLD, _RNET_THRESHOLD = 0.6, 0.7
#: Overlap above which the weaker box goes: P-Net within a level, P-Net across levels, R-Net, O-Net.
_NMS_LEVEL, _NMS_PYRAMID, _NMS_RNET, _NMS_ONET = 0.5, 0.7, 0.7, 0.7
#: Boxes compared at a time when suppressing (bounds the memory of the overlap matrix).
_NMS_BLOCK = 512


class FaceDetectorFileError(ValueError):
    """The face detector's files are missing, altered or do not match this code."""


@dataclass(frozen=True)
class Face:
    """A face found in a picture.

    Attributes:
        box: ``(x, y, width, height)`` in the given image's pixels (x to the right, y down),
            inside the image.
        confidence: O-Net's probability that the box holds a face, 0–1.
        landmarks: :data:`LANDMARKS` → ``(x, y)`` in the image's pixels: ``left_eye``,
            ``right_eye``, ``nose``, ``mouth_left``, ``mouth_right`` ("left" = nearer the
            picture's left edge).
    """

    box: tuple[float, float, float, float]
    confidence: float
    landmarks: dict[str, tuple[float, float]]

    def as_dict(self) -> dict:
        """JSON-ready: the box and landmarks to 0.01 px, the confidence to 4 decimals."""
        return {"box": [round(float(v), 2) for v in self.box], "confidence": round(float(self.confidence), 4),
                "landmarks": {name: [round(float(x), 2), round(float(y), 2)] for name, (x, y) in self.landmarks.items()}}


# --- the networks ---------------------------------------------------------------------------------


def _prelu(layers, name: str, *, spatial: bool = True):
    return layers.PReLU(shared_axes=[1, 2] if spatial else None, name=name)


def build_pnet():
    """P-Net: ``image (1, H, W, 3), normalised → box offsets (1, h, w, 4), face/not-face (1, h, w, 2)``.

    Fully convolutional: ``h, w`` are about ``(H - 10) / 2`` and ``(W - 10) / 2``, one cell per
    12 px window, 2 px apart. Normalised means ``(255 × pixel − 127.5) / 128``.
    """
    import keras

    layers = keras.layers
    image = keras.Input((None, None, 3), name="image")
    x = _prelu(layers, "prelu1")(layers.Conv2D(10, 3, name="conv1")(image))
    x = layers.MaxPooling2D(2, 2, padding="same", name="pool1")(x)
    x = _prelu(layers, "prelu2")(layers.Conv2D(16, 3, name="conv2")(x))
    x = _prelu(layers, "prelu3")(layers.Conv2D(32, 3, name="conv3")(x))
    box = layers.Conv2D(4, 1, name="box")(x)
    face = layers.Conv2D(2, 1, activation="softmax", name="face")(x)
    return keras.Model(image, [box, face], name="face_pnet")


def _head(layers, x, units: int, name: str):
    """The dense end of R-Net and O-Net: the feature map read column by column, a dense layer, PReLU."""
    x = layers.Permute((2, 1, 3), name="columns_first")(x)  # the original (Caffe) flattening order
    x = layers.Flatten(name="flatten")(x)
    return _prelu(layers, f"prelu_{name}", spatial=False)(layers.Dense(units, name=name)(x))


def build_rnet():
    """R-Net: ``crops (B, 24, 24, 3), normalised → box offsets (B, 4), face/not-face (B, 2)``."""
    import keras

    layers = keras.layers
    crops = keras.Input((24, 24, 3), name="crops")
    x = _prelu(layers, "prelu1")(layers.Conv2D(28, 3, name="conv1")(crops))
    x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
    x = _prelu(layers, "prelu2")(layers.Conv2D(48, 3, name="conv2")(x))
    x = layers.MaxPooling2D(3, 2, name="pool2")(x)
    x = _prelu(layers, "prelu3")(layers.Conv2D(64, 2, name="conv3")(x))
    x = _head(layers, x, 128, "fc4")
    box = layers.Dense(4, name="box")(x)
    face = layers.Dense(2, activation="softmax", name="face")(x)
    return keras.Model(crops, [box, face], name="face_rnet")


def build_onet():
    """O-Net: ``crops (B, 48, 48, 3), normalised → box offsets (B, 4), landmarks (B, 10), face/not-face (B, 2)``.

    Landmarks are fractions of the crop: five x values, then five y values, in :data:`LANDMARKS` order.
    """
    import keras

    layers = keras.layers
    crops = keras.Input((48, 48, 3), name="crops")
    x = _prelu(layers, "prelu1")(layers.Conv2D(32, 3, name="conv1")(crops))
    x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
    x = _prelu(layers, "prelu2")(layers.Conv2D(64, 3, name="conv2")(x))
    x = layers.MaxPooling2D(3, 2, name="pool2")(x)
    x = _prelu(layers, "prelu3")(layers.Conv2D(64, 3, name="conv3")(x))
    x = layers.MaxPooling2D(2, 2, padding="same", name="pool3")(x)
    x = _prelu(layers, "prelu4")(layers.Conv2D(128, 2, name="conv4")(x))
    x = _head(layers, x, 256, "fc5")
    box = layers.Dense(4, name="box")(x)
    landmarks = layers.Dense(10, name="landmarks")(x)
    face = layers.Dense(2, activation="softmax", name="face")(x)
    return keras.Model(crops, [box, landmarks, face], name="face_onet")


BUILDERS = {"pnet": build_pnet, "rnet": build_rnet, "onet": build_onet}


# --- the cascade ----------------------------------------------------------------------------------


def _normalised(image: np.ndarray) -> np.ndarray:
    """Pixels in 0–1 → the networks' input, ``(255 × pixel − 127.5) / 128`` (MTCNN's)."""
    return ((np.clip(image, 0.0, 1.0) * 255.0 - 127.5) / 128.0).astype(np.float32)


def _pyramid(height: int, width: int, min_face_px: float) -> list[float]:
    """Scales at which P-Net's 12 px window sees faces from ``min_face_px`` up to the whole picture."""
    first, scales = _CELL / min_face_px, []
    while int(min(height, width) * first * _PYRAMID_FACTOR ** len(scales)) >= _CELL:
        scales.append(first * _PYRAMID_FACTOR ** len(scales))
    return scales


def _by_score(boxes: np.ndarray, *rest: np.ndarray) -> tuple[np.ndarray, ...]:
    """``boxes`` (N, 5: x1, y1, x2, y2, score) and the arrays that go with them, best score first."""
    order = np.argsort(-boxes[:, 4], kind="stable")
    return (boxes[order], *(r[order] for r in rest))


def _suppress(boxes: np.ndarray, threshold: float, *, smaller: bool = False) -> np.ndarray:
    """Indices of the boxes (sorted best first) that no better box overlaps by more than ``threshold``.

    Overlap is intersection over union, or over the smaller box when ``smaller``. As in MTCNN,
    a box is dropped when *any* better box overlaps it, suppressed or not.
    """
    n = len(boxes)
    keep = np.ones(n, bool)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    for start in range(0, n, _NMS_BLOCK):
        stop = min(n, start + _NMS_BLOCK)
        block, earlier = boxes[start:stop, None, :], boxes[None, :stop, :]
        width = np.maximum(0.0, np.minimum(block[..., 2], earlier[..., 2]) - np.maximum(block[..., 0], earlier[..., 0]))
        height = np.maximum(0.0, np.minimum(block[..., 3], earlier[..., 3]) - np.maximum(block[..., 1], earlier[..., 1]))
        inter = width * height
        a, b = area[start:stop, None], area[None, :stop]
        with np.errstate(divide="ignore", invalid="ignore"):
            overlap = inter / (np.minimum(a, b) if smaller else a + b - inter)
        overlap[np.arange(stop)[None, :] >= np.arange(start, stop)[:, None]] = 0.0  # only better boxes count
        keep[start:stop] = ~(overlap > threshold).any(axis=1)
    return np.flatnonzero(keep)


def _squared(boxes: np.ndarray) -> np.ndarray:
    """Boxes made square (the longer side) about the same centre."""
    out = boxes.copy()
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(width, height)
    out[:, 0] += (width - side) / 2
    out[:, 1] += (height - side) / 2
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _moved(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boxes moved by a network's offsets (fractions of the box's side, MTCNN's ``side + 1``)."""
    out = boxes.copy()
    width, height = boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1
    out[:, :4] += offsets.astype(np.float64) * np.stack([width, height, width, height], axis=1)
    return out


def _crop_boxes(boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Boxes as ``tf.image.crop_and_resize`` takes them: ``(y1, x1, y2, x2)`` over the image's side."""
    return (boxes[:, [1, 0, 3, 2]] / np.array([height, width, height, width])).astype(np.float32)


@dataclass(frozen=True)
class FaceDetector:
    """The three networks, loaded once and shared read-only, and where they come from.

    Attributes:
        pnet, rnet, onet: the Keras models (never trained or changed after loading).
        description, provenance: in words, for the page, ``plan.json`` and the project file.
    """

    pnet: object
    rnet: object
    onet: object
    description: str
    provenance: str
    _propose: object = None
    _refine: object = None
    _output: object = None

    def detect(self, image: np.ndarray, *, min_face: float = 0.04, threshold: float = 0.9) -> tuple[Face, ...]:
        """The faces in ``image``, best first.

        Args:
            image: float32 ``(H, W, 3)`` in [0, 1], any size (not modified).
            min_face: the smallest face looked for, as a fraction of the image's short side
                (never below P-Net's 12 px on the copy the cascade sees, at most
                :data:`MAX_SIDE` px long).
            threshold: the least O-Net confidence a face needs (0–1).

        Returns:
            :class:`Face` records sorted by confidence (highest first), then top to bottom and
            left to right. The same image and settings give the same faces.

        Raises:
            ValueError: not an ``(H, W, 3)`` array of real numbers, or a setting out of range.
        """
        import cv2

        check_image(image, "image", min_side=1)
        if not np.issubdtype(image.dtype, np.floating):
            raise ValueError(f"Expected image as floats in [0, 1]. Received: dtype={image.dtype}")
        check_number("min_face", min_face, 0.0, 1.0)
        check_number("threshold", threshold, 0.0, 1.0)
        height, width = image.shape[:2]
        ratio = min(1.0, MAX_SIDE / max(height, width))
        size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        work = np.ascontiguousarray(image, np.float32)
        if size != (width, height):
            work = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
        if not np.isfinite(work).all():
            raise ValueError("Expected image as finite numbers in [0, 1]. Received: NaN or infinity")
        min_face_px = max(float(_CELL), min_face * min(work.shape[:2]))
        boxes, marks = self.run_cascade(work, min_face_px, threshold)
        sx, sy = width / work.shape[1], height / work.shape[0]
        faces = []
        for (x1, y1, x2, y2, score), points in zip(boxes, marks):
            x1, x2 = np.clip([x1 * sx, x2 * sx], 0.0, width)
            y1, y2 = np.clip([y1 * sy, y2 * sy], 0.0, height)
            if x2 - x1 <= 0 or y2 - y1 <= 0:
                continue
            landmarks = {name: (float(np.clip(points[i] * sx, 0.0, width)), float(np.clip(points[5 + i] * sy, 0.0, height)))
                         for i, name in enumerate(LANDMARKS)}
            faces.append(Face((float(x1), float(y1), float(x2 - x1), float(y2 - y1)), float(score), landmarks))
        return tuple(sorted(faces, key=lambda f: (-f.confidence, f.box[1], f.box[0])))

    def run_cascade(self, image: np.ndarray, min_face_px: float, threshold: float, *,
                    scales=None) -> tuple[np.ndarray, np.ndarray]:
        """The raw cascade on ``image`` (float32 ``(H, W, 3)`` in [0, 1], used at its size).

        ``scales`` are the pyramid's levels (default: from ``min_face_px`` down to 12 px on the
        short side); the conversion check passes the original package's.

        Returns:
            ``boxes`` (N, 5: x1, y1, x2, y2, confidence) and ``landmarks`` (N, 10: five x, then
            five y, in :data:`LANDMARKS` order), float64 in the image's pixels, not clipped to it,
            best first. What :meth:`detect` and the conversion check compare.
        """
        import tensorflow as tf

        height, width = image.shape[:2]
        empty = np.zeros((0, 5)), np.zeros((0, 10))
        if min(height, width) < _CELL or min_face_px > min(height, width):
            return empty
        pixels = tf.constant(_normalised(image)[None])
        if scales is None:
            scales = _pyramid(height, width, min_face_px)
        boxes = self._proposals(pixels, height, width, scales)
        if len(boxes):
            offsets, face = (np.asarray(t) for t in self._refine(pixels, tf.constant(_crop_boxes(boxes, height, width))))
            boxes[:, 4] = face[:, 1]
            boxes = _moved(boxes, offsets)[face[:, 1] > _RNET_THRESHOLD]
            (boxes,) = _by_score(boxes)
            boxes = _squared(boxes[_suppress(boxes, _NMS_RNET)])
        if not len(boxes):
            return empty
        offsets, points, face = (np.asarray(t) for t in self._output(pixels, tf.constant(_crop_boxes(boxes, height, width))))
        side_x, side_y = boxes[:, 2:3] - boxes[:, 0:1] + 1, boxes[:, 3:4] - boxes[:, 1:2] + 1
        marks = np.concatenate([side_x * points[:, :5] + boxes[:, 0:1] - 1, side_y * points[:, 5:] + boxes[:, 1:2] - 1],
                               axis=1)
        boxes[:, 4] = face[:, 1]
        boxes = _moved(boxes, offsets)
        kept = face[:, 1] > threshold
        boxes, marks = _by_score(boxes[kept], marks[kept])
        kept = _suppress(boxes, _NMS_ONET, smaller=True)
        return boxes[kept], marks[kept]

    def _proposals(self, pixels, height: int, width: int, scales) -> np.ndarray:
        """P-Net over the pyramid: square boxes (N, 5) in the image's pixels, best first."""
        import tensorflow as tf

        found = []
        for scale in scales:
            size = tf.constant([int(height * scale), int(width * scale)], tf.int32)
            offsets, face = (np.asarray(t)[0] for t in self._propose(pixels, size))
            rows, cols = np.nonzero(face[..., 1] > _PNET_THRESHOLD)
            if not len(rows):
                continue
            # The window over pixels step·col + 1 … step·col + 12 (MTCNN's convention), moved by the
            # offsets as fractions of its 11 px extent, then taken back to the image's pixels.
            reg = offsets[rows, cols].astype(np.float64) * (_CELL - 1)
            x, y = cols * _STEP, rows * _STEP
            boxes = np.stack([x + 1 + reg[:, 0], y + 1 + reg[:, 1], x + _CELL + reg[:, 2], y + _CELL + reg[:, 3]],
                             axis=1) / scale
            (boxes,) = _by_score(np.concatenate([boxes, face[rows, cols, 1:2].astype(np.float64)], axis=1))
            found.append(boxes[_suppress(boxes, _NMS_LEVEL)])
        if not found:
            return np.zeros((0, 5))
        (boxes,) = _by_score(np.concatenate(found))
        return _squared(boxes[_suppress(boxes, _NMS_PYRAMID)])


# --- the model files ------------------------------------------------------------------------------


def default_model_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "models"


def _manifest(folder: Path) -> dict:
    path = folder / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FaceDetectorFileError(f"The face detector is not installed ({path} cannot be read).") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise FaceDetectorFileError(f"The face detector manifest {path} has no 'files' section.")
    return manifest


def _checked(folder: Path, manifest: dict, name: str) -> Path:
    entry = manifest["files"].get(name)
    path = folder / name
    if not isinstance(entry, dict) or not path.is_file():
        raise FaceDetectorFileError(f"The face detector file {name} is missing; run scripts/convert_face_detector.py.")
    if sha256_file(path) != entry.get("sha256"):
        raise FaceDetectorFileError(f"The face detector file {name} was altered (its sha256 differs from the manifest).")
    return path


def _load(folder: Path) -> FaceDetector:
    import tensorflow as tf

    configure_threads()
    manifest = _manifest(folder)
    architecture = manifest.get("architecture", {})
    nets = {}
    for key, build in BUILDERS.items():
        path = _checked(folder, manifest, WEIGHTS[key])
        model = build()
        if architecture_summary(model)["digest"] != architecture.get(key, {}).get("digest"):
            raise FaceDetectorFileError(f"The face detector's {key} in {MANIFEST_NAME} was made for another "
                                        "architecture (its layer digest differs from this code's).")
        try:
            model.load_weights(path)
        except (ValueError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise FaceDetectorFileError(f"The face detector file {WEIGHTS[key]} does not match this code ({first}).") \
                from exc
        nets[key] = model
    pnet, rnet, onet = nets["pnet"], nets["rnet"], nets["onet"]
    image_spec = tf.TensorSpec((1, None, None, 3), tf.float32)
    boxes_spec = tf.TensorSpec((None, 4), tf.float32)

    # One graph each, whatever the picture's size, pyramid level or number of boxes.
    @tf.function(input_signature=[image_spec, tf.TensorSpec((2,), tf.int32)], reduce_retracing=True)
    def propose(pixels, size):
        return pnet(tf.image.resize(pixels, size, method="area"), training=False)

    def at(model, side):
        @tf.function(input_signature=[image_spec, boxes_spec], reduce_retracing=True)
        def run(pixels, boxes):
            crops = tf.image.crop_and_resize(pixels, boxes, tf.zeros(tf.shape(boxes)[:1], tf.int32), (side, side))
            return model(crops, training=False)

        return run

    provenance = manifest.get("provenance", {}).get("summary", "")
    return FaceDetector(pnet, rnet, onet, manifest.get("description", "MTCNN face detector"), provenance,
                        propose, at(rnet, 24), at(onet, 48))


def load_face_detector(weights: str | Path | None = "auto") -> FaceDetector:
    """The face detector, loaded once per process and shared (read-only).

    Args:
        weights: ``"auto"`` or None (the files in ``models/``), or a folder holding
            ``face_detector.json`` and the files it lists.

    Raises:
        FaceDetectorFileError: missing, altered or mismatched files (one line).
    """
    folder = default_model_dir() if weights in ("auto", None) else Path(weights)
    return load_once(("face_detector", str(folder.resolve())), lambda: _load(folder))
