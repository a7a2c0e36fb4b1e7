"""The workflow (assistant.work): what a change invalidates, set-aside brushstrokes, stale jobs, projects,
and the guide command's request, on tiny pictures."""

import dataclasses

import numpy as np
import pytest
from conftest import photo_array

from assistant import GuideOptions
from assistant.export import plan_json
from assistant.project import load_project, save_project
from assistant.strokes.brush import Stroke
from assistant.strokes.painter import LayerReport, PainterOptions, Painting
from assistant.work import (
    GuideRequest,
    StaleResult,
    Work,
    from_project,
    guide_is_current,
    guide_key,
    join_painting,
    new_photo,
    open_bytes,
    replan,
    restyle,
    to_project,
)

OPTIONS = GuideOptions(n_colors=4, max_side=64, focus="none", min_steps=2, max_steps=4)


@pytest.fixture(scope="module")
def photo():
    return photo_array("coffee", 64)


@pytest.fixture(scope="module")
def planned(photo):
    return replan(new_photo(photo, name="coffee.png"), OPTIONS)


def _painting(guide) -> Painting:
    """Two hand-made strokes over the guide's target (no renderer needed)."""
    h, w = guide.target.shape[:2]
    strokes = (Stroke(1, 1, ((2.0, 2.0), (w / 2, h / 2), (w - 3.0, h - 3.0)), (6.0, 4.0)),
               Stroke(1, 2, ((3.0, h - 3.0), (w / 2, h / 3), (w - 2.0, 3.0)), (5.0, 3.0)))
    layers = (LayerReport(1, 2, 2, (3.0, 6.0), 20.0, 15.0, 14.0, 0.0),)
    return Painting(strokes, (h, w), np.full((h, w, 3), 0.5, np.float32), layers, PainterOptions(n_strokes=2),
                    "hand-made", (h, w))


def test_replan_keeps_a_current_guide_and_never_changes_its_input(photo, planned):
    assert planned.guide is not None and planned.options == OPTIONS and guide_is_current(planned, OPTIONS)
    assert replan(planned, OPTIONS) is planned  # nothing changed: the same work, no new guide
    other = replan(planned, dataclasses.replace(OPTIONS, n_colors=5))
    assert len(other.guide.palette) == 5 and len(planned.guide.palette) == 4


def test_a_new_style_drops_the_guide_but_keeps_the_options(photo, planned):
    styled = restyle(planned, 1.0 - photo, source={"styles": ["impasto_oil"]})
    assert styled.guide is None and styled.options == OPTIONS and not guide_is_current(styled, OPTIONS)
    assert np.array_equal(styled.painting_target, 1.0 - photo)
    assert restyle(styled, None).target is None and restyle(styled, None).style_source is None
    with pytest.raises(ValueError, match="Expected a stylised picture of the photo's size"):
        restyle(planned, photo[:10])


def test_brushstrokes_are_set_aside_and_come_back_with_their_palette(planned):
    painted = join_painting(planned, _painting(planned.guide), painted_for=guide_key(planned.guide))
    assert painted.painting is not None
    five = replan(painted, dataclasses.replace(OPTIONS, n_colors=5))
    assert five.painting is None and five.set_aside.painting is painted.painting
    back = replan(five, OPTIONS)
    assert back.painting is painted.painting  # the palette set back: the strokes are back
    restyled = replan(restyle(back, 1.0 - back.photo), OPTIONS)
    assert restyled.painting is None  # painted for another picture: not brought back


def test_a_finished_job_joins_only_the_guide_it_was_painted_for(planned):
    painting = _painting(planned.guide)
    changed = replan(planned, dataclasses.replace(OPTIONS, n_colors=5))
    with pytest.raises(StaleResult, match="palette changed"):
        join_painting(changed, painting, painted_for=guide_key(planned.guide))
    with pytest.raises(StaleResult):
        join_painting(Work(photo=planned.photo), painting, painted_for=guide_key(planned.guide))
    joined = join_painting(planned, painting, painted_for=guide_key(planned.guide))
    assert joined.painting is painting and len(joined.guide.strokes.steps) == 2


def test_a_project_round_trip_gives_the_same_plan(planned):
    painted = join_painting(planned, _painting(planned.guide), painted_for=guide_key(planned.guide))
    project = load_project(save_project(to_project(painted, with_plan=True)))
    again = from_project(project)
    assert plan_json(again.guide) == plan_json(painted.guide) == project.plan
    assert again.photo_name == "coffee.png" and again.painting.strokes == painted.painting.strokes
    with pytest.raises(ValueError, match="Expected a photo to save"):
        to_project(Work())


def test_the_guide_request_takes_its_defaults_from_the_guide_options():
    options = GuideRequest().guide_options()
    defaults = GuideOptions()
    assert (options.n_colors, options.max_steps, options.max_side, options.medium, options.focus) == (
        defaults.n_colors, defaults.max_steps, defaults.max_side, defaults.medium, defaults.focus)
    request = GuideRequest.from_flags({"colors": 6, "keep": ["0.3,0.4,0.1"], "style_engine": None, "output": "x"})
    assert request.colors == 6 and request.style_engine == "fast"
    assert request.guide_options().marks == ((0.3, 0.4, 0.1, True),)
    assert request.fixed_by_project() == ["colors", "keep"]
    assert GuideRequest().painter_options() is None and GuideRequest(strokes=300).painter_options().n_strokes == 300
    with pytest.raises(ValueError, match="Expected --keep X,Y"):
        GuideRequest(keep=("middle",)).guide_options()
    with pytest.raises(ValueError, match="Expected --strokes >= 0"):
        GuideRequest(strokes=-1).painter_options()


def test_a_project_refuses_the_settings_it_keeps(planned):
    data = save_project(to_project(planned))
    with pytest.raises(ValueError, match="A project keeps its own settings; leave out --colors"):
        open_bytes(data, "my.project", GuideRequest(colors=5))
    reopened = open_bytes(data, "my.project")
    assert plan_json(reopened.guide) == plan_json(planned.guide)
