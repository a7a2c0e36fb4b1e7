"""Issue 21, "print and phone": what the painter prints (the guide PDF, outline.svg) and reads on a phone
(the recipes), and her tubes remembered in her own browser."""

import re
import xml.etree.ElementTree as ET
import zlib
from collections import Counter

import pytest
from conftest import photo_array

from assistant import GuideOptions, make_guide
from assistant.export.pdf import _BOTTOM, _paginate, layout_pdf, to_pdf
from assistant.export.svg import to_svg

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def portrait():
    """The astronaut on a 30 × 40 cm portrait canvas, 12 colours: a palette long enough for two pages."""
    return make_guide(photo_array("astronaut", 256), GuideOptions(n_colors=12, seed=0, canvas="30x40cm"))


@pytest.fixture(scope="module")
def landscape(chelsea_small):
    return make_guide(chelsea_small, GuideOptions(n_colors=6, seed=1, canvas="40x30cm"))


def _pdf_text(pdf: bytes) -> bytes:
    """Every content stream of the PDF, inflated: fpdf2 writes core-font text as Latin-1 strings."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S)
    out = []
    for raw in streams:
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            continue  # a picture
    return b"\n".join(out)


# --- the guide PDF ---------------------------------------------------------------------------------

def test_pdf_writes_square_millimetres_and_no_jargon(portrait):
    text = _pdf_text(to_pdf(portrait))
    assert b"mm\xb2" in text  # "mm²" in Latin-1, which the PDF core fonts print
    assert b"mm2" not in text
    for jargon in (b"dE ", b"PSNR", b"renderer", b"network (", b"MobileNet", b"VGG"):
        assert jargon not in text, jargon
    assert b"close match" in text or b"noticeable match" in text or b"far match" in text


@pytest.mark.parametrize("heights, first, page", [
    ([20.0] * 12, 150.0, 260.0),      # 7 rows fit on the first page
    ([20.0] * 7, 150.0, 260.0),       # all fit
    ([20.0] * 8, 150.0, 260.0),       # filling the first page would leave row 8 alone on page 2
    ([20.0] * 14, 150.0, 260.0),      # 7 + 7
    ([20.0] * 3, 25.0, 260.0),        # one row fits under the introduction: none there, then all three
    ([20.0, 30.0, 20.0, 35.0, 20.0, 25.0, 40.0, 20.0], 100.0, 120.0),
])
def test_palette_pagination_never_leaves_a_row_alone(heights, first, page):
    breaks = _paginate(heights, first, page)
    bounds = [0, *breaks, len(heights)]
    pages = [heights[a:b] for a, b in zip(bounds, bounds[1:])]
    assert sum(len(p) for p in pages) == len(heights)
    assert sum(pages[0]) <= first and all(sum(p) <= page for p in pages[1:])
    assert all(len(p) != 1 for p in pages)
    assert all(pages[1:])  # no empty page after the first
    greedy, room = 1, first  # the pages that filling each page as far as it goes takes: at most one more
    for height in heights:
        if height > room:
            greedy, room = greedy + 1, page
        room -= height
    assert len(pages) <= greedy + 1


def test_palette_rows_keep_together_in_the_guide(portrait):
    doc = layout_pdf(portrait)
    rows = doc.palette_rows
    assert [number for _, _, number in rows] == [c.index for c in portrait.palette]
    per_page = Counter(page for page, _, _ in rows)
    assert all(count >= 2 for count in per_page.values()), per_page
    assert all(y < _BOTTOM for _, y, _ in rows)


def test_palette_rows_sit_closer_when_that_keeps_the_palette_on_one_sheet(portrait, landscape, monkeypatch):
    import assistant.export.pdf as pdf

    def pages_and_steps(guide):
        rows = layout_pdf(guide).palette_rows
        return {page for page, _, _ in rows}, [b[1] - a[1] for a, b in zip(rows, rows[1:]) if a[0] == b[0]]

    pages, steps = pages_and_steps(portrait)
    assert len(pages) == 1  # twelve colours on one sheet to pin beside the easel
    assert min(steps) >= pdf._COMPACT.recipe + pdf._COMPACT.tail + pdf._COMPACT.gap - 1e-6  # no row over another
    _, roomy_steps = pages_and_steps(landscape)  # six colours fit as they are: nothing moves closer
    monkeypatch.setattr(pdf, "_closer", lambda share: pdf._ROOMY)
    roomy_pages, _ = pages_and_steps(portrait)
    assert len(roomy_pages) == 2  # ... where the roomy rows took a second page for the last two
    assert pages_and_steps(landscape)[1] == roomy_steps


def test_every_picture_has_a_caption_under_it_on_the_page(portrait):
    doc = layout_pdf(portrait, grid=True)
    assert len(doc.pictures) >= 2 + 2 + 2 * len(portrait.steps) - 1 + 2  # cover, values, steps, grid, outline
    for placed in doc.pictures:
        assert placed.caption.strip(), placed
        assert placed.bottom <= _BOTTOM + 0.01, placed
    captions = [p.caption for p in doc.pictures]
    # Step 1's value masses are the canvas after it: one picture, not the same one twice side by side.
    assert captions.count("The value masses of this step: the canvas after it") == 1
    assert captions.count("The canvas after this step") == len(portrait.steps) - 1
    assert any(c.startswith("The numbered outline at") for c in captions)


@pytest.mark.parametrize("fixture, side_by_side", [("portrait", True), ("landscape", False)])
def test_canvas_after_pictures_are_as_large_as_the_new_ones(request, fixture, side_by_side):
    guide = request.getfixturevalue(fixture)
    pictures = layout_pdf(guide).pictures
    for k, placed in enumerate(pictures):
        if placed.caption != "The canvas after this step":
            continue
        new = pictures[k - 1]
        assert new.page == placed.page and new.caption in ("New in this step (outlined)",
                                                           "The value masses of this step")
        assert placed.w == pytest.approx(new.w, abs=0.5) and placed.h == pytest.approx(new.h, abs=0.5)
        assert placed.w * placed.h >= 80 * 80  # it was a quarter of the page width before (about 45 mm)
        assert (placed.y == pytest.approx(new.y)) == side_by_side


# --- outline.svg --------------------------------------------------------------------------------------

def test_svg_legend_lies_below_the_artwork(portrait):
    root = ET.fromstring(to_svg(portrait))
    w, h = portrait.canvas.width_mm, portrait.canvas.height_mm
    view = [float(v) for v in root.get("viewBox").split()]
    assert view[:3] == [0, 0, w] and view[3] > h
    assert root.get("width") == f"{w:g}mm" and float(root.get("height")[:-2]) == pytest.approx(view[3])
    canvas = next(r for r in root.iter(SVG + "rect") if r.get("id") == "canvas")
    assert float(canvas.get("height")) == pytest.approx(h)
    legend = next(g for g in root.iter(SVG + "g") if g.get("id") == "legend")
    ys = [float(e.get("y")) for e in legend if e.get("y") is not None]
    assert ys and min(ys) > h
    xs = [float(e.get("x")) + float(e.get("width", 0)) for e in legend.iter(SVG + "rect")]
    assert max(xs) <= w + 1e-6
    labels = [t.text for t in legend.iter(SVG + "text")][1:]
    assert labels == [f"{c.index} {c.name}" for c in portrait.palette]


# --- the recipes on a phone ---------------------------------------------------------------------------

def test_a_lighter_colour_mixed_from_a_darker_one_says_so_in_the_pdf_and_the_app(portrait):
    """Issue 21: "offer 'mix 2 from 1 + white' where it applies": plan.json had it, the PDF and the app did not."""
    import dataclasses

    from assistant.color.mixing import Recipe
    from assistant.export.pdf import to_pdf
    from pages._widgets import recipes_html

    recipes = list(portrait.recipes)
    recipes[0] = Recipe((("titanium white", 1), ("bone black", 1)), "#777777", (50.0, 0.0, 0.0), 1.0)
    recipes[1] = Recipe((("titanium white", 3), ("bone black", 1)), "#aaaaaa", (70.0, 0.0, 0.0), 1.0)
    guide = dataclasses.replace(portrait, recipes=tuple(recipes))
    assert guide.tints[2].text() == "or: 1 part of colour 1 + 1 part titanium white"
    assert b"Or: 1 part of colour 1 + 1 part titanium white: quicker" in _pdf_text(to_pdf(guide))
    assert "<i>or: 1 part of colour 1 + 1 part titanium white</i>" in recipes_html(guide)
    assert b"quicker" not in _pdf_text(to_pdf(portrait))  # none without a tint


def test_recipes_wrap_on_a_narrow_screen(portrait):
    from pages._widgets import recipes_html

    page = recipes_html(portrait)
    rows = page.count("flex-wrap:wrap")
    assert rows == len(portrait.palette)
    # The recipe asks for 200 px and the mix with its match for 204 px more: on a 390 px phone (358 px of
    # content) the mix goes under the recipe, on a desktop they share a line.
    assert page.count("flex:1 1 200px") == rows and page.count("flex:0 1 204px") == rows
    assert "width:150px" not in page  # the fixed column that squeezed the recipe to 90 px
    # In words, not "ΔE" (jargon to a painter), and the difference explained once in the legend.
    assert re.search(r"((close|noticeable|far) match|as near as your paints go) \(colour difference \d+\.\d\)", page)
    assert "ΔE" not in page and "under 3 is hard to see" in page
    # The astronaut's black is beyond the tubes' darkest: said once, in words, not "close" beside 6.9.
    assert portrait.recipes[0].at_limit and page.count("as dark as your paints go") == 0
    assert page.count("As dark as your paints go: bone black straight.") == 1


# --- the tubes, remembered in the painter's browser -------------------------------------------------------

def test_tubes_cookie_round_trip_and_refuses_what_is_not_a_paint_spec():
    from pages import _tubes

    spec = "titanium white, ultramarine blue, my sap green=#4A6B23"
    value = _tubes.encode(spec)
    assert value is not None and re.fullmatch(r"[A-Za-z0-9%._~-]+", value)  # safe in a cookie
    names, custom = _tubes.decode(value)
    assert names == ("titanium white", "ultramarine blue", "my sap green")
    assert custom == {"my sap green": "#4a6b23"}
    for bad in (None, "", "unobtainium", "%ZZ", "a" * 5000, _tubes.encode("titanium white") + "%2C%20nope"):
        assert _tubes.decode(bad) is None, bad
    assert _tubes.encode("no such paint") is None


def test_tubes_are_read_from_this_browser_only(monkeypatch):
    """recall() reads only the request's own cookies; without a browser it gives nothing."""
    import streamlit as st

    from pages import _tubes

    class Context:
        cookies = {"pa_tubes": _tubes.encode("bone black, titanium white")}

    monkeypatch.setattr(st, "context", Context())
    assert _tubes.recall() == (("bone black", "titanium white"), {})
    Context.cookies = {}
    assert _tubes.recall() is None


