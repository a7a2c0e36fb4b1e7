"""The real canvas: sizes, fitting, brushes in mm, region limits, value study, SVG and tiled printing."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assistant import GuideOptions, make_guide
from assistant.canvas import (
    BRUSHES,
    SMALLEST_BRUSH,
    Canvas,
    fit_box,
    fit_image,
    nearest_brush,
    parse_canvas,
    parse_crop_anchor,
)
from assistant.export import plan_json, write_guide
from assistant.export.svg import to_svg
from assistant.export.tiles import OVERLAP, PAPERS, full_size_pdf, tile_layout, tiles_pdf
from assistant.images import to_uint8
from assistant.plan.steps import step_brush
from assistant.plan.values import earth_colour, value_study

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def framed(chelsea_small):
    """A 40 × 50 cm portrait canvas from a landscape photo: cropped."""
    return make_guide(chelsea_small, GuideOptions(n_colors=8, seed=1, canvas="40x50cm"))


# --- sizes and fitting ---------------------------------------------------------------------------

@pytest.mark.parametrize("spec, width, height, unit", [
    ("40x50cm", 400, 500, "cm"), ("16x20in", 406.4, 508, "in"), ("300 x 400 mm", 300, 400, "cm"),
    ("50×40", 500, 400, "cm"), ("8x10\"", 203.2, 254, "in"),
])
def test_canvas_specs(spec, width, height, unit):
    canvas = parse_canvas(spec)
    assert (canvas.width_mm, canvas.height_mm, canvas.unit) == (pytest.approx(width), pytest.approx(height), unit)


@pytest.mark.parametrize("spec", ["0x50cm", "40x50km", "40by50cm", "4x5cm", "400x5000cm", "nanxinfcm", "-40x50cm"])
def test_impossible_canvas_is_refused_in_one_line(spec):
    with pytest.raises(ValueError, match=r"^Expected .*Received: canvas="):
        parse_canvas(spec)
    with pytest.raises(ValueError, match="Received"):
        GuideOptions(canvas=spec).validate()


@pytest.mark.parametrize("field, value", [("min_region_mm2", "abc"), ("crop_x", "0.5"), ("crop_y", 1.5),
                                          ("value_levels", "3"), ("fit", None), ("canvas", None), ("canvas", 40)])
def test_foreign_canvas_options_are_refused_in_one_line(field, value):
    with pytest.raises(ValueError, match=f"Received: {field}="):
        GuideOptions(**{field: value}).validate()


def test_no_canvas_means_the_photos_proportions():
    canvas = parse_canvas("", photo_shape=(300, 451))
    assert max(canvas.width_mm, canvas.height_mm) == 400
    assert canvas.aspect == pytest.approx(451 / 300, rel=1e-3)


@pytest.mark.parametrize("shape", [(7, 13), (13, 7), (101, 37), (50, 40)])
@pytest.mark.parametrize("spec", ["40x50cm", "50x40cm", "24x36in"])
def test_crop_and_pad_geometry_on_odd_aspect_ratios(shape, spec):
    canvas = parse_canvas(spec)
    image = np.random.default_rng(0).random((*shape, 3), dtype=np.float32)
    before = image.copy()
    cropped = fit_image(image, canvas, fit="crop", anchor=(0.0, 1.0))
    padded = fit_image(image, canvas, fit="pad")
    assert np.array_equal(image, before)  # never mutated
    for result in (cropped, padded):  # the canvas's proportions, to the nearest pixel
        h, w = result.shape[:2]
        assert abs(w - h * canvas.aspect) <= max(1.0, canvas.aspect) + 1e-9
    # A crop keeps a window of the photo (anchored left and bottom here); a pad keeps all of it, centred.
    h, w = cropped.shape[:2]
    assert h <= shape[0] and w <= shape[1] and (h == shape[0] or w == shape[1])
    assert np.array_equal(cropped, image[shape[0] - h :, :w])
    _, _, top, left, _ = fit_box(*shape, canvas.aspect, fit="pad")
    assert np.array_equal(padded[top : top + shape[0], left : left + shape[1]], image)
    assert padded.shape[0] >= shape[0] and padded.shape[1] >= shape[1]
    assert np.all(padded[padded.shape[0] - 1, padded.shape[1] - 1] == 1.0) or padded.shape[:2] == shape


def test_crop_anchor_words_and_numbers():
    assert parse_crop_anchor("top-left") == (0.0, 0.0)
    assert parse_crop_anchor("0.25, 1") == (0.25, 1.0)
    with pytest.raises(ValueError, match="crop_anchor='middle'"):
        parse_crop_anchor("middle")
    with pytest.raises(ValueError, match="Received"):
        parse_crop_anchor("1.5,0")


def test_guide_is_fitted_and_keeps_the_unfitted_photo(chelsea_small, framed):
    assert framed.labels.shape[1] / framed.labels.shape[0] == pytest.approx(0.8, abs=0.01)
    assert framed.photo.shape[:2] == framed.labels.shape and framed.target.shape == framed.photo.shape
    assert np.array_equal(framed.source_photo, chelsea_small)
    assert np.array_equal(framed.given_target, chelsea_small)
    x0 = round((chelsea_small.shape[1] - framed.photo.shape[1]) * 0.5)
    assert np.array_equal(framed.photo, chelsea_small[:, x0 : x0 + framed.photo.shape[1]])


# --- brushes, regions and paint ------------------------------------------------------------------

def test_nearest_brush_is_the_largest_that_fits():
    assert nearest_brush(25, "flat").size == "1-inch"
    assert nearest_brush(4.6, "round").size == "no. 6"
    assert nearest_brush(0.3, "round") == SMALLEST_BRUSH
    assert all(a.width_mm < b.width_mm for shape in BRUSHES.values() for a, b in zip(shape, shape[1:]))
    with pytest.raises(ValueError, match="shape='fan'"):
        nearest_brush(5, "fan")


def test_brushes_scale_with_the_canvas(framed):
    """The same regions on a canvas twice as large get brushes at least as wide, some wider."""
    from assistant.plan.steps import Medium

    small, large = [], []
    for step in framed.steps[1:]:
        phase = 0 if "large" in step.title or "background" in step.title else (1 if "shapes" in step.title else 2)
        members = list(step.regions)
        small.append(step_brush(framed.regions, members, phase, Medium.ACRYLIC, framed.mm_per_px).width_mm)
        large.append(step_brush(framed.regions, members, phase, Medium.ACRYLIC, 2 * framed.mm_per_px).width_mm)
    assert all(b >= a for a, b in zip(small, large)) and any(b > a for a, b in zip(small, large))
    # And end to end: a 1 m canvas names wider brushes than a 20 cm one.
    photo = framed.source_photo
    tiny = make_guide(photo, GuideOptions(n_colors=8, seed=1, canvas="20x25cm"))
    huge = make_guide(photo, GuideOptions(n_colors=8, seed=1, canvas="80x100cm"))
    assert np.median([s.brush_mm for s in huge.steps]) > 2 * np.median([s.brush_mm for s in tiny.steps])
    assert all(s.brush in s.instruction for s in huge.steps if s.brush)


def test_every_region_is_paintable_with_the_smallest_brush(framed):
    area_mm2 = framed.regions.areas * framed.mm_per_px**2
    assert area_mm2.min() >= framed.min_region_mm2 / 4 - 1e-6  # a high-contrast accent: a quarter at least
    assert np.mean(area_mm2 >= framed.min_region_mm2 - 1e-6) > 0.9  # and accents are few
    assert framed.min_region_mm2 >= 16.0
    # Wide enough for a no. 0 round: the widest inscribed disc is at least the brush (to a pixel).
    assert (2 * framed.regions.depths.min() + 1) * framed.mm_per_px >= SMALLEST_BRUSH.width_mm - 1e-6


def test_every_region_fits_the_brush_its_step_names(framed):
    for step in framed.steps[1:]:
        diameters = (2 * framed.regions.depths[list(step.regions)] + 1) * framed.mm_per_px
        assert diameters.min() * 1.1 >= step.brush_mm or step.brush_mm == SMALLEST_BRUSH.width_mm, step.title


def test_paint_amounts_cover_the_canvas(framed):
    amounts = framed.paint_amounts()
    assert sum(area for area, _ in amounts) == pytest.approx(framed.canvas.area_cm2, rel=0.01)
    assert all(ml >= 0.5 and ml * 2 == int(ml * 2) for _, ml in amounts)
    biggest = int(np.argmax([c.coverage for c in framed.palette]))
    assert amounts[biggest][1] == max(ml for _, ml in amounts)


# --- the value study -----------------------------------------------------------------------------

@pytest.mark.parametrize("levels", [3, 5])
def test_value_study_finds_the_bands_of_a_stepped_picture(levels):
    greys = np.repeat(np.linspace(0.05, 0.95, levels), 40)
    image = np.repeat(np.tile(greys, (60, 1))[..., None], 3, axis=2).astype(np.float32)
    study = value_study(image, levels=levels)
    assert study.labels.shape == image.shape[:2] and len(study.thresholds) == levels - 1
    assert sorted(np.unique(study.labels)) == list(range(levels))
    columns = study.labels[30, 20::40]  # the middle of each band
    assert list(columns) == list(range(levels))
    assert study.notan[:, :10].sum() == 0 and study.notan[:, -10:].all()  # dark left, light right
    assert study.image().shape == image.shape and study.shares().sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="levels=4"):
        value_study(image, levels=4)


def test_value_study_keeps_small_dark_features_only_where_the_detail_map_asks():
    """Issue 21: a face's eyes stay in the notan and value study; the same dots in the background melt."""
    image = np.full((200, 200, 3), 0.8, np.float32)
    image[:, 100:] = 0.55  # two masses of different values, so that the thresholds are not about the dots
    for cx in (30, 60, 140, 170):
        image[95:103, cx - 4:cx + 4] = 0.05  # 8 x 8 px dark "eyes": under 1/400 of the picture
    detail = np.full((200, 200), 0.3)
    detail[60:140, 10:90] = 1.0  # a face on the left
    plain, kept = value_study(image, levels=3), value_study(image, levels=3, detail=detail)
    assert plain.notan[99, 30] and plain.notan[99, 60]  # without the map the eyes melt into the light mass
    assert not kept.notan[99, 30] and not kept.notan[99, 60]  # with it they stay dark
    assert kept.labels[99, 30] == 0 and kept.labels[99, 60] == 0
    assert kept.labels[99, 140] == kept.labels[99, 120] and kept.labels[99, 170] == kept.labels[99, 120]
    assert image[99, 30, 0] == np.float32(0.05)  # the input is not modified
    with pytest.raises(ValueError, match="detail map of size"):
        value_study(image, levels=3, detail=detail[:10])


