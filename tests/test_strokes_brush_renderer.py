"""The procedural brush (the oracle), the stroke layout and the shipped learned renderer."""

import json
import shutil

import numpy as np
import pytest

from assistant.strokes.brush import (
    SHAPE_LAYOUT,
    Stroke,
    field_to_alpha,
    paint_strokes,
    random_shapes,
    stroke_alpha,
    stroke_field,
)


def shape(**fields):
    base = {"x0": 0.2, "y0": 0.5, "x1": 0.5, "y1": 0.5, "x2": 0.8, "y2": 0.5, "w0": 0.2, "w1": 0.2}
    base.update(fields)
    return SHAPE_LAYOUT.from_dict(base)


def test_layout_round_trip_and_errors():
    vec = shape(x1=0.4, w1=0.1)
    assert SHAPE_LAYOUT.to_dict(vec)["x1"] == pytest.approx(0.4)
    assert np.array_equal(SHAPE_LAYOUT.from_dict(SHAPE_LAYOUT.to_dict(vec)), vec)
    assert SHAPE_LAYOUT.index("w0") == 6 and len(SHAPE_LAYOUT) == 8
    described = SHAPE_LAYOUT.describe()
    assert described["version"] == 1 and described["fields"][0] == "x0"
    with pytest.raises(ValueError, match="Missing"):
        SHAPE_LAYOUT.from_dict({"x0": 0.1})
    with pytest.raises(ValueError, match="Expected a field"):
        SHAPE_LAYOUT.index("pressure")
    with pytest.raises(ValueError, match="Expected 8 values"):
        SHAPE_LAYOUT.to_dict([1, 2, 3])


def test_straight_stroke_covers_its_width_and_nothing_else():
    size = 100
    alpha = stroke_alpha(shape(), size)  # horizontal, from x=20 to 80 px, 20 px wide, y=50
    assert alpha.shape == (size, size) and alpha.dtype == np.float32
    assert alpha[50, 50] == 1.0 and alpha[50, 25] == 1.0
    # Width across the middle: the coverage sums to the brush diameter.
    assert alpha[:, 50].sum() == pytest.approx(20.0, abs=0.6)
    # Nothing beyond the round caps (radius 10 px) or above/below the brush.
    assert alpha[:, :8].max() == 0.0 and alpha[:, 92:].max() == 0.0
    assert alpha[:38].max() == 0.0 and alpha[62:].max() == 0.0
    # Anti-aliased: the edge has partial coverage.
    assert 0.0 < alpha[40, 50] < 1.0 or 0.0 < alpha[39, 50] < 1.0 or 0.0 < alpha[60, 50] < 1.0


def test_pressure_and_bezier_control_point():
    alpha = stroke_alpha(shape(w0=0.06, w1=0.3), 100)
    assert alpha[:, 28].sum() < alpha[:, 72].sum() - 10  # thin start, wide end
    bent = stroke_alpha(shape(y1=0.1, w0=0.05, w1=0.05), 100)
    # The quadratic Bézier passes through (p0 + 2 p1 + p2) / 4 = (50, 30) px, not (50, 50).
    assert bent[30, 50] == 1.0 and bent[50, 50] == 0.0
    field = stroke_field(shape(), 100)
    assert np.array_equal(field_to_alpha(field), stroke_alpha(shape(), 100))
    # Radius minus distance: pixel (50, 50) has its centre 0.5 px below the line y = 50.
    assert field[50, 50] == pytest.approx(9.5, abs=0.05)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        stroke_alpha(np.zeros((3, 5)), 32)
    with pytest.raises(ValueError, match="finite"):
        stroke_alpha(np.full(8, np.nan), 32)
    with pytest.raises(ValueError, match="size >= 2"):
        stroke_alpha(shape(), 1)


def test_paint_strokes_uses_one_opaque_colour_and_keeps_input():
    canvas = np.full((60, 80, 3), 0.5, np.float32)
    before = canvas.copy()
    colors = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    stroke = Stroke(layer=1, color=2, points=((10, 30), (40, 30), (70, 30)), widths=(12, 12))
    out = paint_strokes(canvas, [stroke], colors)
    assert np.array_equal(canvas, before)
    assert np.allclose(out[30, 40], [0, 0, 1])  # exactly the palette colour inside
    assert np.allclose(out[5, 40], 0.5) and np.allclose(out[55, 5], 0.5)  # untouched outside
    assert 8 * 60 < (np.abs(out - before).sum(-1) > 0.4).sum() < 14 * 72
    with pytest.raises(ValueError, match="palette index"):
        paint_strokes(canvas, [Stroke(1, 3, stroke.points, stroke.widths)], colors)


