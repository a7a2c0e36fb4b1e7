import dataclasses
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from assistant import Cancelled, GuideOptions, make_guide
from assistant.export import plan_json, to_pdf, to_zip, write_guide
from assistant.images import to_uint8

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def guide(chelsea_small):
    return make_guide(chelsea_small, GuideOptions(n_colors=8, seed=1))


def test_guide_is_complete(guide, chelsea_small):
    assert len(guide.palette) == 8
    assert 4 <= len(guide.steps) <= 12
    assert len(guide.steps.images) == len(guide.steps) == len(guide.steps.highlights)
    assert guide.quantized.shape == chelsea_small.shape
    assert np.array_equal(guide.photo, chelsea_small)
    # The last cumulative image is the whole quantised picture.
    assert np.array_equal(guide.steps.images[-1], to_uint8(guide.quantized)) and guide.steps.images[-1].dtype == np.uint8
    assert np.allclose(guide.steps.picture(-1), guide.quantized, atol=0.5 / 255)


def test_progress_is_reported_and_cancel_stops(chelsea_small):
    seen = []
    make_guide(chelsea_small, GuideOptions(n_colors=4), on_progress=lambda f, m, preview=None: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)

    def cancel(fraction, message, preview=None):
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        make_guide(chelsea_small, GuideOptions(n_colors=4), on_progress=cancel)


@pytest.mark.parametrize("field, value", [("n_colors", 1), ("medium", "crayon"), ("max_steps", 0), ("seed", -1)])
def test_options_are_validated(chelsea_small, field, value):
    with pytest.raises(ValueError, match="Received"):
        make_guide(chelsea_small, GuideOptions(**{field: value}))


def test_options_round_trip_through_their_table_and_an_old_table_rebuilds_without_focus(guide):
    """Issue 22: GuideOptions.to_dict / from_dict, the pair project.json and plan.json use."""
    options = GuideOptions(n_colors=6, canvas="40x50cm", focus="0.3,0.4,0.2", marks=((0.5, 0.5, 0.1, True),))
    table = options.to_dict()
    assert table == dataclasses.asdict(options)
    assert GuideOptions.from_dict(json.loads(json.dumps(table))) == options  # JSON lists come back as tuples
    before_focus = {name: value for name, value in table.items() if name != "focus"}
    assert GuideOptions.from_dict(before_focus).focus == "none"  # made before the detail map: none, not "auto"
    with pytest.raises(ValueError, match="Received"):
        GuideOptions.from_dict({**table, "n_colors": 1})
    assert json.loads(plan_json(guide))["options"] == json.loads(json.dumps(guide.options.to_dict()))


def test_plan_json_has_documented_fields(guide):
    plan = json.loads(plan_json(guide))
    assert plan["format"] == "painting-assistant/plan" and plan["version"] == 1
    first = plan["palette"][0]
    assert {"index", "hex", "name", "coverage"} <= set(first)
    assert re.fullmatch(r"#[0-9a-f]{6}", first["hex"])
    assert sum(c["coverage"] for c in plan["palette"]) == pytest.approx(100, abs=0.1)
    step = plan["steps"][0]
    assert {"index", "title", "instruction", "colors", "image"} <= set(step)
    assert step["image"] == "steps/01.png"
    assert all(1 <= c <= len(plan["palette"]) for s in plan["steps"] for c in s["colors"])


