"""Convert the MTCNN face detector's weights (MIT) from the ``mtcnn`` wheel into our Keras networks.

The weights ship inside the ``mtcnn`` 1.0.0 wheel on PyPI as ``mtcnn/assets/weights/{pnet,rnet,onet}.lz4``
(joblib pickles, lz4-compressed, of each network's list of arrays). This script, run once by a developer:

1. downloads that wheel with ``pip download --no-deps`` (nothing is installed) unless ``--wheel``
   names it, and checks its sha256;
2. reads the three weight files with ``joblib`` and ``lz4`` (conversion time only:
   ``pip install -r requirements-convert.txt``);
3. puts them into :func:`assistant.faces.build_pnet`, :func:`~assistant.faces.build_rnet` and
   :func:`~assistant.faces.build_onet`, layer by layer, by name, and writes the weights files and
   the manifest into a temporary folder;
4. loads that folder with :func:`assistant.faces.load_face_detector` (so the manifest check is
   exercised too) and checks our cascade against the package's own detector, imported from the
   unzipped wheel, on real photos and composites: same faces, boxes and landmarks within a
   pixel, confidences within 1e-3;
5. copies ``face_detector_{pnet,rnet,onet}.weights.h5``, ``face_detector.json`` (sha256,
   architecture, provenance, licence, the check's figures) and ``face_detector_reference.npz``
   (a small image and what the networks make of it, for the round-trip test) into ``models/``.

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
#: What "agree" means.
BOX_TOLERANCE_PX, CONFIDENCE_TOLERANCE = 1.0, 1e-3


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


def fill(model, arrays: list, key: str) -> None:
    """Put the package's arrays for one network into our model, layer by layer."""
    expected = sum(count for _, count in ORDER[key])
    if len(arrays) != expected:
        raise SystemExit(f"error: {key} has {len(arrays)} arrays, expected {expected}")
    at = 0
    for name, count in ORDER[key]:
        model.get_layer(name).set_weights([np.asarray(a, np.float32) for a in arrays[at:at + count]])
        at += count


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


def reference(detector) -> dict[str, np.ndarray]:
    """A 128 px image and what the detector and each network make of it, for the round-trip test."""
    import cv2
    import tensorflow as tf
    from skimage import data

    from assistant.faces import LANDMARKS, _normalised

    crop = data.astronaut()[0:256, 96:352]
    image = cv2.resize(crop, (128, 128), interpolation=cv2.INTER_AREA)
    picture = image.astype(np.float32) / 255.0
    faces = detector.detect(picture)
    pixels = _normalised(picture)[None]
    _, pnet_face = detector.pnet(pixels, training=False)
    rnet_box, rnet_face = detector.rnet(tf.image.resize(pixels, (24, 24), method="area"), training=False)
    onet_box, onet_marks, onet_face = detector.onet(tf.image.resize(pixels, (48, 48), method="area"), training=False)
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


def manifest(models: dict, member_sha: dict, folder: Path, figures: dict | None) -> dict:
    from assistant import faces
    from assistant.models import architecture_summary, sha256_file

    files = {name: {"sha256": sha256_file(folder / name)} for name in faces.WEIGHTS.values()}
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
            **{key: architecture_summary(model) for key, model in models.items()},
        },
        "provenance": {
            "summary": "MTCNN weights (MIT) from the mtcnn 1.0.0 wheel on PyPI (Ivan de Paz Centeno), converted to "
                       "Keras by scripts/convert_face_detector.py",
            "wheel": WHEEL, "wheel_sha256": WHEEL_SHA256, "members": member_sha,
            "upstream": "https://github.com/ipazc/mtcnn",
            "paper": "Zhang, Zhang, Li and Qiao 2016, Joint face detection and alignment using multitask cascaded "
                     "convolutional networks",
        },
        "licence": "MIT (Copyright (c) 2019-2024 Ivan de Paz Centeno); see models/README.md",
    }
    if figures is not None:
        result["check"] = {"against": "mtcnn 1.0.0's MTCNN.detect_faces, imported from the unzipped wheel",
                           "how": f"O-Net threshold {CHECK_THRESHOLD}, smallest face 4% of the short side, the "
                                  "package's pyramid; faces matched best first; largest absolute differences",
                           **figures}
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
        models[key] = faces.BUILDERS[key]()
        fill(models[key], joblib.load(unpacked / member), key)

    staging = Path(tempfile.mkdtemp(prefix="face-detector-"))
    for key, model in models.items():
        model.save_weights(staging / faces.WEIGHTS[key])
    (staging / faces.MANIFEST_NAME).write_text(json.dumps(manifest(models, member_sha, staging, None), indent=2))
    detector = faces.load_face_detector(staging)

    sys.path.insert(0, str(unpacked))  # the package's own detector, for the check only
    from mtcnn import MTCNN

    print("Our cascade vs mtcnn 1.0.0:")
    figures = check(detector, MTCNN())
    if figures["box_max_px"] > BOX_TOLERANCE_PX or figures["landmark_max_px"] > BOX_TOLERANCE_PX \
            or figures["confidence_max"] > CONFIDENCE_TOLERANCE:
        raise SystemExit("error: our cascade does not reproduce the package's detector")

    np.savez_compressed(staging / faces.REFERENCE_NAME, **reference(detector))
    (staging / faces.MANIFEST_NAME).write_text(json.dumps(manifest(models, member_sha, staging, figures), indent=2)
                                               + "\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = [*faces.WEIGHTS.values(), faces.REFERENCE_NAME, faces.MANIFEST_NAME]
    for name in names:
        shutil.copyfile(staging / name, out / name)
    print(f"Wrote {', '.join(names)} to {out}")


if __name__ == "__main__":
    main()