def test_outline_paths_are_written_as_fpdfs_polyline_writes_them():
    """The outline's paths go to the page in one piece each: the same bytes as ``FPDF.polyline`` (fpdf pinned)."""
    import numpy as np
    from fpdf import FPDF

    from assistant.export.tiles import stroke_polyline

    rng = np.random.default_rng(3)
    paths = [rng.uniform(0, 300, (n, 2)) for n in (2, 7, 40)]
    pages = []
    for ours in (False, True):
        pdf = FPDF(unit="mm", format=(297, 420))
        pdf.add_page()
        for path in paths:
            if ours:
                stroke_polyline(pdf, path, 12.5, 7.25, 0.7)
            else:
                pdf.polyline([(12.5 + px * 0.7, 7.25 + py * 0.7) for px, py in path], style="D")
        pages.append(bytes(pdf.pages[1].contents))
    assert pages[0] == pages[1] and pages[0].count(b" l\n") == 1 + 6 + 39


@pytest.mark.parametrize("text", ["3. light skin (warmer): 6 parts titanium white + 1 part yellow ochre",
                                  "A long instruction that does not fit on one line of a narrow column. " * 3,
                                  "two\nlines"])
def test_paragraph_writes_what_multi_cell_writes(text):
    from fpdf import FPDF

    from assistant.export.tiles import paragraph

    pages = []
    for ours in (False, True):
        pdf = FPDF(unit="mm", format="A4")
        pdf.add_page()
        pdf.set_font("helvetica", "", 9)
        pdf.set_xy(30, 40)
        if ours:
            paragraph(pdf, 120, 4.5, text)
        else:
            pdf.multi_cell(120, 4.5, text, new_x="LMARGIN", new_y="NEXT")
        pages.append((bytes(pdf.pages[1].contents), pdf.get_x(), pdf.get_y()))
    assert pages[0] == pages[1]


