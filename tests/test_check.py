"""Check my canvas (issue 23): finding and straightening the canvas, the light, steps and regions, the CLI, the page."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from canvas_photos import OFF, canvas_photo, clutter_photo, kelvin_gains
from conftest import photo_array

from assistant import GuideOptions, decode_image, make_guide
from assistant.check import CanvasNotFound, CheckOptions, check_canvas, parse_corners
from assistant.check.advice import describe_error, fix_for
from assistant.check.light import correct_light, linear_to_srgb, srgb_to_linear
from assistant.check.locate import apparent_aspect, homography, order_clockwise, rectify
from assistant.color.spaces import delta_e2000, rgb_to_lab

SIZE = (1280, 960)


@pytest.fixture(scope="module")
def guide():
    return make_guide(photo_array("astronaut", 384), GuideOptions(canvas="30x40cm", focus="none"))


def _photo(shot) -> np.ndarray:
    return decode_image(shot.jpeg, max_side=2048).pixels


def _status(result) -> np.ndarray:
    return np.array([{"todo": 0, "done": 1, "off": 2}[r.status] for r in result.regions])


# --- geometry --------------------------------------------------------------------------------


def test_homography_round_trip():
    import cv2

    canvas = photo_array("coffee", 300)  # 300 × 200
    corners = np.array([[420, 130], [880, 210], [820, 610], [380, 520]], np.float32)
    to_photo = np.linalg.inv(homography(corners, canvas.shape[:2]))
    photo = cv2.warpPerspective(canvas, to_photo, (1200, 800), flags=cv2.INTER_LINEAR)
    back = rectify(photo, corners, canvas.shape[:2])
    inner = (slice(4, -4), slice(4, -4))
    error = delta_e2000(rgb_to_lab(back[inner]), rgb_to_lab(canvas[inner]))
    assert np.median(error) < 1.5 and np.percentile(error, 90) < 6
    # The corners come back in screen order from any order, and parse from text.
    assert np.allclose(order_clockwise(corners[[2, 0, 3, 1]]), corners)
    assert np.allclose(parse_corners("420,130, 880,210; 820,610, 380,520"), corners)
    with pytest.raises(ValueError, match="Expected the four corners"):
        parse_corners("1,2,3")


def test_apparent_aspect_of_a_tilted_rectangle():
    """A 30 × 40 cm canvas tilted 30° is seen with its real proportions (0.75), not its picture's."""
    import math

    focal, angle = 1000.0, math.radians(30)
    rotation = np.array([[1, 0, 0], [0, math.cos(angle), -math.sin(angle)], [0, math.sin(angle), math.cos(angle)]])
    points = np.array([[-150, -200, 0], [150, -200, 0], [150, 200, 0], [-150, 200, 0]], float) @ rotation.T
    points += (40, -30, 1200)
    corners = focal * points[:, :2] / points[:, 2:] + (640, 480)
    assert apparent_aspect(corners, (960, 1280)) == pytest.approx(0.75, rel=0.03)


# --- light ----------------------------------------------------------------------------------


def test_light_correction_takes_out_a_warm_uneven_light_and_keeps_a_wrong_colour(guide):
    planned = guide.steps.picture(-1)
    height, width = planned.shape[:2]
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    light = ((0.55 + 0.5 * x) * (1 - 0.25 * y**2))[..., None] * kelvin_gains(3000) ** 0.6
    painted = planned.copy()
    lightness = guide.palette.lab[guide.regions.labels, 0]
    region = int(np.argmax(guide.regions.areas * ((lightness > 40) & (lightness < 75))))  # a big mid-tone region
    wrong = guide.regions.ids == region
    painted[wrong] = linear_to_srgb(srgb_to_linear(painted[wrong]) * [1.35, 1.0, 0.7])  # mixed too warm
    photo = linear_to_srgb(srgb_to_linear(painted) * light * 0.9 + 0.01)
    assert delta_e2000(rgb_to_lab(photo), rgb_to_lab(painted)).mean() > 8
    shift = np.median(delta_e2000(rgb_to_lab(painted[wrong]), rgb_to_lab(planned[wrong])))
    corrected, found = correct_light(photo, planned, groups=guide.regions.ids)
    error = delta_e2000(rgb_to_lab(corrected), rgb_to_lab(planned))
    assert np.median(error[~wrong]) < 1.0
    assert np.median(error[wrong]) > 0.75 * shift  # the wrong colour (12 % of the canvas) is not "corrected away"
    assert found.warmth > 0.3 and "warm" in found.words()


