"""AppTest per page: the real page scripts run; photos are injected through session state."""

from pathlib import Path

import numpy as np
import pytest
from conftest import photo_array
from streamlit.testing.v1 import AppTest

from assistant import GuideOptions, make_guide

TIMEOUT = 60
ROOT = Path(__file__).resolve().parent.parent


def run_page(path, **state):
    """Run app.py (navigation, sidebar) and switch to the real page script at ``path``."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    if path != "pages/upload.py":
        app.switch_page(path)
    return app.run()


@pytest.fixture(scope="module")
def small_photo():
    return photo_array("chelsea", 200)


def test_upload_page_sample_button_stores_photo():
    app = run_page("pages/upload.py")
    assert not app.exception
    app.button(key="upload_sample_coffee").click().run()
    assert not app.exception
    photo = app.session_state["photo"]
    assert photo.shape == (400, 600, 3) and photo.dtype == np.float32
    assert app.session_state["photo_name"] == "sample: Coffee"


def test_pages_without_inputs_show_a_hint_not_an_error():
    for page in ("pages/palette.py", "pages/steps.py", "pages/strokes.py", "pages/guide.py"):
        app = run_page(page)
        assert not app.exception, page
        assert app.info and "first" in app.info[0].value


def test_palette_page_builds_guide_and_reacts_to_slider(small_photo):
    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    assert not app.exception
    assert len(app.session_state["guide"].palette) == 12
    app.slider(key="palette_n_colors").set_value(5).run()
    assert not app.exception
    assert len(app.session_state["guide"].palette) == 5
    app.selectbox(key="palette_medium").set_value("watercolour").run()
    assert app.session_state["guide"].options.medium == "watercolour"


def test_steps_page_shows_each_step(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/steps.py", guide=guide, photo=small_photo)
    assert not app.exception
    assert guide.steps[0].title in app.subheader[0].value
    app.slider(key="steps_number").set_value(len(guide.steps)).run()
    assert f"Step {len(guide.steps)} of {len(guide.steps)}" in app.subheader[0].value


def test_guide_page_offers_downloads(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/guide.py", guide=guide, photo=small_photo)
    assert not app.exception
    exports = app.session_state["exports"]
    assert exports["pdf"].startswith(b"%PDF") and exports["zip"][:2] == b"PK"
    assert b'"palette"' in exports["json"]


def test_app_entry_point_runs():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert app.title[0].value == "Upload a photo"


@pytest.mark.slow
def test_style_page_runs_real_transfer_with_untrained_network(small_photo, monkeypatch):
    """The expensive boundary (the pretrained network) is swapped for the real untrained VGG19."""
    from assistant.style import features
    from pages import _state

    untrained = features.build_feature_extractor(None)
    monkeypatch.setattr(_state, "get_network", lambda: (untrained, "CPU, 2 threads"))
    monkeypatch.setattr(features, "build_feature_extractor", lambda *a, **k: untrained)
    app = run_page("pages/style.py", photo=small_photo[:64, :96], photo_name="cat")
    assert not app.exception
    assert "untrained VGG19" in app.caption[0].value
    app.select_slider(key="style_size").set_value(128)
    app.slider(key="style_iterations").set_value(2)
    app.selectbox(key="style_blend").set_value("Ink cross-hatching").run()
    app.slider(key="style_blend_share").set_value(0.3)
    app.button(key="style_run").click().run()
    assert not app.exception
    target = app.session_state["target"]
    assert target.shape == (64, 96, 3)
    record = app.session_state["style_record"]
    assert record.network == "vgg19-random"
    assert "Ink cross-hatching (30%)" in record.name and record.options.max_side == 128
    app.button(key="style_skip").click().run()
    assert "target" not in app.session_state


@pytest.mark.slow
def test_strokes_page_paints_with_real_renderer(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/strokes.py", guide=guide, photo=small_photo)
    assert not app.exception
    assert "learned stroke renderer" in app.caption[0].value
    assert "No brushstrokes yet" in app.info[0].value
    app.slider(key="strokes_budget").set_value(200)
    app.slider(key="strokes_brush").set_value((1.0, 25.0))
    app.button(key="strokes_run").click().run()
    assert not app.exception
    painted = app.session_state["guide"]
    assert painted.strokes is not None and len(painted.strokes.painting.strokes) == 200
    assert painted.strokes.painting.options.min_brush == 0.01
    assert app.session_state["timelapse"][1][:6] == b"GIF89a"
    count = len(painted.strokes.steps)
    app.slider(key="strokes_step").set_value(count).run()
    assert f"Step {count} of {count}" in app.subheader[0].value
    # Leaving and coming back keeps the strokes (plain session-state keys).
    app.switch_page("pages/steps.py").run()
    app.switch_page("pages/strokes.py").run()
    assert not app.exception
    kept = app.session_state["guide"].strokes
    assert kept is not None and kept.painting.strokes == painted.strokes.painting.strokes
    assert "No brushstrokes yet" not in [info.value for info in app.info]
