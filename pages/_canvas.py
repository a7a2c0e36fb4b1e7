"""The "Your canvas" controls: size, orientation, crop or border, and where the crop sits."""

from __future__ import annotations

import numpy as np
import streamlit as st

from assistant.canvas import CANVAS_SIZES, fit_box, parse_canvas
from pages import _settings as prefs
from pages import _widgets as ui

LIKE_PHOTO = "Like the photo (40 cm long side)"
CUSTOM = "Custom size"
FITS = {"Crop to the canvas": "crop", "Keep the whole photo, add a border": "pad"}
CONTROLS = ("canvas_size", "canvas_orientation", "canvas_width", "canvas_height", "canvas_unit", "canvas_fit",
            "canvas_crop_x", "canvas_crop_y")


def _label(spec: str) -> str:
    return parse_canvas(spec).label


def canvas_controls(photo: np.ndarray, previous, *, locked: bool) -> tuple[dict, str | None]:
    """Draw the canvas section; returns (GuideOptions fields, one-line error or None)."""
    sizes = {_label(spec): spec for spec in CANVAS_SIZES}
    choices = [LIKE_PHOTO, *sizes, CUSTOM]
    height, width = photo.shape[:2]
    prefs.keep("canvas_size", LIKE_PHOTO, choices=choices)
    prefs.keep("canvas_orientation", "Landscape" if width > height else "Portrait", choices=("Portrait", "Landscape"))
    prefs.keep("canvas_width", 30.0)
    prefs.keep("canvas_height", 40.0)
    prefs.keep("canvas_unit", "cm", choices=("cm", "in"))
    prefs.keep("canvas_fit", next(k for k, v in FITS.items() if v == previous.fit), choices=list(FITS))
    prefs.keep("canvas_crop_x", int(round(previous.crop_x * 100)))
    prefs.keep("canvas_crop_y", int(round(previous.crop_y * 100)))
    with st.expander("Your canvas", expanded=False):  # a fixed title: a changing one would close it
        left, right = st.columns([3, 2])
        size = left.selectbox("Canvas size", choices, key="canvas_size", disabled=locked,
                              help="The canvas you will paint on: brush sizes, paint amounts and the printed "
                                   "outline follow from it")
        orientation = right.radio("Orientation", ("Portrait", "Landscape"), key="canvas_orientation", horizontal=True,
                                  disabled=locked or size == LIKE_PHOTO,
                                  help="Portrait: taller than wide. Landscape: wider than tall")
        if size == CUSTOM:
            a, b, c = st.columns(3)
            a.number_input("Width", 2.0, 300.0, step=1.0, key="canvas_width", disabled=locked,
                           help="Width of your canvas")
            b.number_input("Height", 2.0, 300.0, step=1.0, key="canvas_height", disabled=locked,
                           help="Height of your canvas")
            c.radio("Unit", ("cm", "in"), key="canvas_unit", horizontal=True, disabled=locked,
                    help="Centimetres or inches")
        fit = st.radio("When the photo has other proportions", list(FITS), key="canvas_fit", horizontal=True,
                       disabled=locked or size == LIKE_PHOTO,
                       help="Crop keeps the canvas filled; a border keeps all of the photo and leaves plain canvas")
        spec, error = _spec(size, orientation)
        fields = {"canvas": spec, "fit": FITS[fit]}
        crop_x = crop_y = 50
        if error is None and spec and FITS[fit] == "crop":
            _, out_w, _, _, _ = fit_box(height, width, parse_canvas(spec).aspect, fit="crop")
            a, b = st.columns(2)
            crop_x = a.slider("Move the crop left ↔ right", 0, 100, key="canvas_crop_x", format="%d%%",
                              disabled=locked or out_w >= width,
                              help="Which part of the photo stays on the canvas, from its left to its right edge")
            crop_y = b.slider("Move the crop up ↕ down", 0, 100, key="canvas_crop_y", format="%d%%",
                              disabled=locked or out_w < width,
                              help="Which part of the photo stays on the canvas, from its top to its bottom edge")
        fields.update(crop_x=crop_x / 100, crop_y=crop_y / 100)
        if error is not None:
            st.error(error)
        elif spec:
            ui.picture(st, _preview(photo, spec, fields), width=360,
                     caption="What goes on the canvas (the dimmed part is left out)" if FITS[fit] == "crop"
                     else "The photo on the canvas, with a plain border")
    prefs.remember(*CONTROLS)
    return fields, error


def _spec(size: str, orientation: str) -> tuple[str, str | None]:
    """The canvas spec ("40x50cm") for the choice, or ("", message) when a custom size is impossible."""
    if size == LIKE_PHOTO:
        return "", None
    if size == CUSTOM:
        unit = st.session_state["canvas_unit"]
        spec = f"{st.session_state['canvas_width']:g}x{st.session_state['canvas_height']:g}{unit}"
        try:
            parse_canvas(spec)
        except ValueError:
            return "", "A canvas must be 5 cm to 300 cm (2 to 118 inches) on each side."
        return spec, None
    canvas = parse_canvas(next(s for s in CANVAS_SIZES if _label(s) == size))
    short, long = sorted((canvas.width_mm, canvas.height_mm))
    w, h = (short, long) if orientation == "Portrait" else (long, short)
    unit = canvas.unit
    scale = 25.4 if unit == "in" else 10.0
    return f"{w / scale:g}x{h / scale:g}{unit}", None


def _preview(photo: np.ndarray, spec: str, fields: dict) -> np.ndarray:
    """The photo with the part a crop leaves out dimmed, or padded with the border."""
    from assistant.canvas import fit_image

    canvas = parse_canvas(spec)
    if fields["fit"] == "pad":
        return fit_image(photo, canvas, fit="pad", pad_color=(0.93, 0.92, 0.88))
    height, width = photo.shape[:2]
    _, _, _, _, (y0, y1, x0, x1) = fit_box(height, width, canvas.aspect, fit="crop",
                                           anchor=(fields["crop_x"], fields["crop_y"]))
    shown = photo * 0.35 + 0.1
    shown[y0:y1, x0:x1] = photo[y0:y1, x0:x1]
    return shown.astype(np.float32)