# --- steps and regions ------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1, 5, "last"])
def test_step_reached_at_the_first_a_middle_and_the_last_step(guide, step):
    step = len(guide.steps) if step == "last" else step
    shot = canvas_photo(guide, step, seed=100 + step, size=SIZE)
    result = check_canvas(_photo(shot), guide)
    assert result.found_by in ("edges", "features")
    diagonal = np.linalg.norm(shot.corners[0] - shot.corners[2])
    assert np.abs(result.corners - shot.corners).max() < 0.02 * diagonal
    assert result.step_reached == step
    assert result.next_step == (None if step == len(guide.steps) else step + 1)
    assert 0.0 <= result.progress <= 1.0 and len(result.step_progress) == len(guide.steps)
    status = _status(result)
    assert np.mean(status == shot.painted.status) >= 0.9
    assert result.overlay.dtype == np.float32 and result.overlay.shape[2] == 3
    assert result.rectified.shape[:2] == guide.labels.shape
    if step == len(guide.steps):  # large regions painted far off are flagged, with advice in words
        large = (shot.painted.status == OFF) & (guide.regions.areas > 0.004 * guide.regions.areas.sum())
        # The photographed colour reads up to about 4 ΔE00 from the paint (light, white balance, JPEG: 19.2 off read
        # 15.0 here), so one painted 10.4 off (the draws' least) can read 7.1, under the 8.0 the check flags from
        # (bench/canvas_check.py: off recall 0.98). Every one beyond that error is flagged, and most of the rest.
        clear = large & (shot.painted.shift >= CheckOptions().off_delta_e + 6.0)
        assert clear.any() and np.all(status[clear] == 2)
        assert np.mean(status[large] == 2) >= 0.6
        offs = [r for r in result.regions if r.status == "off"]
        assert all(r.advice and r.delta_e > CheckOptions().off_delta_e for r in offs)


def _started(view, step: int, share: float = 0.3) -> np.ndarray:
    """Regions of ``step + 1`` started before ``step`` is judged reached: the most compact ones (most core
    pixels for their area) first, up to ``share`` of the next step's area."""
    members = np.flatnonzero(view.step == step + 1)
    area = np.bincount(view.ids.ravel(), minlength=len(view.step))
    core = np.bincount(view.ids[view.interior], minlength=len(view.step))
    chosen, budget = [], share * area[members].sum()
    for region in members[np.argsort(-core[members] / np.maximum(area[members], 1))]:
        if area[region] <= budget:
            chosen.append(region)
            budget -= area[region]
    return np.array(chosen, dtype=int)


def test_a_started_next_step_is_not_the_step_reached(guide):
    """The next step started on under a third of its area (its most compact regions, which have the most core
    pixels for their area) is not reached: each region votes by its area, not by the pixels it is judged on."""
    from assistant.check.compare import PlanView, judge

    view = PlanView.of(guide, guide.labels.shape)
    for step in range(2, len(guide.steps)):
        started = _started(view, step)
        canvas = view.after(step)
        ahead = np.isin(view.ids, started)
        canvas[ahead] = view.paint[view.ids[ahead]]
        judged = judge(canvas, view, off_delta_e=8.0, painted_share=0.5)
        assert judged.step_reached == step, (step, len(started))