def test_first_step_is_the_value_study(framed, chelsea_small):
    first = framed.steps[0]
    assert first.title.startswith("Tone the canvas") and first.regions == () and first.brush in first.instruction
    assert first.colors == (earth_colour(framed.palette),)
    assert [s.index for s in framed.steps] == list(range(1, len(framed.steps) + 1))
    assert np.array_equal(framed.steps.images[-1], to_uint8(framed.quantized))
    wet = make_guide(chelsea_small, GuideOptions(n_colors=8, medium="watercolour", value_levels=5))
    assert wet.steps[0].title == "Value sketch and the whites to save" and wet.values.levels == 5
    assert "paper is your white" in wet.mixing_advice and framed.mixing_advice == ""


# --- the real-size outline -----------------------------------------------------------------------

def test_svg_is_the_canvas_size_in_millimetres(framed):
    root = ET.fromstring(to_svg(framed, grid=True))
    height = float(root.get("height").removesuffix("mm"))  # the canvas, and the legend below it
    assert root.get("width") == "400mm" and 500 < height < 600
    assert root.get("viewBox") == f"0 0 400 {height:g}"
    layers = {g.get("id"): g for g in root.iter(SVG + "g")}
    assert {"outline", "numbers", "grid", "legend"} <= set(layers)
    texts = [t.text for t in layers["numbers"].iter(SVG + "text")]
    assert len(texts) == len(framed.regions)
    assert sorted(set(texts), key=int) == [str(c.index) for c in framed.palette]
    paths = list(layers["outline"].iter(SVG + "path"))
    assert len(paths) >= len(framed.regions) - 1
    coords = np.array([float(v) for p in paths for v in re.findall(r"[-\d.]+", p.get("d"))]).reshape(-1, 2)
    assert coords.min() >= 0 and coords[:, 0].max() <= 400 and coords[:, 1].max() <= 500
    grid_lines = list(layers["grid"].iter(SVG + "line"))
    assert len(grid_lines) == 7 + 9  # every 5 cm inside a 40 × 50 cm canvas
    assert "grid" not in {g.get("id") for g in ET.fromstring(to_svg(framed)).iter(SVG + "g")}


