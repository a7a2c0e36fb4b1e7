"""The file formats (docs/formats.md): each record's to_dict/from_dict round trip, and the documented keys
are exactly the keys the files carry."""

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import photo_array

from assistant import GuideOptions, make_guide
from assistant.export import plan_dict
from assistant.export.media import strokes_dict
from assistant.project import load_project, project_json, save_project
from assistant.strokes.brush import Stroke
from assistant.strokes.painter import LayerReport, PainterOptions, Painting
from assistant.strokes.renderer import RendererConfig
from assistant.style.transfer import StyleOptions, StyleRecord
from assistant.work import attach_painting, new_photo, restyle, to_project

DOC = Path(__file__).resolve().parents[1] / "docs" / "formats.md"


def documented_keys(heading: str) -> set[str]:
    """The backticked keys in the first column of the table under ``heading`` in docs/formats.md."""
    text = DOC.read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    table = section.split("\n\n|", 1)[1] if not section.lstrip().startswith("|") else section
    rows = [line for line in ("|" + table).split("\n\n")[0].splitlines() if line.startswith("| `")]
    return {re.match(r"\| `([^`]+)`", row).group(1) for row in rows}


def _style_record() -> StyleRecord:
    options = StyleOptions(style_layers=("block1_conv1",), iterations=(3, 2, 1))
    return StyleRecord("Impasto oil", (("Impasto oil", 1.0),), options, "vgg19", "VGG19", iterations=6,
                       seconds=1.5, preset="medium", engine="fast", fast_strength=0.6, vector=(0.1, -0.2),
                       weights="fitted", colour_anchor=0.3)


def _painting(h: int, w: int) -> Painting:
    strokes = (Stroke(1, 1, ((2.0, 2.0), (w / 2, h / 2), (w - 3.0, h - 3.0)), (6.0, 4.0)),
               Stroke(2, 2, ((3.0, h - 3.0), (w / 2, h / 3), (w - 2.0, 3.0)), (3.0, 2.0)))
    layers = (LayerReport(1, 2, 1, (4.0, 6.0), 20.0, 15.0, 14.0, 0.5), LayerReport(2, 4, 1, (2.0, 3.0), 14.0, 12.0,
                                                                                     11.0, 0.25))
    return Painting(strokes, (h, w), np.full((h, w, 3), 0.5, np.float32), layers, PainterOptions(n_strokes=2),
                    "hand-made", (h, w))


@pytest.fixture(scope="module")
def full_work():
    """A guide with every optional part: a style, a detail map, brushstrokes."""
    photo = photo_array("coffee", 64)
    options = GuideOptions(n_colors=4, max_side=64, focus="0.5,0.5,0.2", min_steps=2, max_steps=4)
    work = restyle(new_photo(photo, name="coffee.png"), np.clip(photo * 0.9, 0, 1), record=_style_record(),
                   source={"styles": ["impasto_oil"]})
    guide = make_guide(work.photo, options, target=work.target, style=work.style)
    guide = attach_painting(guide, _painting(*guide.target.shape[:2]))
    return dataclasses.replace(work, options=options, guide=guide)


@pytest.mark.parametrize("record", [
    GuideOptions(n_colors=7, canvas="30x40cm", marks=((0.2, 0.3, 0.1, True),), focus="none"),
    PainterOptions(n_strokes=321, max_layers=4),
    LayerReport(1, 4, 30, (2.5, 9.0), 12.0, 10.0, 9.5, 1.25),
    StyleOptions(style_layers=("block1_conv1", "block2_conv1"), layer_weights=(0.5, 0.5), scales=(0.5, 1.0),
                 iterations=(5, 5)),
    _style_record(),
    RendererConfig(),
])
def test_each_record_round_trips_through_plain_json(record):
    data = json.loads(json.dumps(record.to_dict(), allow_nan=False))  # plain JSON values only
    assert type(record).from_dict(data) == record


def test_a_painting_round_trips_with_its_picture_and_stroke_table():
    painting = _painting(40, 56)
    data = json.loads(json.dumps(painting.to_dict()))
    again = Painting.from_dict(data, image=painting.image, table=painting.stroke_table())
    assert again.strokes == painting.strokes and again.layers == painting.layers
    assert (again.size, again.plan_size, again.options, again.renderer) == (
        painting.size, painting.plan_size, painting.options, painting.renderer)
    with pytest.raises(ValueError, match="Expected a stroke table of 10 finite columns"):
        Painting.from_dict(data, image=painting.image, table=painting.stroke_table()[:, :9])
    with pytest.raises(ValueError, match="Expected a painting picture of 56×40 px"):
        Painting.from_dict(data, image=painting.image[:20], table=painting.stroke_table())


def test_from_dict_refuses_values_that_cannot_be_right():
    with pytest.raises(ValueError, match="Expected a colour anchor from 0 to 1"):
        StyleRecord.from_dict({**_style_record().to_dict(), "colour_anchor": 3})
    with pytest.raises(ValueError):
        PainterOptions.from_dict({**PainterOptions().to_dict(), "n_strokes": -5})
    # A project made before the detail map had no focus: it reopens as it was made.
    older = {k: v for k, v in GuideOptions().to_dict().items() if k != "focus"}
    assert GuideOptions.from_dict(older).focus == "none"


def test_plan_json_carries_exactly_the_documented_keys(full_work):
    plan = plan_dict(full_work.guide)
    assert set(plan) == documented_keys("## plan.json")
    assert set(plan["brushstrokes"]) == documented_keys("## strokes.json")
    assert set(strokes_dict(full_work.guide.strokes, full_work.guide.palette)) == documented_keys("## strokes.json")


def test_the_project_carries_exactly_the_documented_members_and_keys(full_work):
    data = save_project(to_project(full_work, with_plan=True))
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = set(archive.namelist())
    # style.npy only when the painter's own picture made the target: this one is a bundled style.
    assert members | {"style.npy"} == documented_keys("## guide.project")
    project = load_project(data)
    assert set(json.loads(project_json(project))) == documented_keys("### project.json")
    assert project.style == full_work.style and project.painting.strokes == full_work.painting.strokes