def test_a_step_whose_paint_looks_like_the_canvas_still_counts(guide):
    """A step painted in colours a few ΔE00 from the toned ground under them (each a "lookalike") still has a
    small say: painted, the step is reached; bare, it is not."""
    import dataclasses

    from assistant.check.compare import LOOKALIKE_DELTA_E, PlanView, judge
    from assistant.color.spaces import lab_to_rgb

    view = PlanView.of(guide, guide.labels.shape)
    step = 4
    members = np.flatnonzero(view.step == step)
    paint = view.paint.copy()
    ground_lab = rgb_to_lab(view.ground)
    for region in members:  # the ground under the region, 5 L* darker: a lookalike paint
        under = np.median(ground_lab[view.ids == region], axis=0)
        paint[region] = lab_to_rgb((under - [5.0, 0, 0]).astype(np.float32))
    near = delta_e2000(rgb_to_lab(paint[members]), np.array([np.median(ground_lab[view.ids == r], axis=0)
                                                             for r in members]))
    assert np.all(near < LOOKALIKE_DELTA_E)
    lookalike = dataclasses.replace(view, paint=paint)
    assert judge(lookalike.after(step), lookalike, off_delta_e=8.0, painted_share=0.5).step_reached == step
    assert judge(lookalike.after(step - 1), lookalike, off_delta_e=8.0, painted_share=0.5).step_reached == step - 1


def test_a_channel_the_camera_clipped_is_not_read_as_a_wrong_colour(guide):
    """Under a warm lamp the camera clips the red of the light areas: the red seen is only "at least this
    much". Judged as if it were the truth, light regions look cyan (off, or painted where still bare);
    with the clipped channels marked, they are done or to do as painted."""
    from assistant.check.compare import PlanView, judge

    view = PlanView.of(guide, guide.labels.shape)
    step = 6
    truth = view.after(step)
    clipped = np.zeros(truth.shape, bool)
    clipped[..., 0] = truth[..., 0] > 0.72  # the camera saw at most this much red, after the light is taken out
    seen = truth.copy()
    seen[..., 0] = np.minimum(seen[..., 0], 0.72)
    assert clipped[..., 0].mean() > 0.2
    due = view.step <= step
    plain = judge(seen, view, off_delta_e=8.0, painted_share=0.5)
    marked = judge(seen, view, off_delta_e=8.0, painted_share=0.5, clipped=clipped)
    assert np.sum(plain.status[due] == 2) >= 3  # the failure this guards against
    assert np.sum(marked.status[due] == 2) == 0 and marked.step_reached == step
    assert np.all(marked.status[view.step > step + 1] == 0)


def test_small_regions_are_judged_on_the_photos_own_pixels(guide):
    """Regions too small to judge at the guide's working size are judged at up to twice that size (the
    canvas in the photo has the pixels): small regions painted ≥ 10 ΔE00 off are found, and the check
    says which regions it could not judge."""
    from assistant.check.compare import PlanView

    view = PlanView.of(guide, guide.labels.shape)
    small = np.bincount(view.ids[view.interior], minlength=len(guide.regions)) < 40  # too small at working size
    found = total = coarse_found = 0
    for seed in (21, 22):
        shot = canvas_photo(guide, len(guide.steps), seed=seed, size=(2400, 1800))
        pixels = _photo(shot)
        fine = check_canvas(pixels, guide)
        coarse = check_canvas(pixels, guide, options=CheckOptions(judge_side=256))  # at the working size
        off = (shot.painted.status == OFF) & small
        total += int(off.sum())
        found += int(np.sum(_status(fine)[off] == 2))
        coarse_found += int(np.sum(_status(coarse)[off] == 2))
        assert np.mean([r.judged for r in fine.regions]) > np.mean([r.judged for r in coarse.regions])
        assert fine.step_reached == len(guide.steps)
    assert total >= 5 and found >= 0.75 * total and found > coarse_found, (found, coarse_found, total)


