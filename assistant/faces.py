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
``scripts/convert_face_detector.py`` into ``models/face_detector.npz`` with the manifest
``models/face_detector.json``, which :func:`load_face_detector` checks. The cascade keeps that
package's conventions (its box regression, thresholds of 0.6 and 0.7, and suppression in which
a box is dropped when any better-scoring box overlaps it), so our faces agree with it to a
fraction of a pixel (the figures are in the manifest).

The networks run in NumPy (float32 convolutions as matrix products, PReLU, max pools with
TensorFlow's padding rule, dense layers reading the map in the Caffe order), and so do the
image pyramid (an area resize) and the crops for R-Net and O-Net (bilinear, as
``tf.image.crop_and_resize``): no TensorFlow, and their outputs are the Keras networks' to
float32 rounding (the converter checks them, the round-trip test against a stored reference).

Photos of any size work: the cascade runs on a copy at most :data:`MAX_SIDE` px on the long
side and the boxes are mapped back.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import check_image, check_number, on_two_cores
from .models import load_once, sha256_file

__all__ = [
    "ARCHITECTURE",
    "LANDMARKS",
    "MAX_SIDE",
    "Face",
    "FaceDetector",
    "FaceDetectorFileError",
    "architecture_summary",
    "array_shapes",
    "load_face_detector",
]

MANIFEST_NAME = "face_detector.json"
#: The three networks' weights: one NumPy archive, arrays named ``"<network>.<layer>.<kernel|bias|alpha>"``.
WEIGHTS_NAME = "face_detector.npz"
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
#: Held while the cascade runs with NumPy's BLAS on one thread; the threadpoolctl controller, made once.
_BLAS_LOCK = threading.Lock()
_BLAS: list = []


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

    def plan_dict(self) -> dict:
        """JSON-ready: the box and landmarks to 0.01 px, the confidence to 4 decimals."""
        return {"box": [round(float(v), 2) for v in self.box], "confidence": round(float(self.confidence), 4),
                "landmarks": {name: [round(float(x), 2), round(float(y), 2)] for name, (x, y) in self.landmarks.items()}}


# --- the networks ---------------------------------------------------------------------------------
#
# Each network is its weighted layers (below, with the shapes their arrays must have, in the Keras
# layout the weights were converted to: conv kernels (kh, kw, in, out), dense kernels (in, out),
# PReLU slopes per channel) and the code that runs them (:func:`_pnet`, :func:`_rnet`, :func:`_onet`).
# Convolutions are "valid" with stride 1; a max pool with ``same`` padding has ceil(n / stride)
# outputs, its missing cells taken from the bottom and right (TensorFlow's rule).

#: Weighted layers per network: ``(name, kind, shapes of its arrays)``; the arrays are
#: ``kernel, bias`` (Conv2D, Dense) or ``alpha`` (PReLU).
ARCHITECTURE = {
    "pnet": (("conv1", "Conv2D", ((3, 3, 3, 10), (10,))), ("prelu1", "PReLU", ((1, 1, 10),)),
             ("conv2", "Conv2D", ((3, 3, 10, 16), (16,))), ("prelu2", "PReLU", ((1, 1, 16),)),
             ("conv3", "Conv2D", ((3, 3, 16, 32), (32,))), ("prelu3", "PReLU", ((1, 1, 32),)),
             ("box", "Conv2D", ((1, 1, 32, 4), (4,))), ("face", "Conv2D", ((1, 1, 32, 2), (2,)))),
    "rnet": (("conv1", "Conv2D", ((3, 3, 3, 28), (28,))), ("prelu1", "PReLU", ((1, 1, 28),)),
             ("conv2", "Conv2D", ((3, 3, 28, 48), (48,))), ("prelu2", "PReLU", ((1, 1, 48),)),
             ("conv3", "Conv2D", ((2, 2, 48, 64), (64,))), ("prelu3", "PReLU", ((1, 1, 64),)),
             ("fc4", "Dense", ((576, 128), (128,))), ("prelu_fc4", "PReLU", ((128,),)),
             ("box", "Dense", ((128, 4), (4,))), ("face", "Dense", ((128, 2), (2,)))),
    "onet": (("conv1", "Conv2D", ((3, 3, 3, 32), (32,))), ("prelu1", "PReLU", ((1, 1, 32),)),
             ("conv2", "Conv2D", ((3, 3, 32, 64), (64,))), ("prelu2", "PReLU", ((1, 1, 64),)),
             ("conv3", "Conv2D", ((3, 3, 64, 64), (64,))), ("prelu3", "PReLU", ((1, 1, 64),)),
             ("conv4", "Conv2D", ((2, 2, 64, 128), (128,))), ("prelu4", "PReLU", ((1, 1, 128),)),
             ("fc5", "Dense", ((1152, 256), (256,))), ("prelu_fc5", "PReLU", ((256,),)),
             ("box", "Dense", ((256, 4), (4,))), ("landmarks", "Dense", ((256, 10), (10,))),
             ("face", "Dense", ((256, 2), (2,)))),
}
_ARRAY_NAMES = {"Conv2D": ("kernel", "bias"), "Dense": ("kernel", "bias"), "PReLU": ("alpha",)}
#: Crops run through R-Net and O-Net this many at a time (bounds the memory of the convolutions).
_BATCH = 128


def array_shapes() -> dict[str, tuple[int, ...]]:
    """Every array the weights file must hold, ``"<network>.<layer>.<kernel|bias|alpha>"`` → its shape."""
    return {f"{key}.{name}.{array}": shape for key, layers in ARCHITECTURE.items() for name, kind, shapes in layers
            for array, shape in zip(_ARRAY_NAMES[kind], shapes, strict=True)}


def architecture_summary(key: str) -> dict:
    """What the manifest records of one network: its weighted layers, their parameter count and a digest.

    One line per weighted layer, ``"conv1 Conv2D 3x3x3x10 10"``; the digest is the sha256 of the
    lines (the same lines :func:`assistant.models.architecture_summary` writes for the Keras
    networks the weights were converted through, so the digest is theirs too).
    """
    lines = [f"{name} {kind} " + " ".join("x".join(map(str, shape)) for shape in shapes)
             for name, kind, shapes in ARCHITECTURE[key]]
    parameters = sum(int(np.prod(shape)) for _, _, shapes in ARCHITECTURE[key] for shape in shapes)
    return {"parameters": parameters, "digest": hashlib.sha256("\n".join(lines).encode()).hexdigest(),
            "weighted_layers": lines}


def _conv(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    """A "valid" convolution, stride 1: ``x`` (N, H, W, C) → (N, H - kh + 1, W - kw + 1, out)."""
    kernel, bias = w[f"{name}.kernel"], w[f"{name}.bias"]
    kh, kw, _, out = kernel.shape
    n, h, width = x.shape[0], x.shape[1] - kh + 1, x.shape[2] - kw + 1
    # The patches side by side along the channels, in the kernel's (row, column, channel) order.
    patches = x if kh == kw == 1 else np.concatenate(
        [x[:, i:i + h, j:j + width] for i in range(kh) for j in range(kw)], axis=3)
    return (patches.reshape(-1, patches.shape[3]) @ kernel.reshape(-1, out) + bias).reshape(n, h, width, out)


def _prelu(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    """``max(x, 0) + alpha · min(x, 0)``, per channel, in place (``x`` is a layer's fresh output)."""
    negative = np.minimum(x, 0.0)
    negative *= w[f"{name}.alpha"]
    np.maximum(x, 0.0, out=x)
    x += negative
    return x


def _max_pool(x: np.ndarray, size: int, stride: int, *, same: bool = False) -> np.ndarray:
    """Max over ``size`` × ``size`` windows ``stride`` apart; ``same``: ceil(n / stride) outputs (padding −inf)."""
    height, width = x.shape[1:3]
    if same:
        rows, cols = -(-height // stride), -(-width // stride)
        pad_h, pad_w = max(0, (rows - 1) * stride + size - height), max(0, (cols - 1) * stride + size - width)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)),
                   constant_values=-np.inf)
    else:
        rows, cols = (height - size) // stride + 1, (width - size) // stride + 1
    def window(i: int, j: int) -> np.ndarray:
        return x[:, i:i + stride * (rows - 1) + 1:stride, j:j + stride * (cols - 1) + 1:stride]

    out = window(0, 0).copy()
    for i in range(size):
        for j in range(size):
            if i or j:
                np.maximum(out, window(i, j), out=out)
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _dense(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    return x @ w[f"{name}.kernel"] + w[f"{name}.bias"]


def _columns_first(x: np.ndarray) -> np.ndarray:
    """(B, h, w, c) → (B, w·h·c): the feature map read column by column (the original Caffe order)."""
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3)).reshape(len(x), int(np.prod(x.shape[1:])))


