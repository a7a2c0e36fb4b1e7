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


def finish_jobs(app, timeout=300):
    """Wait for the session's background jobs, then run the app once more (which collects them)."""
    from pages import _panels

    for job in _panels.job_board().jobs(app.session_state["session_id"]):
        assert job.wait(timeout)
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


def test_palette_page_paints_presets_own_paint_and_mixable(small_photo):
    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    guide = app.session_state["guide"]
    assert guide.paints.spec == "limited-7" and len(guide.recipes) == len(guide.palette)
    assert "parts" in "".join(m.value for m in app.markdown)

    app.selectbox(key="paints_preset").set_value("Earth palette").run()
    guide = app.session_state["guide"]
    assert guide.options.paints == "earth" and "burnt umber" in guide.paints.names
    assert "approximate" in app.multiselect(key="paints_tubes").format_func("burnt umber")

    app.text_input(key="paints_new_name").input("My Sap Green")
    app.color_picker(key="paints_new_colour").pick("#4a6b23")
    app.button[0].click().run()  # the form's Add button
    assert not app.error
    guide = app.session_state["guide"]
    assert "my sap green" in guide.paints.names and guide.paints.paints[-1].approximate
    assert app.session_state["settings"]["paints_custom"] == {"my sap green": "#4a6b23"}

    app.text_input(key="paints_new_name").input("titanium white")
    app.button[0].click().run()
    assert "already in the catalogue" in app.error[0].value

    app.toggle(key="paints_mixable").set_value(True).run()
    guide = app.session_state["guide"]
    assert guide.options.mixable and max(r.delta_e for r in guide.recipes) <= 1.0

    app.multiselect(key="paints_tubes").set_value([]).run()
    assert "Tick at least one tube" in app.warning[0].value


def test_palette_page_starts_from_the_tubes_this_browser_remembered(small_photo, monkeypatch):
    """Issue 21: the painter's tubes (with a paint of her own) come back in her next session; the page keeps
    them in her browser when they change; a session that already has tubes (a reopened project) keeps its own."""
    from pages import _tubes

    kept = []
    monkeypatch.setattr(_tubes, "recall", lambda: (("bone black", "titanium white", "my sap green"),
                                                   {"my sap green": "#4a6b23"}))
    monkeypatch.setattr(_tubes, "remember", lambda spec: kept.append(spec) or True)
    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    assert not app.exception
    assert list(app.multiselect(key="paints_tubes").value) == ["bone black", "titanium white", "my sap green"]
    assert app.selectbox(key="paints_preset").value == "My own choice"
    guide = app.session_state["guide"]
    assert guide.paints.names == ("bone black", "titanium white", "my sap green")
    assert kept[-1] == "bone black, titanium white, my sap green=#4a6b23"
    app.multiselect(key="paints_tubes").set_value(["titanium white", "my sap green"]).run()
    assert kept[-1] == "titanium white, my sap green=#4a6b23"

    own = run_page("pages/palette.py", photo=small_photo, photo_name="cat",
                   settings={"paints_tubes": ["titanium white", "ultramarine blue"],
                             "paints_preset": "My own choice"})
    assert list(own.multiselect(key="paints_tubes").value) == ["titanium white", "ultramarine blue"]


def test_palette_page_focus_controls_reach_the_guide():
    """Issue 21: the painter chooses where the detail goes; a portrait's face is found by default."""
    portrait = photo_array("astronaut", 200)
    app = run_page("pages/palette.py", photo=portrait, photo_name="astronaut")
    assert not app.exception
    guide = app.session_state["guide"]
    assert guide.options.focus == "auto" and guide.focus.faces
    assert any("Most detail goes to the face" in i.value for i in app.info)
    app.radio(key="focus_mode").set_value("The same everywhere").run()
    assert app.session_state["guide"].options.focus == "none" and app.session_state["guide"].focus.is_neutral
    # A circle marked on the photo (what a click adds) and the painter's own focal point.
    app.session_state["focus_marks"] = [(0.8, 0.8, 0.1, False)]
    app.session_state["focus_point"] = (0.5, 0.3, 0.1)
    app.radio(key="focus_mode").set_value("My own focal point").run()
    assert not app.exception
    options = app.session_state["guide"].options
    assert options.focus == "0.500,0.300,0.100" and options.marks == ((0.8, 0.8, 0.1, False),)
    detail = app.session_state["guide"].focus.detail
    assert detail[int(0.8 * detail.shape[0]), int(0.8 * detail.shape[1])] < 0.2  # simplified there
    assert app.radio(key="focus_click").help and app.slider(key="focus_radius").help