def test_a_print_of_the_reference_photo_on_the_table_is_not_the_canvas(guide):
    """A small print of the photo the guide was made from (as the photo generator's clutter has) matches the
    plan's features, but it is not the canvas: under 6 % of the photo, as for edges (and here half out of it).
    A print as large as a canvas would be taken for one: it looks like the finished painting."""
    import cv2
    from PIL import Image

    table = decode_image(clutter_photo(seed=1, size=SIZE)).pixels.copy()
    height, width = guide.photo.shape[:2]
    print_w = int(0.2 * min(table.shape[:2]))
    assert print_w * print_w * height / width < 0.06 * table.shape[0] * table.shape[1]
    reference = cv2.resize(guide.photo, (print_w, round(print_w * height / width)), interpolation=cv2.INTER_AREA)
    for top, left in ((300, 200), (-reference.shape[0] // 2, 700)):
        photo = table.copy()
        rows = slice(max(0, top), top + reference.shape[0])
        photo[rows, left:left + reference.shape[1]] = reference[rows.start - top:]
        buffer = io.BytesIO()
        Image.fromarray((photo * 255).round().astype(np.uint8)).save(buffer, "JPEG", quality=85)
        with pytest.raises(CanvasNotFound):
            check_canvas(decode_image(buffer.getvalue()).pixels, guide)


def test_corners_given_by_hand_in_any_order(guide):
    shot = canvas_photo(guide, 4, seed=7, size=SIZE)
    result = check_canvas(_photo(shot), guide, corners=shot.corners[[2, 0, 1, 3]])
    assert result.found_by == "corners" and result.step_reached == 4
    assert np.abs(result.corners - shot.corners).max() < 0.01 * SIZE[0]


def test_no_canvas_is_one_line(guide):
    with pytest.raises(CanvasNotFound) as caught:
        check_canvas(decode_image(clutter_photo(seed=1, size=SIZE)).pixels, guide)
    assert "\n" not in str(caught.value) and "mark the four corners" in str(caught.value)


def test_options_and_inputs_are_checked(guide):
    photo = np.zeros((64, 64, 3), np.float32)
    with pytest.raises(ValueError, match="Expected off_delta_e"):
        check_canvas(photo, guide, options=CheckOptions(off_delta_e=0))
    with pytest.raises(ValueError, match="Expected judge_side"):
        check_canvas(photo, guide, options=CheckOptions(judge_side=4096))
    with pytest.raises(ValueError, match="Expected photo"):
        check_canvas(np.zeros((64, 64), np.float32), guide)
    with pytest.raises(ValueError, match="Expected the corners inside the photo"):
        check_canvas(photo, guide, corners=[[0, 0], [500, 0], [500, 500], [0, 500]])
    with pytest.raises(TypeError):
        check_canvas(photo, guide, CheckOptions())  # options are keyword-only


def test_advice_in_a_painters_words(guide):
    planned = np.array([50.0, 20.0, 30.0])
    assert describe_error(planned + [12, 0, 0], planned)[0] == "a value too light"
    assert "too warm" in describe_error(planned + [0, 6, 8], planned)
    assert "too dull (greyed)" in describe_error(planned * [1, 0.6, 0.6], planned)
    assert describe_error(planned + [-4, 0, 0], planned) == ["a little too dark"]
    colour = int(np.argmin([abs(c.lab[0] - 55) for c in guide.palette]))
    lab = np.array(guide.palette[colour].lab)
    fix = fix_for(lab + [15, 0, 0], lab, guide.recipes[colour], guide.paints)  # too light: a darker paint helps
    assert fix.startswith(("add ", "use ")) and not fix.startswith("add titanium white")


# --- the command line ------------------------------------------------------------------------


def test_cli_check_writes_check_json_and_png(guide, tmp_path, capsys):
    from assistant.cli import main
    from assistant.project import project_from_guide, save_project

    project = tmp_path / "guide.project"
    project.write_bytes(save_project(project_from_guide(guide, photo_name="astronaut")))
    photo = tmp_path / "canvas.jpg"
    photo.write_bytes(canvas_photo(guide, 3, seed=3, size=SIZE).jpeg)
    assert main(["check", str(project), str(photo), "-o", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / "check.json").read_text())
    assert record["canvas_found"] is True and record["step_reached"] == 3 and record["next_step"] == 4
    assert 0 <= record["progress"] <= 1 and len(record["regions"]) == len(guide.regions)
    assert set(record["regions"][0]) >= {"id", "colour", "status", "delta_e", "advice"}
    assert {r["status"] for r in record["regions"]} <= {"done", "todo", "off"}
    assert (tmp_path / "out" / "check.png").read_bytes().startswith(b"\x89PNG")
    assert "Step 3 of" in capsys.readouterr().out

    clutter = tmp_path / "table.jpg"
    clutter.write_bytes(clutter_photo(seed=2, size=SIZE))
    assert main(["check", str(project), str(clutter), "-o", str(tmp_path / "none")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("error: ") and "--corners" in error[0]
    assert not (tmp_path / "none").exists()


# --- the page ------------------------------------------------------------------------------------


def test_check_page_reads_a_photo_keeps_the_history_and_falls_back_to_corners(guide):
    from test_app_pages import run_page

    app = run_page("pages/check.py")
    assert not app.exception and "first" in app.info[0].value

    shot = canvas_photo(guide, 5, seed=5, size=SIZE)
    app = run_page("pages/check.py", guide=guide, photo=guide.photo, check_upload=("canvas.jpg", shot.jpeg))
    assert not app.exception
    assert app.subheader[0].value.startswith(f"Step 5 of {len(guide.steps)} reached")
    assert [m.label for m in app.metric] == ["Step reached", "Done", "Areas off"]
    history = app.session_state["settings"]["check_history"]
    assert len(history) == 1 and history[0]["step"] == 5 and history[0]["thumb"]
    assert app.toggle(key="check_manual").help and app.slider(key="check_off").help

    # No canvas in the photo: one line, then the painter's four clicks check it.
    app.session_state["check_upload"] = ("table.jpg", clutter_photo(seed=4, size=SIZE))
    app.run()
    assert not app.exception and "mark the four corners" in app.warning[0].value
    app.session_state["check_upload"] = ("canvas.jpg", shot.jpeg)
    app.session_state["check_corners"] = [tuple(c) for c in (shot.corners * 1.0)]
    app.toggle(key="check_manual").set_value(True).run()
    assert not app.exception and app.subheader[0].value.startswith("Step 5 of")
    assert len(app.session_state["settings"]["check_history"]) == 2


def test_printed_corner_markers_find_the_canvas(guide):
    """Printed ArUco markers (DICT_4X4_50, ids 0–3, white margin) stuck in the corners of the canvas."""
    import cv2
    from canvas_photos import paint_canvas, photograph

    from assistant.check.locate import MARKER_MARGIN

    painted = paint_canvas(guide, 3, seed=11)
    canvas = painted.image.copy()
    side = canvas.shape[1] // 8
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    height, width = canvas.shape[:2]
    inner = round(side / (1 + 2 * MARKER_MARGIN))
    for marker, (row, col) in enumerate([(0, 0), (0, width - side), (height - side, width - side), (height - side, 0)]):
        sticker = np.ones((side, side), np.float32)  # printed upright with a white margin
        start = (side - inner) // 2
        sticker[start:start + inner, start:start + inner] = cv2.aruco.generateImageMarker(dictionary, marker, inner) / 255
        canvas[row:row + side, col:col + side] = sticker[..., None]
    jpeg, corners, _ = photograph(canvas, (guide.canvas.width_mm, guide.canvas.height_mm), seed=12, size=SIZE,
                                  max_tilt=20, quality=90)
    result = check_canvas(decode_image(jpeg, max_side=2048).pixels, guide)
    assert result.found_by == "markers"
    assert np.abs(result.corners - corners).max() < 0.01 * SIZE[0]


def test_watercolour_advice_never_adds_white(guide):
    """Watercolour is made lighter with water, not white paint; a wash too dark is lifted."""
    from assistant.check.advice import region_advice

    planned = np.asarray(guide.palette[len(guide.palette) - 1].lab)  # the lightest colour
    darker = planned - np.array([15.0, 0.0, 0.0])
    recipe = guide.recipes[len(guide.palette) - 1]
    acrylic = region_advice(darker, planned, recipe=recipe, paints=guide.paints, medium="acrylic")
    watercolour = region_advice(darker, planned, recipe=recipe, paints=guide.paints, medium="watercolor")
    assert "too dark" in acrylic.lower() or "darker" in acrylic.lower()
    fix = watercolour.split(":", 1)[1].split(".")[0]
    assert "white" not in fix and ("lift" in fix or "add" in fix)
    assert "Watercolour dries lighter" not in watercolour  # that note is for a wash too light