def test_registration_marks_slide_along_their_strip_off_the_region_numbers(portrait):
    """A painter found a region number under a sheet's circled cross: each mark keeps to its overlap strip (on
    both sheets) but moves along it, nearest the middle, until no number lies within its reach."""
    from assistant.export.outline import outline_drawing
    from assistant.export.tiles import MARK_END, _covers_number, _registration_points, tile_layout

    drawing = outline_drawing(portrait)
    layout = tile_layout(drawing.canvas, "a4")
    middles = _registration_points(layout, drawing.canvas)
    # A number right on the first mark pushes it along its strip, and only it.
    x, y = middles[0]
    moved = _registration_points(layout, drawing.canvas, [(x, y, 5.0, "12")])
    assert moved[1:] == middles[1:] and moved[0] != middles[0]
    assert _covers_number(middles[0], [(x, y, 5.0, "12")]) and not _covers_number(moved[0], [(x, y, 5.0, "12")])
    assert (moved[0][0] == x and abs(moved[0][1] - y) <= 12) or (moved[0][1] == y and abs(moved[0][0] - x) <= 12)
    # The astronaut's real outline: no mark covers a number, and each still lies in an overlap strip.
    marks = _registration_points(layout, drawing.canvas, drawing.numbers)
    assert not any(_covers_number(mark, drawing.numbers) for mark in marks)
    for (mx, my), (cx, cy) in zip(marks, middles):  # the same strip: across it unchanged, along it near the middle
        assert (mx == cx and abs(my - cy) <= layout.tile_h / 2 - MARK_END) or \
               (my == cy and abs(mx - cx) <= layout.tile_w / 2 - MARK_END)


