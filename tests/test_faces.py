"""The face detector: the converted networks, faces on a portrait and on composites, none on landscapes, errors."""

import json
import shutil

import cv2
import numpy as np
import pytest
from conftest import photo_array

from assistant.faces import (
    LANDMARKS,
    MANIFEST_NAME,
    REFERENCE_NAME,
    WEIGHTS_NAME,
    Face,
    FaceDetectorFileError,
    _resized,
    array_shapes,
    default_model_dir,
    load_face_detector,
)


@pytest.fixture(scope="module")
def detector():
    return load_face_detector()


def head() -> np.ndarray:
    """The astronaut's head and shoulders."""
    return photo_array("astronaut")[20:210, 140:310]


def paste(background: np.ndarray, height: int, x: float, y: float) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The head scaled to ``height`` px, pasted with its top left at fractions ``(x, y)``; the picture and where."""
    part = head()
    width = round(part.shape[1] * height / part.shape[0])
    out = background.copy()
    top, left = round(y * background.shape[0]), round(x * background.shape[1])
    out[top:top + height, left:left + width] = cv2.resize(part, (width, height), interpolation=cv2.INTER_AREA)
    return out, (left, top, width, height)


def inside(point, box, margin: float = 0.0) -> bool:
    x, y, w, h = box
    return x - margin <= point[0] <= x + w + margin and y - margin <= point[1] <= y + h + margin


def test_converted_networks_reproduce_the_stored_reference(detector):
    """The NumPy networks against what the Keras networks (and the TensorFlow cascade) gave on a stored picture."""
    reference = np.load(default_model_dir() / REFERENCE_NAME, allow_pickle=False)
    picture = reference["image"].astype(np.float32) / 255.0
    faces = detector.detect(picture)
    assert len(faces) == len(reference["boxes"]) == 1
    assert np.abs(np.array(faces[0].box) - reference["boxes"][0]).max() < 0.01
    assert abs(faces[0].confidence - reference["confidences"][0]) < 1e-4
    points = np.array([faces[0].landmarks[name] for name in LANDMARKS])
    assert np.abs(points - reference["landmarks"][0]).max() < 0.01
    pixels = (picture * 255.0 - 127.5) / 128.0  # each network alone, too
    box, face = detector.pnet(pixels[None])
    assert box.shape == (1, 59, 59, 4) and box.dtype == face.dtype == np.float32
    assert np.abs(face[0, ..., 1] - reference["pnet_face"]).max() < 1e-4
    rnet = np.concatenate(detector.rnet(_resized(pixels, 24, 24)[None]), 1)
    onet = np.concatenate(detector.onet(_resized(pixels, 48, 48)[None]), 1)
    assert np.abs(rnet[0] - reference["rnet"]).max() < 1e-4
    assert np.abs(onet[0] - reference["onet"]).max() < 1e-4


def test_area_resize_and_crops_follow_tensorflows_rules():
    """Small cases worked by hand: area means with partly covered cells, bilinear crops with 0 outside."""
    from assistant.faces import _crops

    image = np.arange(12, dtype=np.float32).reshape(1, 12, 1)
    assert np.allclose(_resized(image, 1, 4)[0, :, 0], [1, 4, 7, 10])  # whole cells
    assert np.allclose(_resized(image, 1, 5)[0, :, 0], np.array([1.8, 7.4, 13.2, 19.0, 24.6]) / 2.4)  # 2.4 cells each
    ramp = np.arange(5, dtype=np.float32)[None, :, None] * np.ones((5, 1, 1), np.float32)
    crop = _crops(ramp, np.array([[0.0, 0.25, 1.0, 0.75], [0.0, 0.5, 1.0, 1.5]], np.float32), 3)
    assert np.allclose(crop[0, 0, :, 0], [1, 2, 3])  # samples on the box's edges, over W - 1
    assert np.allclose(crop[1, 0, :, 0], [2, 4, 0])  # the sample past the edge is 0


def test_batches_of_crops_give_each_crops_own_outputs(detector):
    crops = np.random.default_rng(1).normal(0.0, 1.0, (300, 24, 24, 3)).astype(np.float32)
    box, face = detector.rnet(crops)  # in three batches
    assert box.shape == (300, 4) and face.shape == (300, 2)
    alone = detector.rnet(crops[250:251])
    assert np.abs(alone[0] - box[250]).max() < 1e-5 and np.allclose(face.sum(axis=1), 1.0, atol=1e-5)
    assert [t.shape for t in detector.onet(np.zeros((0, 48, 48, 3), np.float32))] == [(0, 4), (0, 10), (0, 2)]
    with pytest.raises(ValueError, match="Expected a network input of shape"):
        detector.rnet(np.zeros((2, 48, 48, 3), np.float32))


def test_one_face_on_the_astronaut_with_its_features_in_place(detector):
    photo = photo_array("astronaut")
    before = photo.copy()
    faces = detector.detect(photo)
    assert np.array_equal(photo, before)  # never modified
    assert len(faces) == 1
    face = faces[0]
    assert isinstance(face, Face) and face.confidence > 0.99
    x, y, w, h = face.box
    assert 160 < x < 200 and 40 < y < 80 and 60 < w < 110 and 80 < h < 140  # her face, about 85 × 110 px
    marks = face.landmarks
    assert tuple(marks) == LANDMARKS
    assert inside(marks["left_eye"], face.box) and inside(marks["right_eye"], face.box)
    assert marks["left_eye"][0] < marks["nose"][0] < marks["right_eye"][0]
    for eye in ("left_eye", "right_eye"):
        for mouth in ("mouth_left", "mouth_right"):
            assert marks[eye][1] < marks["nose"][1] < marks[mouth][1]
    record = face.plan_dict()
    assert set(record) == {"box", "confidence", "landmarks"} and len(record["landmarks"]["nose"]) == 2
    assert detector.detect(photo) == faces  # deterministic


@pytest.mark.parametrize("name", ["coffee", "rocket", "chelsea"])
def test_no_face_on_photos_without_people(detector, name):
    assert detector.detect(photo_array(name)) == ()


def test_no_face_on_a_sky_gradient(detector):
    rows = np.linspace(0.0, 1.0, 300, dtype=np.float32)[:, None, None]
    sky = (np.array([0.25, 0.45, 0.8], np.float32) * (1 - rows) + np.array([0.95, 0.8, 0.6], np.float32) * rows)
    assert detector.detect(np.broadcast_to(sky, (300, 500, 3)).copy()) == ()


def test_a_small_face_off_centre_and_two_faces(detector):
    rocket = photo_array("rocket")
    short = min(rocket.shape[:2])
    once, first = paste(rocket, round(0.15 * short), 0.68, 0.2)
    faces = detector.detect(once)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert inside((x + w / 2, y + h / 2), first)
    twice, second = paste(once, round(0.15 * short), 0.12, 0.55)
    faces = detector.detect(twice)
    assert len(faces) == 2
    centres = sorted((f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2) for f in faces)
    assert inside(centres[0], second) and inside(centres[1], first)
    assert faces[0].confidence >= faces[1].confidence


def test_any_size_maps_faces_back_to_the_image(detector):
    photo = photo_array("astronaut")
    small = detector.detect(photo)[0]
    big = detector.detect(cv2.resize(photo, (1600, 1600), interpolation=cv2.INTER_CUBIC).clip(0, 1))
    assert len(big) == 1
    assert np.abs(np.array(big[0].box) / 1600 * 512 - np.array(small.box)).max() < 4
    assert detector.detect(np.zeros((8, 8, 3), np.float32)) == ()  # smaller than the 12 px window
    assert detector.detect(photo, min_face=0.5) == ()  # her face is a fifth of the picture


@pytest.mark.parametrize("bad", [np.zeros((64, 64), np.float32), np.zeros((64, 64, 4), np.float32),
                                 np.zeros((64, 64, 3), np.uint8), np.full((64, 64, 3), np.nan, np.float32),
                                 [[0.5, 0.5, 0.5]]])
def test_a_bad_image_is_refused(detector, bad):
    with pytest.raises(ValueError, match="Expected image"):
        detector.detect(bad)


def test_bad_settings_are_refused(detector):
    photo = photo_array("astronaut", 64)
    with pytest.raises(ValueError, match="min_face"):
        detector.detect(photo, min_face=2.0)
    with pytest.raises(ValueError, match="threshold"):
        detector.detect(photo, threshold=-0.1)


def test_altered_or_missing_files_are_one_line(tmp_path):
    for name in (WEIGHTS_NAME, MANIFEST_NAME):
        shutil.copyfile(default_model_dir() / name, tmp_path / name)
    path = tmp_path / WEIGHTS_NAME
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FaceDetectorFileError, match="altered") as error:
        load_face_detector(tmp_path)
    assert "\n" not in str(error.value)
    path.unlink()
    with pytest.raises(FaceDetectorFileError, match="missing"):
        load_face_detector(tmp_path)
    with pytest.raises(FaceDetectorFileError, match="not installed"):
        load_face_detector(tmp_path / "nowhere")


def _install(folder, arrays: dict) -> None:
    """A weights file made of ``arrays`` with a manifest that lists it (sha256 and all)."""
    from assistant.models import sha256_file

    np.savez(folder / WEIGHTS_NAME, **arrays)
    manifest = json.loads((default_model_dir() / MANIFEST_NAME).read_text())
    manifest["files"] = {WEIGHTS_NAME: {"sha256": sha256_file(folder / WEIGHTS_NAME)}}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))


def test_a_weights_file_for_another_architecture_is_refused(tmp_path):
    with np.load(default_model_dir() / WEIGHTS_NAME, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    assert {name: a.shape for name, a in arrays.items()} == array_shapes()
    for folder, change in (("shape", {"onet.fc5.kernel": np.zeros((1152, 128), np.float32)}),
                           ("dtype", {"pnet.conv1.bias": arrays["pnet.conv1.bias"].astype(np.float64)}),
                           ("missing", {"rnet.prelu_fc4.alpha": None}),
                           ("extra", {"rnet.conv9.kernel": np.zeros(3, np.float32)})):
        (tmp_path / folder).mkdir()
        changed = {**arrays, **change}
        _install(tmp_path / folder, {k: v for k, v in changed.items() if v is not None})
        with pytest.raises(FaceDetectorFileError, match="does not match this code") as error:
            load_face_detector(tmp_path / folder)
        assert "\n" not in str(error.value) and next(iter(change)) in str(error.value)
    (tmp_path / "pickle").mkdir()
    _install(tmp_path / "pickle", {**arrays, "pnet.conv1.bias": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(FaceDetectorFileError, match="cannot be read"):  # never unpickled
        load_face_detector(tmp_path / "pickle")
    (tmp_path / "digest").mkdir()
    _install(tmp_path / "digest", arrays)
    manifest = json.loads((tmp_path / "digest" / MANIFEST_NAME).read_text())
    manifest["architecture"]["rnet"]["digest"] = "0" * 64
    (tmp_path / "digest" / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(FaceDetectorFileError, match="another architecture"):
        load_face_detector(tmp_path / "digest")


def test_importing_the_module_imports_no_tensorflow():
    import subprocess
    import sys

    code = "import sys, assistant.faces; print(sorted({'tensorflow', 'keras', 'lz4', 'joblib'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr[-2000:]


def test_a_guide_with_auto_focus_finds_the_face_without_tensorflow():
    """Issue 22: finding faces for ``--focus auto`` loads neither TensorFlow nor Keras (about 4 s of a guide's CPU time),
    and the guide neither scikit-learn (its own k-means) nor colour-science (a written observer table), with pandas
    under both: about 2 s of a 3 s CLI."""
    import subprocess
    import sys

    code = ("import sys; sys.path.insert(0, 'tests'); from conftest import photo_array; from assistant import GuideOptions, make_guide; "
            "guide = make_guide(photo_array('astronaut', 256), GuideOptions(max_side=256, focus='auto', n_colors=8)); "
            "x, y, w, h = guide.focus.faces[0].box; "
            "print(len(guide.focus.faces), round(x + w / 2), round(y + h / 2), "
            "sorted({'tensorflow', 'keras', 'sklearn', 'colour', 'pandas'} & set(sys.modules)))")
    root = default_model_dir().parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stderr[-2000:]
    faces, cx, cy, modules = result.stdout.strip().splitlines()[-1].split(" ", 3)
    assert modules == "[]", result.stdout
    assert faces == "1" and 100 < int(cx) < 125 and 50 < int(cy) < 70, result.stdout  # her face, about (112, 59)
