"""The detail map (issue 21): where the painting keeps detail, and every stage following it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import photo_array

from assistant.plan.focus import (
    NEUTRAL,
    SALIENT_DETAIL,
    SALIENT_NEAR_FACE,
    Mark,
    area_scale,
    detail_map,
    importance,
    parse_focus,
    parse_marks,
)


def _face(x, y, w, h):
    from assistant.faces import Face

    landmarks = {"left_eye": (x + 0.3 * w, y + 0.4 * h), "right_eye": (x + 0.7 * w, y + 0.4 * h),
                 "nose": (x + 0.5 * w, y + 0.6 * h), "mouth_left": (x + 0.35 * w, y + 0.8 * h),
                 "mouth_right": (x + 0.65 * w, y + 0.8 * h)}
    return Face(box=(x, y, w, h), confidence=0.99, landmarks=landmarks)


def test_parse_focus():
    assert parse_focus("auto") == ("auto", None)
    assert parse_focus(" None ") == ("none", None)
    assert parse_focus("0.4,0.3") == ("point", (0.4, 0.3, 0.15))
    assert parse_focus("0.4,0.3,0.1") == ("point", (0.4, 0.3, 0.1))
    for bad in ("centre", "0.4", "1.5,0.3", "0.4,0.3,0", "nan,0.2", ""):
        with pytest.raises(ValueError, match="Expected"):
            parse_focus(bad)


def test_parse_marks_from_project_lists():
    marks = parse_marks([[0.2, 0.3, 0.1, True], [0.8, 0.8, 0.2, False]])
    assert marks == (Mark(0.2, 0.3, 0.1, True), Mark(0.8, 0.8, 0.2, False))
    with pytest.raises(ValueError, match="Expected"):
        parse_marks([[0.2, 0.3, 0.1]])
    with pytest.raises(ValueError, match="Expected"):
        parse_marks([[0.2, 0.3, 0.1, "yes"]])
    with pytest.raises(ValueError, match="Expected at most 200"):
        parse_marks([[0.5, 0.5, 0.1, True]] * 201)


def test_formulas_are_neutral_at_one_half():
    assert importance(np.array([NEUTRAL]))[0] == pytest.approx(1.0)
    assert importance(np.array([1.0]))[0] > 4 and importance(np.array([0.0]))[0] < 0.25
    scale = area_scale(np.array([0.0, 0.5, 1.0]), 0.1)
    assert scale[1] == pytest.approx(1.0) and scale[0] > 1.5 and scale[2] == pytest.approx(0.1)


def test_none_is_neutral_and_marks_still_apply():
    image = photo_array("coffee", 96)
    plain = detail_map(image, focus="none")
    assert plain.is_neutral and plain.detail.shape == image.shape[:2] and plain.focal_point is None
    marked = detail_map(image, focus="none", marks=[(0.25, 0.5, 0.1, True), (0.75, 0.5, 0.1, False)])
    h, w = marked.detail.shape
    assert marked.detail[h // 2, w // 4] == pytest.approx(1.0)
    assert marked.detail[h // 2, 3 * w // 4] == pytest.approx(0.0)
    assert marked.detail[2, 2] == pytest.approx(NEUTRAL)


def test_faces_and_features_get_the_most_detail():
    image = photo_array("coffee", 128)
    face = _face(40.0, 20.0, 40.0, 48.0)
    found = detail_map(image, focus="auto", faces=(face,))
    eye = face.landmarks["left_eye"]
    assert found.detail[int(eye[1]), int(eye[0])] == pytest.approx(1.0)
    assert found.detail[44, 60] >= 0.85  # inside the face
    assert found.detail[:, -10:].max() < 0.9  # far from it
    assert found.focal_point == pytest.approx((60 / image.shape[1], 44 / image.shape[0]))
    assert found.name.startswith("the face (")
    assert image.flags.writeable and found.detail.dtype == np.float32


def test_a_painters_point_wins_over_the_face():
    image = photo_array("coffee", 128)
    found = detail_map(image, focus="0.9,0.9,0.05", faces=(_face(10.0, 10.0, 20.0, 20.0),))
    assert found.mode == "point" and found.focal_point == (0.9, 0.9)
    assert found.name == "the focal point (lower right)"


def test_without_faces_the_focal_point_is_where_things_stand_out():
    image = np.full((80, 120, 3), 0.5, np.float32)
    image[50:60, 90:100] = (0.9, 0.1, 0.1)  # one red square on grey
    found = detail_map(image, focus="auto", faces=())
    x, y = found.focal_point
    assert abs(x * 120 - 95) < 15 and abs(y * 80 - 55) < 15
    assert found.detail[55, 95] > found.detail[10, 10]


def test_around_a_face_what_stands_out_gets_little_extra_detail():
    """A portrait's background is simplified: its contrast is little finer than a guide without a map."""
    image = photo_array("coffee", 128)
    alone = detail_map(image, focus="auto", faces=())
    with_face = detail_map(image, focus="auto", faces=(_face(4.0, 4.0, 16.0, 20.0),))
    far = np.zeros(image.shape[:2], bool)
    far[60:, 60:] = True  # away from the face and its focal disc
    assert alone.detail[far].max() > NEUTRAL + 0.05  # the cup's rim stands out
    assert with_face.detail[far].max() <= SALIENT_NEAR_FACE + 1e-6 < SALIENT_DETAIL
    assert with_face.detail[far].min() >= 0.3 - 1e-6