def test_zip_holds_every_image_and_plan(guide):
    archive = zipfile.ZipFile(io.BytesIO(to_zip(guide)))
    names = set(archive.namelist())
    plan = json.loads(archive.read("plan.json"))
    assert {"original.png", "quantized.png", "outline.png", "plan.json"} <= names
    assert {s["image"] for s in plan["steps"]} <= names
    assert archive.read("outline.png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_has_a_page_per_step(guide):
    pdf = to_pdf(guide)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    assert pages >= 3 + len(guide.steps)


def test_same_seed_same_bytes_different_seed_may_differ(chelsea_small):
    a = make_guide(chelsea_small, GuideOptions(n_colors=8, seed=5))
    b = make_guide(chelsea_small, GuideOptions(n_colors=8, seed=5))
    assert plan_json(a) == plan_json(b)
    assert to_zip(a) == to_zip(b)
    assert to_pdf(a) == to_pdf(b)


def test_write_guide_layout(guide, tmp_path):
    written = write_guide(guide, tmp_path)
    for name in ("guide.pdf", "guide.zip", "plan.json", "original.png", "quantized.png", "outline.png", "steps/01.png"):
        assert (tmp_path / name).is_file(), name
    assert set(written) >= {"guide.pdf", "plan.json"}


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_plan_json_has_paints_and_a_recipe_per_colour(guide):
    plan = json.loads(plan_json(guide))
    assert [p["name"] for p in plan["paints"]][:2] == ["titanium white", "bone black"]
    assert {p["source"] for p in plan["paints"]} == {"measured"}
    for colour in plan["palette"]:
        recipe = colour["recipe"]
        assert 1 <= len(recipe["paints"]) <= 4 and re.fullmatch(r"#[0-9a-f]{6}", recipe["hex"])
        assert {p["name"] for p in recipe["paints"]} <= {p["name"] for p in plan["paints"]}
        assert sum(p["parts"] for p in recipe["paints"]) <= 12 and recipe["match"] in ("close", "noticeable", "far")
        assert recipe["delta_e"] >= 0


def test_pdf_has_a_mixing_page_and_steps_name_their_recipes(guide, tmp_path):
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(to_pdf(guide))
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    text = [" ".join(page.split()) for page in pages]  # a recipe may wrap anywhere: words, not lines, are checked
    # Each colour of a step's mix list starts a line of its own ("3 maroon (darker): 5 parts ..."), beside its swatch.
    for page in (p for p in pages if p.startswith("Step ")):
        colours = re.search(r"Colours: ([\d, ]+) -", " ".join(page.split())).group(1).split(", ")
        starts = [line for line in page.splitlines() if re.match(r"\d+ [a-z][a-z ()-]*: ", line)]
        assert [line.split(" ")[0] for line in starts] == colours, page
    mixing = next(t for t in text if "Palette and mixing recipes" in t)
    assert "titanium white" in mixing and "part" in mixing and " match" in mixing and "dE" not in mixing
    steps = [t for t in text if t.startswith("Step ")]
    assert steps and all("Mix: " in t and " match" in t for t in steps)


def test_a_star_field_gets_no_duplicate_or_empty_paints():
    from skimage import data

    from assistant.color.spaces import delta_e2000

    stars = data.hubble_deep_field()[::2, ::2].astype(np.float32) / 255
    guide = make_guide(stars, GuideOptions(n_colors=32, max_side=512))
    lab = guide.palette.lab.astype(np.float64)
    distance = delta_e2000(lab[:, None], lab[None, :]) + np.eye(len(lab)) * 99
    assert distance.min() >= 2.0
    assert min(c.coverage for c in guide.palette) > 0
    assert len(guide.palette) < 32 and guide.notes
    assert f"needs only {len(guide.palette)} distinct colours" in guide.notes[0]


def test_mixable_palette_keeps_every_recipe_within_delta_e_one(chelsea_small):
    guide = make_guide(chelsea_small, GuideOptions(n_colors=10, paints="earth", mixable=True))
    assert max(r.delta_e for r in guide.recipes) <= 1.0
    plain = make_guide(chelsea_small, GuideOptions(n_colors=10, paints="earth"))
    assert max(r.delta_e for r in plain.recipes) > 1.0


def test_cli_paints_file_and_mixable(tmp_path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "cat.png"
    Image.fromarray(data.chelsea()).save(photo)
    paints = tmp_path / "mine.json"
    paints.write_text(json.dumps(["titanium white", "burnt umber", {"name": "my blue", "hex": "#23395d"}]))
    result = _cli("guide", str(photo), "-o", str(tmp_path / "out"), "--colors", "6", "--max-side", "200",
                  "--paints", str(paints), "--mixable", "--quiet")
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["options"]["mixable"] is True
    assert [p["source"] for p in plan["paints"]] == ["measured", "approximate", "approximate"]
    assert all(c["recipe"]["delta_e"] <= 1.0 for c in plan["palette"])
    listing = _cli("paints")
    assert listing.returncode == 0 and "limited-7" in listing.stdout and "burnt umber  (approximate)" in listing.stdout


def test_cli_writes_guide_with_wrong_extension(tmp_path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "cat.gif"  # really a PNG: content is sniffed
    Image.fromarray(data.chelsea()).save(photo, format="PNG")
    result = _cli("guide", str(photo), "-o", str(tmp_path / "out"), "--colors", "6", "--medium", "oil", "--max-side", "256")
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert len(plan["palette"]) == 6 and plan["options"]["medium"] == "oil"
    assert len(list((tmp_path / "out" / "steps").glob("??.png"))) == len(plan["steps"])
    assert "100.0%" in result.stderr  # the progress bar


@pytest.mark.parametrize(
    "make, args, message",
    [
        (lambda p: p.write_bytes(b""), [], "empty"),
        (lambda p: p.write_text("not a photo"), [], "not an image"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00"), [], "damaged"),
        (None, [], "No such file"),
        (lambda p: p.write_bytes(b"x"), ["--colors", "0"], "n_colors"),
        (lambda p: p.write_bytes(b"x"), ["--medium", "crayon"], "invalid choice"),
        (lambda p: p.write_bytes(b"x"), ["--paints", "titanium white, ultramarin blue"],
         "unknown paint 'ultramarin blue'; did you mean 'ultramarine blue'"),
        (lambda p: p.write_bytes(b"x"), ["--paints", "nowhere.json"], "cannot read paint file nowhere.json"),
        (lambda p: p.write_bytes(b"x"), ["--focus", "middle"], "Expected focus 'auto', 'none' or 'X,Y[,R]'"),
        (lambda p: p.write_bytes(b"x"), ["--keep", "2,0.5"], "Expected --keep X,Y[,R]"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, make, args, message):
    photo = tmp_path / "in.jpg"
    if make:
        make(photo)
    result = _cli("guide", str(photo), "-o", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_importing_core_does_not_import_tensorflow_or_streamlit():
    code = (
        "import sys, assistant, assistant.pipeline, assistant.export, assistant.cli;"
        "print('tensorflow' in sys.modules, 'streamlit' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]


@pytest.mark.slow
def test_cli_style_writes_stylised_target_and_names_network(tmp_path):
    from PIL import Image
    from skimage import data

    photo = tmp_path / "coffee.jpg"
    Image.fromarray(data.coffee()).resize((150, 100)).save(photo)
    result = _cli("guide", str(photo), "-o", str(tmp_path / "out"), "--style", "ink_hatching", "--style-size", "64",
                  "--strength", "strong", "--colors", "5", "--quiet", "--style-engine", "vgg19")
    assert result.returncode == 0, result.stderr
    assert "feature network: ImageNet VGG19, 8-bit weights; running on CPU" in result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    style = plan["style"]
    assert style["network"] == "vgg19-imagenet-8bit" and style["name"] == "Ink cross-hatching"
    # Issue 25: like the app's "Refine the texture", the slow engine refines the instant picture (visible at 512 px).
    assert style["engine"] == "fast+vgg19" and style["fast_strength"] > 0 and style["iterations"] > 0
    assert style["strength"] == "strong" and style["size"] == 64 and "seconds" not in style
    assert plan["files"]["target"] == "stylized.png" and (tmp_path / "out" / "stylized.png").is_file()
    bad = _cli("guide", str(photo), "-o", str(tmp_path / "o2"), "--style", "crayons")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: Expected a style among")
    wrong = _cli("guide", str(photo), "-o", str(tmp_path / "o3"), "--style", "ink_hatching", "--strength", "wild",
                 "--style-engine", "vgg19")
    assert wrong.returncode == 2 and wrong.stderr.strip() == (
        "error: Expected a style strength among subtle, medium, strong, seed-recipe. Received: 'wild'")
    fast = _cli("guide", str(photo), "-o", str(tmp_path / "o4"), "--style", "ink_hatching", "--strength", "wild")
    assert fast.returncode == 2 and fast.stderr.strip() == (
        "error: Expected --strength auto, subtle, medium, strong or a number from 0 to 1. Received: 'wild'")


def test_cli_focus_point_and_circles_reach_plan_json(tmp_path):
    """Issue 21: --focus X,Y[,R], --keep and --simplify; the guide names its focal point."""
    from PIL import Image
    from skimage import data

    photo = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()[::2, ::2]).save(photo)
    result = _cli("guide", str(photo), "-o", str(tmp_path / "out"), "--colors", "8", "--max-side", "256",
                  "--focus", "0.45,0.25,0.12", "--keep", "0.6,0.8", "--simplify", "0.1,0.9,0.1", "--quiet")
    assert result.returncode == 0, result.stderr
    assert all(line.startswith("note: ") for line in result.stderr.splitlines() if line.strip()), result.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert plan["options"]["focus"] == "0.45,0.25,0.12"
    assert plan["options"]["marks"] == [[0.6, 0.8, 0.15, True], [0.1, 0.9, 0.1, False]]
    assert plan["focus"]["mode"] == "point" and plan["focus"]["faces"]  # her face is still found
    assert plan["steps"][-1]["title"] == "Finish the focal point"


def test_the_guide_command_imports_ahead_in_the_background_and_a_failing_import_is_harmless():
    """Issue 22: the CLI imports what the guide needs later beside the decoding (about 0.2 s of a 3.4 s wait);
    a module that cannot be imported there stops the background thread quietly (its real use reports it)."""
    import threading

    from assistant.cli import _prefetch

    assert "tabnanny" not in sys.modules and "pickletools" not in sys.modules
    before = {t.ident for t in threading.enumerate()}
    _prefetch("no_such_module_for_the_test", "tabnanny")
    _prefetch("pickletools")
    for thread in threading.enumerate():
        if thread.ident not in before and thread.name == "painting-assistant-imports":
            thread.join(timeout=30)
    assert "tabnanny" in sys.modules and "pickletools" in sys.modules
