"""Project files: round trip to a byte-identical plan.json; corrupt, foreign, future and hostile files."""

import dataclasses
import io
import json
import pickle
import zipfile

import numpy as np
import pytest
from conftest import photo_array

from assistant import GuideOptions, make_guide
from assistant.cli import main
from assistant.export import plan_json
from assistant.project import (
    Project,
    ProjectError,
    is_project,
    load_project,
    project_files,
    project_from_files,
    project_from_guide,
    save_project,
)
from assistant.strokes.painter import PainterOptions, paint
from assistant.style.transfer import StyleOptions, StyleRecord
from assistant.work import attach_painting, rebuild_guide


@pytest.fixture(scope="module")
def full_guide():
    """A guide with every optional part: a stylised target, its record and brushstrokes."""
    photo = photo_array("coffee", 160)
    target = np.clip(photo[::-1, :, :] * 0.8 + 0.1, 0, 1).astype(np.float32)  # any picture of the same size
    record = StyleRecord("Impasto oil", (("Impasto oil", 1.0),), StyleOptions(max_side=128, style_layers=("block1_conv1",)),
                         "vgg19-random", "untrained VGG19", "CPU, 2 threads", 9, 3.5, "medium")
    guide = make_guide(photo, GuideOptions(n_colors=6, seed=3), target=target, style=record)
    painting = paint(guide.target, guide.palette.rgb, PainterOptions(n_strokes=60, max_side=96, seed=3), renderer=None)
    return attach_painting(guide, painting)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_round_trip_rebuilds_identical_plan_without_rerunning(full_guide):
    project = project_from_guide(full_guide, photo_name="coffee.png", style_source={"styles": ["impasto_oil"]},
                                 settings={"palette_n_colors": 6})
    data = save_project(project)
    assert is_project(data) and save_project(project) == data  # deterministic bytes
    reopened = load_project(data)
    assert reopened.photo_name == "coffee.png" and reopened.settings == {"palette_n_colors": 6}
    assert reopened.style == full_guide.style and reopened.style_source == {"styles": ["impasto_oil"]}
    assert reopened.painting.strokes == full_guide.strokes.painting.strokes
    rebuilt = rebuild_guide(reopened)
    assert plan_json(rebuilt) == plan_json(full_guide) == reopened.plan
    assert np.array_equal(rebuilt.target, full_guide.target)


def test_pictures_are_stored_not_deflated_and_an_older_deflated_project_still_opens(full_guide):
    """Issue 22 (speed): float32 pictures deflate by about a fifth at a cost of about 0.27 s a photo, so the
    photo, target, style and painting are stored; the small members stay deflated. A project written before
    (every member deflated) opens to the same guide."""
    project = project_from_guide(full_guide, photo_name="coffee.png")
    data = save_project(project)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        methods = {info.filename: info.compress_type for info in archive.infolist()}
        members = {name: archive.read(name) for name in methods}
    assert {name for name, method in methods.items() if method == zipfile.ZIP_STORED} == {
        "photo.npy", "target.npy", "painting.npy"}
    assert methods["strokes.npy"] == methods["plan.json"] == methods["project.json"] == zipfile.ZIP_DEFLATED
    older = io.BytesIO()
    with zipfile.ZipFile(older, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    reopened = load_project(older.getvalue())
    assert np.array_equal(reopened.photo, project.photo) and plan_json(rebuild_guide(reopened)) == plan_json(full_guide)


def test_project_without_options_has_no_guide_yet():
    photo = photo_array("chelsea", 64)
    reopened = load_project(save_project(Project(photo=photo, photo_name="cat")))
    assert reopened.options is None and rebuild_guide(reopened) is None
    assert np.array_equal(reopened.photo, photo)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "not a ZIP"),
        (b"%PDF-1.7 not a project", "not a ZIP"),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        (_zip({"readme.txt": b"hello"}), "no project.json"),
        (_zip({"project.json": b"{not json"}), "cannot be read"),
        (_zip({"project.json": json.dumps({"format": "someone-else/project", "version": 1}).encode()}), "another format"),
        (_zip({"project.json": json.dumps({"format": "painting-assistant/project", "version": 99}).encode()}), "newer"),
        (_zip({"project.json": json.dumps({"format": "painting-assistant/project", "version": 1}).encode()}),
         "photo.npy is missing"),
    ],
)
def test_bad_project_files_get_one_line(data, words):
    with pytest.raises(ProjectError, match=words) as info:
        load_project(data)
    assert "\n" not in str(info.value)