def test_a_small_face_keeps_shapes_down_to_the_brush_tip():
    from assistant.pipeline import _feature_area, _fine_area

    mm_per_px = 0.585  # 683 px across 40 cm
    assert _fine_area(3, mm_per_px) == 18  # a 2 x 2 mm touch (and at least 2 x min_width²)
    assert _feature_area(3, mm_per_px, ()) is None
    assert _feature_area(3, mm_per_px, (_face(0.0, 0.0, 300.0, 360.0),)) == 18  # a big face: as elsewhere
    assert _feature_area(3, mm_per_px, (_face(0.0, 0.0, 59.0, 76.0),)) == 4  # 59 px / 30 = 2 px across
    # the smallest of the faces decides, and never below the 1 mm² dot of the brush's tip (3 px here)
    assert _feature_area(3, mm_per_px, (_face(0.0, 0.0, 300.0, 360.0), _face(0.0, 0.0, 20.0, 24.0))) == 3


def test_the_feature_area_holds_inside_the_face_not_around_it():
    """A 3 x 3 px shape stays in a face's skin (detail 0.9: 8 px at least with a 4-px feature area) and goes in the
    hair around it (the focal disc, 0.85: 33 px)."""
    from assistant.plan.focus import FACE_DETAIL, FOCAL_DETAIL
    from assistant.plan.regions import clean_labels, find_regions

    labels = np.zeros((60, 80), np.int32)
    labels[20:23, 20:23] = 1  # in the face
    labels[20:23, 60:63] = 1  # in the hair
    detail = np.full(labels.shape, FOCAL_DETAIL, np.float32)
    detail[:, :40] = FACE_DETAIL
    kept = clean_labels(labels, min_area=140, min_width=3, smooth=0, detail=detail, fine_area=18, fine_width=2,
                        feature_area=4)
    assert kept[20:23, 20:23].all() and not kept[20:23, 60:63].any()
    assert len(find_regions(kept)) == 2
    without = clean_labels(labels, min_area=140, min_width=3, smooth=0, detail=detail, fine_area=18, fine_width=2)
    assert not without.any()  # the 2 x 2 mm touch (18 px) takes both