def test_large_strokes_match_the_exact_brush():
    # Big boxes are evaluated on a coarse grid and upsampled; the edge must stay put.
    stroke = Stroke(1, 1, ((40, 300), (400, 40), (560, 520)), (90.0, 200.0))
    colors = np.array([[0, 0, 0]], np.float32)
    fast = paint_strokes(np.ones((600, 600, 3), np.float32), [stroke], colors)[..., 0]
    exact = 1.0 - stroke_alpha(stroke.shape_vector(600.0), 600)
    assert np.mean(np.abs(fast - exact)) < 1e-3
    assert np.mean(np.abs(fast - exact) > 0.25) < 1e-4


def test_random_shapes_are_seeded_and_in_range():
    a = random_shapes(200, np.random.default_rng(3))
    b = random_shapes(200, np.random.default_rng(3))
    assert np.array_equal(a, b) and a.shape == (200, 8)
    assert a[:, :6].min() >= 0.0 and a[:, :6].max() <= 1.0
    widths = a[:, SHAPE_LAYOUT.index("w0")]
    assert widths.min() >= 0.04 and widths.max() <= 0.4


# --- the shipped learned renderer ----------------------------------------------------


@pytest.fixture(scope="module")
def renderer():
    from assistant.strokes.renderer import load_renderer

    return load_renderer()


def test_shipped_renderer_matches_the_procedural_brush(renderer):
    from assistant.strokes.renderer import psnr

    manifest = renderer.manifest
    assert manifest["layout"]["version"] == SHAPE_LAYOUT.version
    # Fresh strokes from a seed used neither in training nor in the manifest's held-out set.
    shapes = random_shapes(300, np.random.default_rng(987_654))
    truth = stroke_alpha(shapes, renderer.size)
    predicted = renderer.render(shapes)
    assert predicted.shape == truth.shape
    score = psnr(predicted, truth)
    assert score >= manifest["held_out"]["psnr_db"] - 1.0
    assert score >= 28.0  # the target
    # It is a real imitation: far better than an empty frame or a blurred stroke.
    assert score > psnr(np.zeros_like(truth), truth) + 8.0


def test_renderer_is_differentiable(renderer):
    import tensorflow as tf

    x = tf.Variable(shape()[None])
    with tf.GradientTape() as tape:
        alpha = renderer.alpha(x)
        # Coverage right of x = 0.85: the stroke's round end cap reaches 0.9.
        loss = tf.reduce_sum(alpha[:, :, int(0.85 * renderer.size) :])
    grad = tape.gradient(loss, x).numpy()[0]
    assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0
    assert grad[SHAPE_LAYOUT.index("x2")] > 0  # moving the end to the right covers more there


def test_manifest_is_checked(tmp_path, renderer):
    from assistant.strokes.renderer import (
        MANIFEST_NAME,
        WEIGHTS_NAME,
        RendererFileError,
        default_model_dir,
        load_renderer,
    )

    src = default_model_dir()
    shutil.copy(src / MANIFEST_NAME, tmp_path / MANIFEST_NAME)
    shutil.copy(src / WEIGHTS_NAME, tmp_path / WEIGHTS_NAME)
    assert load_renderer(tmp_path).config == renderer.config

    data = bytearray((tmp_path / WEIGHTS_NAME).read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / WEIGHTS_NAME).write_bytes(bytes(data))
    with pytest.raises(RendererFileError, match="do not match the manifest"):
        load_renderer(tmp_path)

    shutil.copy(src / WEIGHTS_NAME, tmp_path / WEIGHTS_NAME)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    manifest["layout"]["version"] = 99
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(RendererFileError, match="retrain"):
        load_renderer(tmp_path)
    with pytest.raises(RendererFileError, match="No stroke renderer manifest"):
        load_renderer(tmp_path / "missing")