def test_hostile_members_are_refused(full_guide):
    files = project_files(project_from_guide(full_guide))
    pickled = io.BytesIO()
    np.save(pickled, np.array([{"x": 1}], dtype=object), allow_pickle=True)  # an object array needs pickle
    for name, payload, words in [
        ("photo.npy", pickled.getvalue(), "not a picture: object"),
        ("photo.npy", pickle.dumps("x"), "cannot be read"),
        ("target.npy", files["photo.npy"][:200], "does not hold the data its header announces"),
        ("strokes.npy", files["photo.npy"], "not a stroke table"),
    ]:
        with pytest.raises(ProjectError, match=words):
            load_project(_zip({**files, name: payload}))
    big = io.BytesIO()
    np.save(big, np.full((2, 2, 3), 7.0, np.float32))
    with pytest.raises(ProjectError, match="not a picture|outside 0-1"):
        load_project(_zip({**files, "photo.npy": big.getvalue()}))
    with pytest.raises(ProjectError, match="too large"):
        load_project(save_project(project_from_guide(full_guide)), max_bytes=1000)
    meta = json.loads(files["project.json"])
    meta["options"]["n_colors"] = 0
    with pytest.raises(ProjectError, match="n_colors"):
        load_project(_zip({**files, "project.json": json.dumps(meta).encode()}))
    meta = json.loads(files["project.json"])
    meta["options"] = dict(meta["options"], n_colors=3)  # fewer paints than the strokes use
    with pytest.raises(ProjectError, match="paint the palette does not have"):
        rebuild_guide(load_project(_zip({**files, "project.json": json.dumps(meta).encode()})))