def test_palette_page_canvas_size_orientation_crop_and_border(small_photo):
    from assistant.canvas import fit_box

    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    assert app.session_state["guide"].options.canvas == ""  # the photo's own proportions
    assert app.radio(key="canvas_orientation").disabled  # nothing to orient yet
    app.selectbox(key="canvas_size").set_value("40 × 50 cm").run()
    guide = app.session_state["guide"]
    assert guide.options.canvas == "50x40cm"  # the cat photo is landscape, so the canvas is too
    assert guide.labels.shape[1] / guide.labels.shape[0] == pytest.approx(1.25, abs=0.01)
    assert "50 × 40 cm canvas" in "".join(c.value for c in app.caption)
    app.radio(key="canvas_orientation").set_value("Portrait").run()
    app.slider(key="canvas_crop_x").set_value(0).run()
    guide = app.session_state["guide"]
    assert guide.options.canvas == "40x50cm" and guide.options.crop_x == 0.0
    _, _, _, _, (y0, y1, x0, x1) = fit_box(*small_photo.shape[:2], 0.8, fit="crop", anchor=(0.0, 0.5))
    assert x0 == 0 and x1 < small_photo.shape[1]  # the left of the photo is kept
    assert np.array_equal(guide.photo, small_photo[y0:y1, x0:x1])
    assert app.slider(key="canvas_crop_y").disabled  # a portrait crop of a landscape photo only moves sideways
    app.radio(key="canvas_fit").set_value("Keep the whole photo, add a border").run()
    guide = app.session_state["guide"]
    assert guide.options.fit == "pad" and guide.photo.shape[1] == small_photo.shape[1]
    app.selectbox(key="canvas_size").set_value("Custom size").run()
    assert app.session_state["guide"].options.canvas == "30x40cm"  # the custom size starts at 30 × 40 cm
    app.number_input(key="canvas_width").set_value(2.0).run()  # 2 cm: too small to paint
    assert "5 cm to 300 cm" in app.error[0].value and not app.exception
    assert app.session_state["guide"].options.canvas == "30x40cm"  # the last possible canvas is kept
    assert app.session_state["settings"]["canvas_size"] == "Custom size"  # remembered across pages and reloads