@pytest.mark.parametrize("spec, paper, rows, cols", [
    ("40x50cm", "a4", 2, 3),      # portrait A4 tiles 194 × 259 mm (10 mm overlap): 3 × 2 = 6; landscape also 6
    ("40x50cm", "letter", 3, 2),  # Letter portrait 199.9 × 241.4 mm tiles: 9 pages; landscape 263.4 × 177.9: 6
    ("20x25cm", "a4", 1, 2),
    ("24x36in", "a4", 4, 4),
])
def test_tile_count_matches_canvas_and_paper(spec, paper, rows, cols):
    canvas = parse_canvas(spec)
    layout = tile_layout(canvas, paper)
    # Independent check: the fewest pages over both orientations of the paper.
    counts = []
    for page_w, page_h in (PAPERS[paper], PAPERS[paper][::-1]):
        tw, th = page_w - 16, page_h - 16 - 8 - 14
        counts.append(int(np.ceil((canvas.width_mm - OVERLAP) / (tw - OVERLAP)))
                      * int(np.ceil((canvas.height_mm - OVERLAP) / (th - OVERLAP))))
    assert layout.count == min(counts)
    assert layout.count == rows * cols
    # The tiles cover the whole canvas.
    right, bottom = layout.origin(layout.rows - 1, layout.cols - 1)
    assert right + layout.tile_w >= canvas.width_mm and bottom + layout.tile_h >= canvas.height_mm