def test_detail_map_is_cut_like_the_photo_for_the_canvas():
    from assistant import GuideOptions
    from assistant.pipeline import focus_for

    image = photo_array("coffee", 128)  # a landscape photo on a square canvas
    short, long = min(image.shape[:2]), max(image.shape[:2])
    options = GuideOptions(canvas="30x30cm", focus="none", marks=((0.5, 0.5, 0.05, True),))
    fitted = focus_for(image, options)
    assert fitted.detail.shape == (short, short)
    assert fitted.detail[short // 2, short // 2] == pytest.approx(1.0)  # the mark moved with the crop
    padded = focus_for(image, GuideOptions(canvas="30x30cm", fit="pad", focus="none"))
    assert padded.detail.shape == (long, long) and padded.detail[0, 0] == 0.0  # the plain border


def test_guide_keeps_face_detail_and_region_count():
    """The portrait keeps small regions in the face, not in the background, at about the same count."""
    from assistant import GuideOptions, make_guide

    image = photo_array("astronaut", 256)
    plain = make_guide(image, GuideOptions(max_side=256, focus="none", n_colors=10))
    focused = make_guide(image, GuideOptions(max_side=256, focus="auto", n_colors=10))
    assert plain.focus.is_neutral and focused.focus.faces
    assert len(focused.regions) <= 1.35 * len(plain.regions)
    x, y, w, h = (int(v) for v in focused.focus.faces[0].box)

    def in_face(guide):
        return len(np.unique(guide.regions.ids[y:y + h, x:x + w]))

    assert in_face(focused) > in_face(plain)
    assert focused.steps[-1].title.startswith("Finish the face")
    assert any("Most detail goes to the face" in note for note in focused.notes)


def test_the_portrait_keeps_a_skin_paint():
    """Issue 21: on the astronaut the face was painted in the greys of the suit and the background."""
    from assistant import GuideOptions, make_guide
    from assistant.color.spaces import delta_e2000
    from assistant.plan.focus import skin_colours

    image = photo_array("astronaut", 256)
    guide = make_guide(image, GuideOptions(max_side=256, n_colors=10))
    plain = make_guide(image, GuideOptions(max_side=256, n_colors=10, focus="none"))
    skins = skin_colours(guide.target, guide.focus.faces)
    assert len(skins) == 2 and 50 < skins[0][0] < 92 and 4 < skins[0][1] < 40 and 8 < skins[0][2] < 40  # warm skin
    assert skins[1][0] < skins[0][0]  # the shadow side is darker
    for skin in skins:  # lit and shadow skin each have a paint within what a painter tells apart in a face
        assert delta_e2000(guide.palette.lab, skin[None]).min() < 6.0 < delta_e2000(plain.palette.lab, skin[None]).min()
    assert skin_colours(image, ()) == []


def test_focus_none_is_the_guide_without_a_detail_map():
    from assistant import GuideOptions, make_guide

    image = photo_array("chelsea", 128)
    a = make_guide(image, GuideOptions(max_side=128, focus="none", seed=3))
    b = make_guide(image, GuideOptions(max_side=128, focus="none", seed=3))
    assert np.array_equal(a.labels, b.labels) and not any(s.title.startswith("Finish") for s in a.steps)


def test_plan_json_and_project_keep_the_focus(tmp_path):
    import json

    from assistant import GuideOptions, make_guide
    from assistant.export import plan_json
    from assistant.project import Project, load_project, save_project
    from assistant.work import rebuild_guide

    image = photo_array("coffee", 96)
    options = GuideOptions(max_side=96, focus="0.3,0.4,0.1", marks=((0.8, 0.2, 0.1, False),), n_colors=6)
    guide = make_guide(image, options)
    plan = json.loads(plan_json(guide))
    assert plan["options"]["focus"] == "0.3,0.4,0.1" and plan["options"]["marks"] == [[0.8, 0.2, 0.1, False]]
    assert plan["focus"]["mode"] == "point" and plan["focus"]["focal_point"] == [0.3, 0.4]
    project = load_project(save_project(Project(photo=image, options=options)))
    assert project.options == options
    again = rebuild_guide(project)
    assert np.array_equal(again.labels, guide.labels)


def test_options_refuse_bad_focus():
    from assistant import GuideOptions

    with pytest.raises(ValueError, match="Expected focus"):
        GuideOptions(focus="middle").validate()
    with pytest.raises(ValueError, match="Expected a mark"):
        GuideOptions(marks=((2.0, 0.5, 0.1, True),)).validate()