def test_outline_sheets_keep_their_header_off_the_crop_marks_and_say_how_to_tape(portrait, monkeypatch):
    """A painter's review: the crop mark struck the "S" of "Sheet 1-1", a narrow sheet's header ran past its right
    crop mark, and "trim ... on the right and the bottom, lay it over its neighbour's grey strip" contradicted the
    sheets (each sheet's own right and bottom strips are what the next sheet covers)."""
    from fpdf import FPDF

    from assistant.export import tiles
    from assistant.export.outline import outline_drawing

    written: list[tuple[int, float, float, float]] = []
    text = FPDF.text

    def spy(self, x, y, txt=""):
        written.append((self.page, x, self.get_string_width(txt), y))
        return text(self, x, y, txt)

    monkeypatch.setattr(FPDF, "text", spy)
    pdf = tiles.tiles_pdf(portrait)
    layout = tiles.tile_layout(outline_drawing(portrait).canvas, "a4")
    for page in range(2, 2 + layout.count):
        ox, _ = layout.origin(*divmod(page - 2, layout.cols))
        w = min(layout.tile_w, portrait.canvas.width_mm - ox)
        header = [(x, width) for p, x, width, y in written if p == page and y == tiles.MARGIN + 4.5]  # the top line
        assert len(header) == 2, header
        for x, width in header:
            assert tiles.MARGIN + tiles.CROP_CLEAR - 1e-9 <= x and x + width <= tiles.MARGIN + w - tiles.CROP_CLEAR + 1e-9
    words = _pdf_text(pdf)
    assert b"grey strips" in words and b"neighbour's grey strip so" not in words


def test_page_one_tells_the_region_sizes_the_guide_has_and_the_star_only_with_a_starred_paint(portrait):
    """The review found face pieces of 3–8 mm² under a promise of "Every region is at least 48 mm²", and "Paints
    marked * are approximate" with no paint marked."""
    text = _pdf_text(to_pdf(portrait)).replace(b"\n", b" ")
    assert not portrait.focus.is_neutral and b"Every region is at least" not in text
    assert b"go down to" in text and b"marked *" not in text
    plain = make_guide(photo_array("coffee", 96), GuideOptions(n_colors=5, focus="none",
                                                              paints="titanium white, bone black, my green=#3a6b35"))
    words = _pdf_text(to_pdf(plain)).replace(b"\n", b" ")
    assert b"Every region is at least" in words and b"marked *" in words