def test_cli_writes_project_and_rebuilds_identical_plan(tmp_path, capsys):
    from PIL import Image

    photo = tmp_path / "cat.png"
    Image.fromarray((photo_array("chelsea", 200) * 255).round().astype(np.uint8)).save(photo)
    assert main(["guide", str(photo), "-o", str(tmp_path / "a"), "--colors", "6", "--quiet"]) == 0
    project = tmp_path / "a" / "guide.project"
    assert project.is_file()
    assert main(["guide", str(project), "-o", str(tmp_path / "b"), "--quiet"]) == 0
    assert (tmp_path / "a" / "plan.json").read_bytes() == (tmp_path / "b" / "plan.json").read_bytes()
    assert (tmp_path / "b" / "guide.project").read_bytes() == project.read_bytes()
    capsys.readouterr()

    assert main(["guide", str(project), "-o", str(tmp_path / "c"), "--colors", "5"]) == 2
    assert "leave out --colors" in capsys.readouterr().err
    broken = tmp_path / "broken.project"
    broken.write_bytes(project.read_bytes()[:3000])
    assert main(["guide", str(broken), "-o", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("fit", ["crop", "pad"])
def test_cli_guide_with_a_canvas_and_strokes_reopens(tmp_path, capsys, fit):
    """Issue 20: `guide photo --canvas 30x40cm --strokes 150` then `guide OUT/guide.project` exited 2."""
    from PIL import Image

    photo = tmp_path / "cat.png"
    Image.fromarray((photo_array("chelsea", 160) * 255).round().astype(np.uint8)).save(photo)
    assert main(["guide", str(photo), "-o", str(tmp_path / "a"), "--colors", "5", "--canvas", "30x40cm",
                 "--fit", fit, "--strokes", "30", "--quiet"]) == 0
    assert main(["guide", str(tmp_path / "a" / "guide.project"), "-o", str(tmp_path / "b"), "--quiet"]) == 0, \
        capsys.readouterr().err
    assert (tmp_path / "a" / "plan.json").read_bytes() == (tmp_path / "b" / "plan.json").read_bytes()
    assert (tmp_path / "b" / "strokes.json").read_bytes() == (tmp_path / "a" / "strokes.json").read_bytes()


def test_style_record_survives_as_data(full_guide):
    """Every StyleOptions field round-trips (tuples stay tuples), so plan.json's style section is unchanged."""
    project = load_project(save_project(project_from_guide(full_guide)))
    assert dataclasses.asdict(project.style) == dataclasses.asdict(full_guide.style)
    assert isinstance(project.style.options.iterations, tuple)


def test_the_fast_engines_colour_anchor_round_trips_and_older_files_still_open():
    """Issue 25: the colour anchor is kept with the strength and the vector, so a reopened project repaints
    identically; files made before it was kept open with none recorded (the engine's default applies)."""
    photo = photo_array("coffee", 96)
    target = np.clip(photo * 0.8 + 0.1, 0, 1).astype(np.float32)
    record = StyleRecord("Glazed oil", (("Glazed oil", 1.0),), StyleOptions(max_side=256), "magenta-arbitrary-keras",
                         "fast network", engine="fast", fast_strength=0.7, vector=tuple(np.linspace(-1, 1, 100)),
                         weights="test weights", colour_anchor=0.5)
    guide = make_guide(photo, GuideOptions(n_colors=5, seed=1), target=target, style=record)
    assert json.loads(plan_json(guide))["style"]["colour_anchor"] == 0.5
    files = project_files(project_from_guide(guide, style_source={"styles": ["glazed_oil"]}))
    reopened = load_project(save_project(project_from_guide(guide, style_source={"styles": ["glazed_oil"]})))
    assert reopened.style == record and reopened.style.colour_anchor == 0.5
    assert plan_json(rebuild_guide(reopened)) == plan_json(guide)

    meta = json.loads(files["project.json"])
    del meta["style"]["colour_anchor"]  # as written before the anchor was kept
    older = load_project(_zip({**files, "project.json": json.dumps(meta).encode()}))
    assert older.style.colour_anchor is None and older.style.fast_strength == 0.7
    assert "colour_anchor" not in json.loads(plan_json(rebuild_guide(older)))["style"]
    for bad in (1.5, "all", True, -0.1):
        meta["style"]["colour_anchor"] = bad
        with pytest.raises(ProjectError, match="colour anchor"):
            load_project(_zip({**files, "project.json": json.dumps(meta).encode()}))


def _made(canvas: str, fit: str, *, styled: bool, strokes: bool):
    """A guide as the app or the CLI makes it: a portrait photo on a real canvas, maybe styled, maybe painted."""
    photo = photo_array("astronaut", 120)[:, 10:100]  # portrait, 120 × 90
    target = np.clip(photo * 0.7 + 0.2, 0, 1).astype(np.float32) if styled else None
    record = StyleRecord("Impasto oil", (("Impasto oil", 1.0),), StyleOptions(max_side=128, style_layers=("block1_conv1",)),
                         "vgg19-random", "untrained VGG19", "CPU, 2 threads", 9, 3.5, "medium") if styled else None
    options = GuideOptions(n_colors=5, seed=1, canvas=canvas, fit=fit, crop_x=0.2, crop_y=0.7)
    guide = make_guide(photo, options, target=target, style=record)
    if strokes:
        painting = paint(guide.target, guide.palette.rgb, PainterOptions(n_strokes=40, max_side=64, seed=2), renderer=None)
        guide = attach_painting(guide, painting)
    return guide


@pytest.mark.parametrize("styled", [False, True], ids=["photo", "styled"])
@pytest.mark.parametrize("strokes", [False, True], ids=["no-strokes", "strokes"])
@pytest.mark.parametrize("canvas, fit", [("", "crop"), ("30x40cm", "crop"), ("40x30cm", "crop"), ("40x30cm", "pad"),
                                         ("16x20in", "pad"), ("30x30cm", "crop")])
def test_every_canvas_fit_reopens_from_project_and_session_folder(canvas, fit, styled, strokes):
    """Issue 20: a guide with a real canvas and brushstrokes reopened as 'damaged' (painting vs photo size)."""
    guide = _made(canvas, fit, styled=styled, strokes=strokes)
    source = {"style_source": {"styles": ["impasto_oil"]}} if styled else {}
    project = project_from_guide(guide, photo_name="astronaut.png", **source)
    for reopened in (load_project(save_project(project)), project_from_files(project_files(project))):
        rebuilt = rebuild_guide(reopened)
        assert plan_json(rebuilt) == plan_json(guide)
        assert (rebuilt.strokes is None) == (not strokes)
        if strokes:
            assert rebuilt.strokes.painting.strokes == guide.strokes.painting.strokes


def test_a_painting_that_does_not_fit_the_canvas_is_refused_in_one_line():
    guide = _made("30x40cm", "crop", styled=False, strokes=True)
    project = project_from_guide(guide)
    files = project_files(project)
    wrong = np.zeros((guide.photo.shape[0] + 4, guide.photo.shape[1], 3), np.float32)
    buffer = io.BytesIO()
    np.save(buffer, wrong)
    files["painting.npy"] = buffer.getvalue()
    with pytest.raises(ProjectError, match="does not fit the canvas"):
        project_from_files(files)