def _pnet(w: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _prelu(_conv(x, w, "conv1"), w, "prelu1")
    x = _max_pool(x, 2, 2, same=True)
    x = _prelu(_conv(x, w, "conv2"), w, "prelu2")
    x = _prelu(_conv(x, w, "conv3"), w, "prelu3")
    return _conv(x, w, "box"), _softmax(_conv(x, w, "face"))


def _rnet(w: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _prelu(_conv(x, w, "conv1"), w, "prelu1")
    x = _max_pool(x, 3, 2, same=True)
    x = _prelu(_conv(x, w, "conv2"), w, "prelu2")
    x = _max_pool(x, 3, 2)
    x = _prelu(_conv(x, w, "conv3"), w, "prelu3")
    x = _prelu(_dense(_columns_first(x), w, "fc4"), w, "prelu_fc4")
    return _dense(x, w, "box"), _softmax(_dense(x, w, "face"))


def _onet(w: dict, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _prelu(_conv(x, w, "conv1"), w, "prelu1")
    x = _max_pool(x, 3, 2, same=True)
    x = _prelu(_conv(x, w, "conv2"), w, "prelu2")
    x = _max_pool(x, 3, 2)
    x = _prelu(_conv(x, w, "conv3"), w, "prelu3")
    x = _max_pool(x, 2, 2, same=True)
    x = _prelu(_conv(x, w, "conv4"), w, "prelu4")
    x = _prelu(_dense(_columns_first(x), w, "fc5"), w, "prelu_fc5")
    return _dense(x, w, "box"), _dense(x, w, "landmarks"), _softmax(_dense(x, w, "face"))


def _as_input(x, side: int | None) -> np.ndarray:
    """A network's input as float32 ``(B, H, W, 3)``; R-Net and O-Net take ``side`` × ``side`` crops."""
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[3] != 3 or (side is not None and x.shape[1:3] != (side, side)) \
            or not np.issubdtype(x.dtype, np.number):
        wanted = "(1, H, W, 3)" if side is None else f"(B, {side}, {side}, 3)"
        raise ValueError(f"Expected a network input of shape {wanted}, numbers. Received: shape {x.shape}, {x.dtype}")
    return np.ascontiguousarray(x, np.float32)


def _batched(network, w: dict, crops: np.ndarray) -> tuple[np.ndarray, ...]:
    """``network`` over ``crops`` :data:`_BATCH` at a time, the outputs joined."""
    parts = [network(w, crops[start:start + _BATCH]) for start in range(0, max(1, len(crops)), _BATCH)]
    return tuple(np.concatenate(outputs) for outputs in zip(*parts, strict=True))


# --- the cascade ----------------------------------------------------------------------------------


def _normalised(image: np.ndarray) -> np.ndarray:
    """Pixels in 0–1 → the networks' input, ``(255 × pixel − 127.5) / 128`` (MTCNN's)."""
    return ((np.clip(image, 0.0, 1.0) * 255.0 - 127.5) / 128.0).astype(np.float32)


def _pyramid(height: int, width: int, min_face_px: float) -> list[float]:
    """Scales at which P-Net's 12 px window sees faces from ``min_face_px`` up to the whole picture."""
    first, scales = _CELL / min_face_px, list[float]()
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
    """Boxes as :func:`_crops` takes them: ``(y1, x1, y2, x2)`` over the image's side, float32."""
    return (boxes[:, [1, 0, 3, 2]] / np.array([height, width, height, width])).astype(np.float32)


def _area_table(image: np.ndarray) -> np.ndarray:
    """The summed-area table of ``image`` (H, W, C), float64 ``(H + 2, W + 2, C)``: ``[i, j]`` = the sum above and left.

    One more row and column than usual stand for the cells past the edges, which an area resize
    takes to repeat the last ones.
    """
    import cv2

    height, width = image.shape[:2]
    padded = np.empty((height + 1, width + 1, image.shape[2]), image.dtype)
    padded[:height, :width] = image
    padded[height, :width] = image[-1]
    padded[:, width] = padded[:, width - 1]
    # OpenCV adds along each row, then the row above, in float64: the very sums of two NumPy cumsums, 4× faster.
    return cv2.integral(padded, sdepth=cv2.CV_64F).reshape(height + 2, width + 2, image.shape[2])


def _spans(size: int, new_size: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Where ``new_size`` equal spans of an axis of ``size`` cells start and stop: whole cells, fractions, the span.

    TensorFlow's spans (``ResizeArea``, no corner alignment), in its float32: span ``i`` covers
    ``[i·s, (i+1)·s)`` with ``s = size / new_size``.
    """
    scale = np.float32(size) / np.float32(new_size)
    edges = (np.arange(new_size + 1, dtype=np.float32) * scale).astype(np.float64)
    cells = np.minimum(np.floor(edges).astype(np.intp), size)
    return cells, edges - cells, float(scale)


def _resized(image: np.ndarray, height: int, width: int, *, table: np.ndarray | None = None) -> np.ndarray:
    """``image`` (H, W, C) at ``height`` × ``width`` by area: what ``tf.image.resize(method="area")`` gives.

    Each output pixel is the mean of the input area it covers, partly covered pixels counting by
    the part covered (float32 out; to float32 rounding the same as TensorFlow's). Read off the
    summed-area table (``table``: :func:`_area_table` of ``image``, when several sizes are made
    from one image), whose value at a fractional point is the bilinear blend of its neighbours.
    """
    if table is None:
        table = _area_table(image)
    rows, down, row_span = _spans(image.shape[0], height)
    cols, across, col_span = _spans(image.shape[1], width)
    above = np.take(table, rows, axis=0)
    above += down[:, None, None] * (np.take(table, rows + 1, axis=0) - above)
    corner = np.take(above, cols, axis=1)
    corner += across[None, :, None] * (np.take(above, cols + 1, axis=1) - corner)
    area = corner[1:, 1:] - corner[:-1, 1:] - corner[1:, :-1] + corner[:-1, :-1]
    return (area / (row_span * col_span)).astype(np.float32)


def _crops(image: np.ndarray, boxes: np.ndarray, side: int) -> np.ndarray:
    """``side`` × ``side`` bilinear crops of ``image`` (H, W, C) float32 for ``boxes`` from :func:`_crop_boxes`.

    What ``tf.image.crop_and_resize`` gives: the crop's first and last samples fall on the box's
    edges (as fractions of ``H − 1`` and ``W − 1``), samples outside the image are 0, float32
    arithmetic in the same order.
    """
    steps = np.arange(side, dtype=np.float32)

    def samples(low: np.ndarray, high: np.ndarray, size: int):
        step = (high - low) * np.float32(size - 1) / np.float32(side - 1)
        at = low[:, None] * np.float32(size - 1) + steps[None, :] * step[:, None]
        inside = (at >= 0) & (at <= size - 1)
        below = np.floor(at)
        return (np.clip(below, 0, size - 1).astype(np.intp), np.clip(np.ceil(at), 0, size - 1).astype(np.intp),
                (at - below).astype(np.float32), inside)

    top, bottom, down, rows_in = samples(boxes[:, 0], boxes[:, 2], image.shape[0])
    left, right, across, cols_in = samples(boxes[:, 1], boxes[:, 3], image.shape[1])
    top, bottom, left, right = top[:, :, None], bottom[:, :, None], left[:, None, :], right[:, None, :]
    across = across[:, None, :, None]
    upper = image[top, left] + (image[top, right] - image[top, left]) * across
    lower = image[bottom, left] + (image[bottom, right] - image[bottom, left]) * across
    out = upper + (lower - upper) * down[:, :, None, None]
    out[~(rows_in[:, :, None] & cols_in[:, None, :])] = 0.0
    return out


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """NumPy's BLAS on one thread while the cascade runs, one cascade at a time.

    The networks' matrix products are small (at most a few hundred million multiply-adds
    each): a second BLAS thread saves little, and OpenBLAS's waiting threads cost CPU time, on a
    busy machine three times the work and four times the wall time. threadpoolctl comes with
    scikit-learn; the limit is process-wide, so detections take turns (each is ~0.1 s).
    """
    with _BLAS_LOCK:
        if not _BLAS:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        with _BLAS[0].limit(limits=1, user_api="blas"):
            yield


@dataclass(frozen=True, eq=False)
class FaceDetector:
    """The three networks' weights, loaded once and shared read-only, and where they come from.

    Attributes:
        weights: ``"pnet"``, ``"rnet"``, ``"onet"`` → ``"<layer>.<kernel|bias|alpha>"`` → float32
            array (read-only), shaped as :data:`ARCHITECTURE` says.
        description, provenance: in words, for the page, ``plan.json`` and the project file.
    """

    weights: dict
    description: str
    provenance: str

    def pnet(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P-Net: ``pixels (1, H, W, 3)`` normalised → box offsets ``(1, h, w, 4)``, face/not-face ``(1, h, w, 2)``.

        Fully convolutional: ``h, w`` are about ``(H - 10) / 2`` and ``(W - 10) / 2``, one cell per
        12 px window, 2 px apart. Normalised means ``(255 × pixel − 127.5) / 128``.
        """
        return _pnet(self.weights["pnet"], _as_input(pixels, None))

    def rnet(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """R-Net: ``crops (B, 24, 24, 3)`` normalised → box offsets ``(B, 4)``, face/not-face ``(B, 2)``."""
        box, face = _batched(_rnet, self.weights["rnet"], _as_input(crops, 24))
        return box, face

    def onet(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """O-Net: ``crops (B, 48, 48, 3)`` normalised → box offsets ``(B, 4)``, landmarks ``(B, 10)``, face ``(B, 2)``.

        Landmarks are fractions of the crop: five x values, then five y values, in :data:`LANDMARKS` order.
        """
        box, landmarks, face = _batched(_onet, self.weights["onet"], _as_input(crops, 48))
        return box, landmarks, face

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
        work: np.ndarray = np.ascontiguousarray(image, np.float32)
        if size != (width, height):
            work = cv2.resize(work, size, interpolation=cv2.INTER_AREA)
        if not np.isfinite(work).all():
            raise ValueError("Expected image as finite numbers in [0, 1]. Received: NaN or infinity")
        min_face_px = max(float(_CELL), min_face * min(work.shape[:2]))
        with _one_blas_thread():
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
                    scales: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The raw cascade on ``image`` (float32 ``(H, W, 3)`` in [0, 1], used at its size).

        ``scales`` are the pyramid's levels (default: from ``min_face_px`` down to 12 px on the
        short side); the conversion check passes the original package's.

        Returns:
            ``boxes`` (N, 5: x1, y1, x2, y2, confidence) and ``landmarks`` (N, 10: five x, then
            five y, in :data:`LANDMARKS` order), float64 in the image's pixels, not clipped to it,
            best first. What :meth:`detect` and the conversion check compare.
        """
        height, width = image.shape[:2]
        empty = np.zeros((0, 5)), np.zeros((0, 10))
        if min(height, width) < _CELL or min_face_px > min(height, width):
            return empty
        pixels = _normalised(image)
        if scales is None:
            scales = _pyramid(height, width, min_face_px)
        boxes = self._proposals(pixels, height, width, scales)
        if len(boxes):
            offsets, face = self.rnet(_crops(pixels, _crop_boxes(boxes, height, width), 24))
            boxes[:, 4] = face[:, 1]
            boxes = _moved(boxes, offsets)[face[:, 1] > _RNET_THRESHOLD]
            (boxes,) = _by_score(boxes)
            boxes = _squared(boxes[_suppress(boxes, _NMS_RNET)])
        if not len(boxes):
            return empty
        offsets, points, face = self.onet(_crops(pixels, _crop_boxes(boxes, height, width), 48))
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
        table = _area_table(pixels)

        def level(scale: float) -> np.ndarray | None:
            offsets, face = (t[0] for t in self.pnet(_resized(pixels, int(height * scale), int(width * scale),
                                                                table=table)[None]))
            rows, cols = np.nonzero(face[..., 1] > _PNET_THRESHOLD)
            if not len(rows):
                return None
            # The window over pixels step·col + 1 … step·col + 12 (MTCNN's convention), moved by the
            # offsets as fractions of its 11 px extent, then taken back to the image's pixels.
            reg = offsets[rows, cols].astype(np.float64) * (_CELL - 1)
            x, y = cols * _STEP, rows * _STEP
            boxes = np.stack([x + 1 + reg[:, 0], y + 1 + reg[:, 1], x + _CELL + reg[:, 2], y + _CELL + reg[:, 3]],
                             axis=1) / scale
            (boxes,) = _by_score(np.concatenate([boxes, face[rows, cols, 1:2].astype(np.float64)], axis=1))
            return boxes[_suppress(boxes, _NMS_LEVEL)]

        # Each level shrinks the area by half: the largest on one core, all the others on the second.
        scales = list(scales)
        shares = [scales[:1], scales[1:]]
        made = on_two_cores(lambda part: [level(scale) for scale in shares[part]], 2)
        found = [boxes for part in made for boxes in part if boxes is not None]
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


def _arrays(path: Path) -> dict[str, np.ndarray]:
    """The weights file's arrays (no pickles), each checked against the shape :data:`ARCHITECTURE` gives it."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FaceDetectorFileError(f"The face detector file {path.name} cannot be read ({first}).") from exc
    expected = array_shapes()
    for name in sorted(expected.keys() ^ arrays.keys()):
        where = "missing from" if name in expected else "unexpected in"
        raise FaceDetectorFileError(f"The face detector file {path.name} does not match this code ({name} is {where} it).")
    for name, shape in expected.items():
        array = arrays[name]
        if array.shape != shape or array.dtype != np.float32:
            raise FaceDetectorFileError(
                f"The face detector file {path.name} does not match this code ({name} is {array.dtype} "
                f"{'x'.join(map(str, array.shape))}, expected float32 {'x'.join(map(str, shape))}).")
        array.flags.writeable = False
    return arrays


def _load(folder: Path) -> FaceDetector:
    manifest = _manifest(folder)
    architecture = manifest.get("architecture", {})
    for key in ARCHITECTURE:
        if architecture_summary(key)["digest"] != architecture.get(key, {}).get("digest"):
            raise FaceDetectorFileError(f"The face detector's {key} in {MANIFEST_NAME} was made for another "
                                        "architecture (its layer digest differs from this code's).")
    arrays = _arrays(_checked(folder, manifest, WEIGHTS_NAME))
    weights = {key: {name.split(".", 1)[1]: array for name, array in arrays.items() if name.split(".", 1)[0] == key}
               for key in ARCHITECTURE}
    provenance = manifest.get("provenance", {}).get("summary", "")
    return FaceDetector(weights, manifest.get("description", "MTCNN face detector"), provenance)


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