def _pdf_pages(path: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), re.search(r"Page size:\s+(.*)", info).group(1)


def test_tiled_pdf_pages_and_a_scale_bar_of_exactly_ten_centimetres(framed, tmp_path):
    path = tmp_path / "tiles.pdf"
    path.write_bytes(tiles_pdf(framed, paper="a4"))
    layout = tile_layout(framed.canvas, "a4")
    pages, size = _pdf_pages(path)
    assert pages == 1 + layout.count and size.startswith("595.28 x 841.89")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Sheet 1-1" in text and f"Sheet 2-{layout.cols}" in text and "right: 1-2" in text
    assert "Colours:" in text and all(f"{c.index} {c.name}" in text for c in framed.palette)  # the numbers' key
    # Render page 2 (tile A1) at 254 dpi = 10 px per mm and measure the bar along its middle row.
    subprocess.run(["pdftoppm", "-r", "254", "-f", "2", "-l", "2", "-gray", "-png", str(path), str(tmp_path / "p")],
                   check=True)
    page = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("L"))
    tile_h = min(layout.tile_h, framed.canvas.height_mm)
    row = page[int(round((8 + 8 + tile_h + 4 + 1.5) * 10))]
    dark = np.flatnonzero(row[:1500] < 100)
    assert dark[0] == pytest.approx(80, abs=3)  # starts at the 8 mm margin
    assert dark[-1] - dark[0] == pytest.approx(1000, abs=4)  # 100 mm, within 0.4 mm


def test_a_number_cut_by_a_sheets_edge_is_printed_whole_on_the_sheet_that_holds_it(tmp_path):
    """A painter's walk-through: "6" and "8" cut in half along the top of sheet 2-1. Sheets overlap by
    OVERLAP mm: a number across one sheet's edge lies whole on its neighbour, and is printed there only."""
    from fpdf import FPDF

    from assistant.canvas import Canvas
    from assistant.export.outline import OutlineDrawing
    from assistant.export.tiles import draw_outline

    drawing = OutlineDrawing(Canvas(190.0, 100.0), (), ((50.0, 50.0, 6.0, "3"), (99.0, 50.0, 6.0, "7"),
                                                        (95.0, 20.0, 6.0, "9"), (188.5, 80.0, 6.0, "5")))
    left, right = (0.0, 0.0, 100.0, 100.0), (90.0, 0.0, 190.0, 100.0)
    text = []
    for window in (left, right):
        pdf = FPDF(unit="mm", format=(220, 120))
        pdf.add_page()
        draw_outline(pdf, drawing, 10 - window[0], 10, 1.0, window=window, sheets=[left, right])
        path = tmp_path / "sheet.pdf"
        path.write_bytes(bytes(pdf.output()))
        text.append(set(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout.split()))
    assert text[0] == {"3", "9"}  # the 7 across the left sheet's edge is left to the right one
    assert text[1] == {"7", "9", "5"}  # the 9 lies whole on both; the 5 crosses the canvas edge: printed anyway