def test_steps_page_value_study_three_or_five_values(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/steps.py", guide=guide, photo=small_photo, guide_options=guide.options)
    assert not app.exception and app.radio(key="steps_values").value == "3 values"
    assert any("Squint" in c.value for c in app.caption)
    app.radio(key="steps_values").set_value("5 values").run()
    assert not app.exception
    assert app.session_state["guide"].values.levels == 5
    assert app.session_state["guide"].options.value_levels == 5


def test_changing_the_value_study_keeps_the_brushstrokes(small_photo):
    from assistant.strokes.painter import PainterOptions
    from assistant.strokes.renderer import load_renderer
    from assistant.work import add_strokes

    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    painted = add_strokes(guide, PainterOptions(n_strokes=60, refine_steps=2, max_side=96, seed=1),
                          renderer=load_renderer())
    app = run_page("pages/steps.py", guide=painted, photo=small_photo, guide_options=guide.options)
    app.radio(key="steps_values").set_value("5 values").run()
    assert not app.exception and not app.warning
    after = app.session_state["guide"]
    assert after.values.levels == 5 and after.strokes is not None
    assert after.strokes.painting is painted.strokes.painting  # the same brushstrokes, not painted again


def test_steps_page_shows_each_step(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/steps.py", guide=guide, photo=small_photo)
    assert not app.exception
    assert guide.steps[0].title in app.subheader[0].value
    first_pictures = len(app.get("image"))
    app.slider(key="steps_number").set_value(len(guide.steps)).run()
    assert f"Step {len(guide.steps)} of {len(guide.steps)}" in app.subheader[0].value
    # Step 1's value masses are the canvas after it: one picture there, not the same one twice side by side.
    assert len(app.get("image")) == first_pictures + 1
    # What to mix for the step shown, as the PDF's step pages: each of its colours with its recipe.
    last = guide.steps[-1]
    shown = "".join(m.value for m in app.markdown)
    for number in last.colors:
        assert f"<b>{number}</b> {guide.palette[number - 1].name}: {guide.recipes[number - 1].text()}" in shown


def test_guide_page_offers_downloads(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/guide.py", guide=guide, photo=small_photo)
    assert not app.exception
    exports = app.session_state["exports"]
    assert exports["pdf"].startswith(b"%PDF") and exports["zip"][:2] == b"PK"
    assert b'"palette"' in exports["json"]
    tiles = exports["outlines"]["print/outline_tiles.pdf"]
    assert tiles.startswith(b"%PDF") and exports["outlines"]["outline.svg"].startswith(b"<?xml")
    assert exports["print"] == ("a4", False)
    app.radio(key="guide_paper").set_value("Letter").run()
    app.toggle(key="guide_grid").set_value(True).run()
    assert not app.exception
    exports = app.session_state["exports"]
    assert exports["print"] == ("letter", True) and exports["outlines"]["print/outline_tiles.pdf"] != tiles
    assert b'id="grid"' in exports["outlines"]["outline.svg"]
    assert any("Letter pages" in m.value for m in app.markdown)


def test_app_entry_point_runs():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not app.exception
    assert app.title[0].value == "Upload a photo"


@pytest.mark.slow
def test_style_page_runs_real_transfer_with_untrained_network(small_photo, monkeypatch):
    """The expensive boundary (the pretrained network) is swapped for the real untrained VGG19."""
    from assistant.style import features
    from pages import _resources

    untrained = features.build_feature_extractor(None)
    monkeypatch.setattr(_resources, "get_network", lambda: (untrained, "CPU, 2 threads"))
    monkeypatch.setattr(features, "build_feature_extractor", lambda *a, **k: untrained)
    app = run_page("pages/style.py", photo=small_photo[:64, :96], photo_name="cat")
    assert not app.exception
    assert "untrained VGG19" not in app.caption[0].value and "Refine the texture" in app.caption[0].value
    assert any("untrained VGG19" in caption.value for caption in app.caption)  # in Advanced, for the curious
    # Each change is its own run, as in a browser (a run then locks the controls; Streamlit
    # discards values sent for a control that is locked by then).
    app.select_slider(key="style_size").set_value(128).run()
    app.slider(key="style_iterations").set_value(2).run()
    app.selectbox(key="style_blend").set_value("Ink cross-hatching").run()
    app.slider(key="style_blend_share").set_value(0.3).run()
    app.button(key="style_run").click().run()
    assert not app.exception
    # The run is a background job: visiting another page does not stop it; its result arrives there.
    app.switch_page("pages/palette.py").run()
    assert not app.exception
    said = [s.value for s in app.success]  # a quick run may already have ended here
    finish_jobs(app)
    said += [s.value for s in app.success]
    assert any("Repainted in" in words for words in said), said
    target = app.session_state["target"]
    assert target.shape == (64, 96, 3)
    record = app.session_state["style_record"]
    assert record.network == "vgg19-random"
    assert "Ink cross-hatching (30%)" in record.name and record.options.max_side == 128
    assert np.array_equal(app.session_state["guide"].target, target)  # the palette page was rebuilt from the new picture
    app.switch_page("pages/style.py").run()
    assert app.select_slider(key="style_size").value == 128  # the settings stayed
    assert app.selectbox(key="style_blend").value == "Ink cross-hatching"
    assert not app.warning  # the picture shows the settings that made it
    app.radio(key="style_strength").set_value("Strong").run()
    assert "settings above changed" in app.warning[0].value
    app.button(key="style_skip").click().run()
    assert "target" not in app.session_state


@pytest.mark.slow
def test_strokes_page_paints_with_real_renderer(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/strokes.py", guide=guide, photo=small_photo)
    assert not app.exception
    assert "learned stroke renderer" in app.caption[0].value
    assert "No brushstrokes yet" in app.info[0].value
    app.slider(key="strokes_budget").set_value(200).run()
    app.slider(key="strokes_brush").set_value((1.0, 25.0)).run()
    app.button(key="strokes_run").click().run()
    assert not app.exception
    assert app.button(key="strokes_run").disabled  # nothing can disturb the run
    finish_jobs(app)
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


def test_settings_stay_across_pages(small_photo):
    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    app.slider(key="palette_n_colors").set_value(5).run()
    app.number_input(key="palette_seed").set_value(7).run()
    app.switch_page("pages/steps.py").run()
    app.switch_page("pages/upload.py").run()
    app.switch_page("pages/palette.py").run()
    assert not app.exception
    assert app.slider(key="palette_n_colors").value == 5 and app.number_input(key="palette_seed").value == 7
    assert app.session_state["guide"].options.n_colors == 5
    app.switch_page("pages/strokes.py").run()
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert "Photo: **cat**" in sidebar and "5 colours" in sidebar  # the summary shows what the pages made
    app.slider(key="strokes_budget").set_value(400).run()
    app.switch_page("pages/palette.py").run()
    app.switch_page("pages/strokes.py").run()
    assert app.slider(key="strokes_budget").value == 400


def test_reload_restores_the_work_from_the_session_folder(small_photo):
    app = run_page("pages/palette.py", photo=small_photo, photo_name="cat")
    app.slider(key="palette_n_colors").set_value(7).run()  # the page keeps the work under the id in the URL
    session = app.session_state["session_id"]
    assert app.query_params["s"] == [session] or app.query_params["s"] == session
    plan = app.session_state["guide"]

    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    reloaded.query_params["s"] = session
    reloaded.run()
    reloaded.switch_page("pages/palette.py").run()
    assert not reloaded.exception
    assert reloaded.session_state["session_id"] == session
    assert reloaded.session_state["photo_name"] == "cat"
    assert np.array_equal(reloaded.session_state["photo"], small_photo)
    assert reloaded.slider(key="palette_n_colors").value == 7
    assert reloaded.session_state["guide"].palette.rgb.tolist() == plan.palette.rgb.tolist()

    stranger = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    stranger.query_params["s"] = "x" * 32  # a made-up id: a fresh session, never someone else's work
    stranger.run()
    assert stranger.session_state["session_id"] != "x" * 32 and "photo" not in stranger.session_state
    assert "no longer kept" in stranger.info[0].value


def _open_upload_script():
    import streamlit as st

    from pages import _persist, _state

    _persist.start_session()
    st.session_state["opened"] = _state.open_upload(st.session_state["upload_bytes"], st.session_state["upload_name"])


def _open(data: bytes, name: str) -> AppTest:
    """Run the Upload page's open step (AppTest cannot drive a file uploader) on ``data``."""
    app = AppTest.from_function(_open_upload_script, default_timeout=TIMEOUT)
    app.session_state["upload_bytes"], app.session_state["upload_name"] = data, name
    return app.run()


def test_project_file_opens_with_its_settings(small_photo):
    from assistant.export import plan_json
    from assistant.project import project_from_guide, save_project

    guide = make_guide(small_photo, GuideOptions(n_colors=5, seed=2))
    data = save_project(project_from_guide(guide, photo_name="cat.jpg", settings={"palette_n_colors": 5}))
    app = _open(data, "saved.project")
    assert not app.exception and app.session_state["opened"]
    assert app.session_state["photo_name"] == "cat.jpg"
    assert plan_json(app.session_state["guide"]) == plan_json(guide)
    assert app.session_state["settings"]["palette_n_colors"] == 5
    assert "Opened saved.project" in app.success[0].value

    bad = _open(b"PK\x03\x04 broken", "broken.project")
    assert not bad.exception and not bad.session_state["opened"]
    assert bad.error[0].value.startswith("broken.project: This project file is damaged")


@pytest.mark.slow
def test_cancel_from_another_page_says_cancelled_and_keeps_the_work(small_photo):
    guide = make_guide(small_photo, GuideOptions(n_colors=6))
    app = run_page("pages/strokes.py", guide=guide, photo=small_photo)
    app.slider(key="strokes_budget").set_value(3000).run()
    app.button(key="strokes_run").click().run()
    app.switch_page("pages/steps.py").run()
    assert not app.exception
    assert app.sidebar.button(key="sidebar_cancel_strokes")  # the run shows on every page, with Cancel
    app.sidebar.button(key="sidebar_cancel_strokes").click().run()
    finish_jobs(app, timeout=60)
    assert any(w.value.startswith("Cancelled: Painting 3000 brushstrokes") for w in app.warning)
    assert app.session_state["guide"] is guide and guide.strokes is None  # nothing half-made replaced it
    from pages import _panels

    assert _panels.job_board().jobs(app.session_state["session_id"]) == []


def test_reloading_an_empty_session_is_not_a_lost_link():
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    session = app.session_state["session_id"]
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    again.query_params["s"] = session
    again.run()
    assert again.session_state["session_id"] == session and not again.info


def test_a_photo_a_hair_above_white_shows_on_every_page():
    """Issue 20: resampling gives 1.0000002 from pure white; st.image refused it with a traceback on every page."""
    photo = np.ones((120, 160, 3), np.float32)
    photo[40:80, 40:120] = (0.8, 0.2, 0.1)
    photo[:10] = np.nextafter(np.float32(1.0), np.float32(2.0))  # a blown-out sky, as a resize leaves it
    for page in ("pages/upload.py", "pages/style.py", "pages/palette.py", "pages/steps.py"):
        app = run_page(page, photo=photo, photo_name="sky.jpg")
        assert not app.exception, page


@pytest.mark.parametrize("canvas, fit", [("30x40cm", "crop"), ("30x40cm", "pad"), ("50x40cm", "crop")])
def test_a_guide_with_a_canvas_and_brushstrokes_survives_opening_and_a_reload(canvas, fit):
    """Issue 20: such a guide came back as 'damaged (the brushstroke painting and the photo differ in size)'."""
    from assistant.export import plan_json
    from assistant.project import project_from_guide, save_project
    from assistant.strokes.painter import PainterOptions, paint
    from assistant.work import attach_painting

    photo = photo_array("astronaut", 160)
    guide = make_guide(photo, GuideOptions(n_colors=5, seed=2, canvas=canvas, fit=fit, crop_y=0.3))
    painting = paint(guide.target, guide.palette.rgb, PainterOptions(n_strokes=40, max_side=64, seed=1), renderer=None)
    guide = attach_painting(guide, painting)
    app = _open(save_project(project_from_guide(guide, photo_name="astronaut.png")), "portrait.project")
    assert not app.exception and app.session_state["opened"], [e.value for e in app.error]
    assert plan_json(app.session_state["guide"]) == plan_json(guide)

    reloaded = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    reloaded.query_params["s"] = app.session_state["session_id"]
    reloaded.run()
    reloaded.switch_page("pages/strokes.py").run()
    assert not reloaded.exception and not reloaded.error, [e.value for e in reloaded.error]
    restored = reloaded.session_state["guide"]
    assert restored.strokes is not None and restored.strokes.painting.strokes == guide.strokes.painting.strokes
    assert plan_json(restored) == plan_json(guide)


def test_style_page_paints_bundled_styles_with_their_fitted_vectors_at_their_own_strength(small_photo):
    """Issue 25: a bundled style is passed by id (its stored VGG19-fitted vector, not the predictor's); the
    strength starts at each style's own and follows the style until the painter moves it."""
    from assistant.style.fast import STYLE_STRENGTHS, load_fast_style

    stored = load_fast_style().stored_vectors
    app = run_page("pages/style.py", photo=small_photo, photo_name="cat")
    assert not app.exception
    assert app.slider(key="style_fast_strength").value == STYLE_STRENGTHS["impasto_oil"]
    app.selectbox(key="style_choice").set_value("Palette knife").run()
    assert app.slider(key="style_fast_strength").value == STYLE_STRENGTHS["palette_knife"]
    app.button(key="style_use").click().run()
    record = app.session_state["style_record"]
    assert np.allclose(record.vector, stored["palette_knife"], atol=1e-6)
    assert record.fast_strength == STYLE_STRENGTHS["palette_knife"] and record.colour_anchor == 0.75
    app.selectbox(key="style_blend").set_value("Ink cross-hatching").run()  # half and half
    blended = app.session_state["style_record"]
    assert np.allclose(blended.vector, 0.5 * stored["palette_knife"] + 0.5 * stored["ink_hatching"], atol=1e-5)
    assert blended.fast_strength == 0.55  # the mean of 0.7 and 0.4
    app.slider(key="style_fast_strength").set_value(0.3).run()  # the painter's own choice stays
    app.selectbox(key="style_blend").set_value("None").run()
    app.selectbox(key="style_choice").set_value("Glazed oil").run()
    assert not app.exception and app.slider(key="style_fast_strength").value == 0.3


def test_style_page_instant_picture_follows_the_sliders_without_a_job(small_photo):
    """Issue 25: the strength slider repaints the preview on the page; no background job, no wait."""
    from pages import _panels

    app = run_page("pages/style.py", photo=small_photo, photo_name="cat")
    assert not app.exception
    first = app.session_state["fast_preview"][1]
    assert "No style yet" in app.info[0].value and "target" not in app.session_state
    app.slider(key="style_fast_strength").set_value(0.9).run()
    assert not app.exception and not _panels.job_board().jobs(app.session_state["session_id"])
    stronger = app.session_state["fast_preview"][1]
    assert np.abs(stronger - small_photo).mean() > np.abs(first - small_photo).mean()
    app.button(key="style_use").click().run()
    record = app.session_state["style_record"]
    assert record.engine == "fast" and record.fast_strength == 0.9 and len(record.vector) == 100
    assert np.array_equal(app.session_state["target"], stronger)
    app.slider(key="style_fast_strength").set_value(0.3).run()  # the painting follows an instant picture
    assert app.session_state["style_record"].fast_strength == 0.3
    assert np.array_equal(app.session_state["target"], app.session_state["fast_preview"][1])
    app.selectbox(key="style_choice").set_value("Palette knife").run()
    assert "Palette knife" in app.session_state["style_record"].name and not app.exception


def test_a_stylised_picture_made_by_the_cli_is_kept_on_the_style_page(small_photo):
    """No work lost: a project's instant picture without the page's controls is not replaced by a visit."""
    from assistant.project import project_from_guide, save_project
    from assistant.style.assets import load_style
    from assistant.style.fast import FastStyleOptions, load_fast_style, stylize_fast

    networks = load_fast_style()
    options = FastStyleOptions(strength=0.9)
    result = stylize_fast(small_photo, [(load_style("pointillist", max_side=256)[0], 1.0)], networks=networks,
                          options=options)
    record = result.record(["Pointillist"], [1.0], networks=networks, options=options)
    guide = make_guide(small_photo, GuideOptions(n_colors=5), target=result.image, style=record)
    app = _open(save_project(project_from_guide(guide, style_source={"styles": ["pointillist"]})), "cli.project")
    assert app.session_state["opened"]
    opened_session = app.session_state["session_id"]
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)  # the same work, in the full app
    app.query_params["s"] = opened_session
    app.run()
    app.switch_page("pages/style.py").run()
    assert not app.exception
    assert np.allclose(app.session_state["target"], result.image)  # kept as it was
    assert app.session_state["style_record"].name == "Pointillist"
    app.button(key="style_use").click().run()  # the painter chooses the page's picture instead
    assert not np.allclose(app.session_state["target"], result.image)


def test_step_pictures_get_a_grey_edge_so_white_canvas_shows_where_it_ends():
    """Painter's walk-through: the unpainted canvas melted into the white page in the step viewer."""
    from pages._widgets import framed

    canvas = np.ones((40, 60, 3), np.float32)
    shown = framed(canvas)
    assert shown.shape == (42, 62, 3) and shown.dtype == np.uint8
    assert (shown[0] == 140).all() and (shown[:, -1] == 140).all() and (shown[1:-1, 1:-1] == 255).all()
    assert (canvas == 1).all()  # the guide's own picture is left as it was