def test_one_page_pdf_is_the_canvas_plus_margins(framed, tmp_path):
    path = tmp_path / "full.pdf"
    path.write_bytes(full_size_pdf(framed, grid=True))
    pages, size = _pdf_pages(path)
    width, height = (float(v) for v in re.findall(r"[\d.]+", size)[:2])
    assert pages == 1
    assert width == pytest.approx((400 + 20) / 25.4 * 72, abs=0.1)
    # The canvas, 10 mm margins, the scale bar's 15 mm and one 5 mm row of the colour key (8 colours fit in 40 cm).
    assert height == pytest.approx((500 + 35 + 7) / 25.4 * 72, abs=0.1)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Colours:" in text and all(f"{c.index} {c.name}" in text for c in framed.palette)


def test_same_seed_same_outline_files(chelsea_small, framed):
    again = make_guide(chelsea_small, GuideOptions(n_colors=8, seed=1, canvas="40x50cm"))
    assert to_svg(again) == to_svg(framed)
    assert tiles_pdf(again, paper="letter") == tiles_pdf(framed, paper="letter")


def test_plan_json_and_files_for_the_canvas(framed, tmp_path):
    plan = json.loads(plan_json(framed))
    assert plan["canvas"]["width_mm"] == 400 and plan["canvas"]["height_mm"] == 500
    assert plan["canvas"]["fit"] == "crop" and plan["canvas"]["min_region_mm2"] == framed.min_region_mm2
    assert all(step["brush_mm"] > 0 for step in plan["steps"])
    assert plan["value_study"]["levels"] == 3 and plan["value_study"]["image"] == "value_study.png"
    assert all(c["paint_ml"] >= 0.5 and c["area_cm2"] > 0 for c in plan["palette"])
    written = write_guide(framed, tmp_path / "out", paper="letter", grid=True)
    for name in ("value_study.png", "notan.png", "outline.svg", "print/outline_tiles.pdf", "print/outline_full.pdf"):
        assert name in written and written[name].stat().st_size > 0
        assert name in plan["files"].values()
    assert Image.open(written["value_study.png"]).size == framed.labels.shape[::-1]


def test_cli_canvas_fit_paper_and_grid(tmp_path):
    from skimage import data

    photo = tmp_path / "rocket.png"
    Image.fromarray(data.rocket()).save(photo)
    out = tmp_path / "guide"
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "guide", str(photo), "-o", str(out), "--colors", "6", "--quiet",
         "--canvas", "16x20in", "--fit", "pad", "--paper", "letter", "--grid", "--values", "5", "--max-side", "256"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "16 × 20 in canvas" in result.stdout
    plan = json.loads((out / "plan.json").read_text())
    assert plan["canvas"]["width_mm"] == pytest.approx(406.4) and plan["canvas"]["fit"] == "pad"
    assert plan["value_study"]["levels"] == 5
    pages, size = _pdf_pages(out / "print" / "outline_tiles.pdf")
    assert size.startswith("612 x 792") or size.startswith("792 x 612")
    assert pages == 1 + tile_layout(Canvas(406.4, 508.0, "in"), "letter").count
    assert "Grid method" in subprocess.run(["pdftotext", str(out / "guide.pdf"), "-"], capture_output=True,
                                           text=True, check=True).stdout
    bad = subprocess.run([sys.executable, "-m", "assistant", "guide", str(photo), "-o", str(out), "--canvas", "3x3m"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "canvas='3x3m'" in bad.stderr


def test_a_project_keeps_the_whole_photo_so_the_crop_can_move_later(framed, chelsea_small):
    import dataclasses

    from assistant.project import load_project, project_from_guide, save_project
    from assistant.work import rebuild_guide

    project = load_project(save_project(project_from_guide(framed)))
    assert np.array_equal(project.photo, chelsea_small)  # not the cropped picture
    again = rebuild_guide(project)
    assert np.array_equal(again.labels, framed.labels) and plan_json(again) == plan_json(framed)
    moved = make_guide(project.photo, dataclasses.replace(project.options, crop_x=0.0))
    assert np.array_equal(moved.photo, chelsea_small[:, : framed.photo.shape[1]])


def test_changing_the_value_levels_alone_matches_a_fresh_guide(chelsea_small, framed):
    from assistant.pipeline import with_value_levels

    again = with_value_levels(framed, 5)
    fresh = make_guide(chelsea_small, GuideOptions(n_colors=8, seed=1, canvas="40x50cm", value_levels=5))
    assert plan_json(again) == plan_json(fresh)
    assert np.array_equal(again.steps.images[0], fresh.steps.images[0]) and again.palette is framed.palette
    with pytest.raises(ValueError, match="value_levels=4"):
        with_value_levels(framed, 4)
