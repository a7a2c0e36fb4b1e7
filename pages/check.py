"""Check my canvas: a photo of the painting in progress → how far you are, what is off, what comes next."""

from __future__ import annotations

import base64
import datetime
import html

import numpy as np
import streamlit as st

from assistant.check import CanvasNotFound, CheckOptions, check_canvas
from assistant.images import decode_image, encode_jpeg, resize_longest, to_uint8
from pages import _settings as prefs
from pages import _state as state
from pages import _widgets as ui

UPLOAD = "check_upload"  # (name, bytes) of the photo of the canvas
CORNERS = "check_corners"  # the painter's clicks [(x, y)] in the decoded photo's pixels (at most four)
MANUAL = "check_manual"  # True: the corners come from the painter's clicks
RESULT = "check_result"  # (what it was made from, CanvasCheck or the one-line error)
HISTORY = "check_history"  # [{"time", "step", "steps", "progress", "off", "thumb"}], kept in the project's settings
_SHOWN = 640  # px: the width the clickable photo is drawn at
_KEEP = 24  # checks kept in the history


@st.cache_data(show_spinner=False, max_entries=2)
def _decoded(data: bytes) -> tuple[np.ndarray, tuple[str, ...]]:
    """The photo at most 2048 px, as 8-bit (a quarter of the memory of floats), and the decoding notes."""
    decoded = decode_image(data, max_side=2048)
    return to_uint8(decoded.pixels), decoded.notes


def _thumbnail(image: np.ndarray) -> str:
    return base64.b64encode(encode_jpeg(resize_longest(image, 160), quality=70)).decode("ascii")


def _remember_check(result, guide) -> None:
    history = [dict(entry) for entry in st.session_state.get(HISTORY, ())]
    history.append({"time": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "step": result.step_reached,
                    "steps": len(guide.steps), "progress": round(result.progress, 3), "off": result.count("off"),
                    "thumb": _thumbnail(result.corrected)})
    st.session_state[HISTORY] = history[-_KEEP:]
    prefs.remember(HISTORY)


def _corner_picker(photo: np.ndarray) -> None:
    """The photo with the clicked corners drawn; each click adds a corner (four at most)."""
    import cv2
    from streamlit_image_coordinates import streamlit_image_coordinates

    height, width = photo.shape[:2]
    scale = _SHOWN / width
    shown = cv2.resize(photo, (_SHOWN, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    points = [(round(x * scale), round(y * scale)) for x, y in st.session_state[CORNERS]]
    if len(points) > 1:
        cv2.polylines(shown, [np.array(points, np.int32)], len(points) == 4, (230, 20, 140), 2, cv2.LINE_AA)
    for point in points:
        cv2.circle(shown, point, 6, (255, 255, 255), -1, cv2.LINE_AA)
        cv2.circle(shown, point, 6, (230, 20, 140), 2, cv2.LINE_AA)
    click = streamlit_image_coordinates(shown, key="check_click", width=_SHOWN)
    if not click or click.get("unix_time") == st.session_state.get("check_last_click"):
        return
    st.session_state["check_last_click"] = click.get("unix_time")
    if len(st.session_state[CORNERS]) >= 4:
        return
    factor = width / float(click.get("width") or _SHOWN)
    st.session_state[CORNERS] = [*st.session_state[CORNERS], (click["x"] * factor, click["y"] * factor)]
    st.rerun()


def _advice_html(result, guide) -> str:
    rows = []
    off = sorted((r for r in result.regions if r.status == "off"), key=lambda r: -r.area)
    for region in off:
        colour = guide.palette[region.colour - 1]
        rows.append(
            '<div style="display:flex;gap:10px;align-items:center;padding:4px 0;border-bottom:1px solid #eee">'
            f'<div style="background:{colour.hex};width:34px;height:24px;border:1px solid #999;border-radius:4px;'
            'flex:none"></div>'
            f'<div style="font-size:14px"><b>Colour {region.colour}</b> (step {region.step}, '
            f'{region.area:.1f}% of the canvas, off by {region.delta_e:.0f}): {html.escape(region.advice)}</div></div>')
    return "".join(rows)


st.title("Check my canvas")
ui.require(state.GUIDE, "Make your guide first: choose a palette.", "pages/palette.py")
guide = state.get(state.GUIDE)
st.write("Photograph your canvas with all four corners in the picture, as straight on as you can, in daylight and "
         "without glare. The check finds the canvas, takes the light out of the photo and compares every area with "
         "the plan: how far you are, which areas are off and what comes next.")

prefs.keep(HISTORY, [])  # the earlier checks, from the session or the project file
uploaded = st.file_uploader("Photo of your canvas", type=["jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp"],
                            key="check_file", help="A phone photo of the painting in progress, the whole canvas in it")
if uploaded is not None and uploaded.file_id != st.session_state.get("check_file_id"):
    st.session_state["check_file_id"] = uploaded.file_id
    st.session_state[UPLOAD] = (uploaded.name, uploaded.getvalue())
    st.session_state[CORNERS] = []
    st.session_state[MANUAL] = False

prefs.keep("check_off", 8.0)
with st.expander("How strict"):
    strictness = st.slider("Call an area off from a colour difference of", 4.0, 20.0, step=0.5, key="check_off",
                           help="How far a painted area may be from its swatch before it is called off; lower is "
                                "stricter (3 is just visible side by side, 8 is clearly different)")
prefs.remember("check_off")

upload = st.session_state.get(UPLOAD)
result = None
if upload is not None:
    name, data = upload
    try:
        pixels, notes = _decoded(data)
    except ValueError as exc:  # ImageError: one line
        st.error(str(exc).splitlines()[0])
        st.stop()
    for note in notes:
        st.caption(f"ℹ️ {note}")
    st.session_state.setdefault(CORNERS, [])
    st.session_state.setdefault(MANUAL, False)
    manual = st.toggle("I'll mark the four corners myself", key=MANUAL,
                       help="When the canvas is not found, or found wrongly: click its four corners on the photo, "
                            "in any order")
    corners = None
    if manual:
        st.caption("Click the four corners of the canvas on the photo (any order). "
                   f"{len(st.session_state[CORNERS])} of 4 marked.")
        if st.button("Start the corners again", disabled=not st.session_state[CORNERS],
                     help="Forget the corners you clicked and click them again"):
            st.session_state[CORNERS] = []
            st.rerun()
        _corner_picker(pixels)
        if len(st.session_state[CORNERS]) == 4:
            corners = np.array(st.session_state[CORNERS], np.float32)
    wanted = (name, len(data), hash(data[:4096]), id(guide), float(strictness),
              None if corners is None else corners.round(1).tobytes())
    kept = st.session_state.get(RESULT)
    if manual and corners is None:
        st.info("Mark the fourth corner to check the canvas.")
    elif kept is None or kept[0] != wanted:
        with st.spinner("Finding the canvas, taking out the light, comparing with the plan…"):
            try:
                made = check_canvas(pixels.astype(np.float32) / 255.0, guide,
                                    options=CheckOptions(off_delta_e=float(strictness)), corners=corners)
            except CanvasNotFound as exc:
                made = str(exc)
            except ValueError as exc:  # too dark, another painting: one line, and the corners by hand
                made = str(exc).splitlines()[0]
        st.session_state[RESULT] = (wanted, made)
        if not isinstance(made, str):
            _remember_check(made, guide)
        kept = st.session_state[RESULT]
    if kept is not None and kept[0] == wanted:
        result = kept[1]
    if isinstance(result, str):
        st.warning(result)
        if not manual:
            st.caption("Turn on “I'll mark the four corners myself” above and click the canvas's corners.")
        result = None

if result is not None:
    st.subheader(result.summary(guide))
    a, b, c = st.columns(3)
    a.metric("Step reached", f"{result.step_reached} of {len(guide.steps)}",
             help="The last step whose areas are mostly painted (0: nothing painted yet)")
    b.metric("Done", f"{result.progress * 100:.0f} %", help="Each step counts the same; a step counts its painted share")
    c.metric("Areas off", result.count("off"), help="Painted areas whose colour is clearly not their swatch's")
    if result.next_step is not None:
        step = guide.steps[result.next_step - 1]
        st.info(f"**Next: step {step.index}, {step.title}.** {step.instruction}")
    else:
        st.success("Every step of the plan is painted. Step back, squint, and judge it as a painting now.")
    left, right = st.columns(2)
    ui.picture(left, result.corrected, caption="Your canvas, straightened, with the light taken out",
                  width="stretch")
    ui.picture(right, result.overlay, caption="What is still to do and what is off",
                  width="stretch")
    advice = _advice_html(result, guide)
    if advice:
        st.markdown("**What is off, and how to fix it**")
        st.markdown(advice, unsafe_allow_html=True)
    with st.expander("Progress by step"):
        for number, share in enumerate(result.step_progress, start=1):
            st.progress(float(share), text=f"{number}. {guide.steps[number - 1].title}: {share * 100:.0f} %")
    for note in result.notes:
        st.caption(note)
    with st.expander("The photo and the canvas found in it"):
        import cv2

        marked = pixels.copy()
        cv2.polylines(marked, [result.corners.astype(np.int32)], True, (230, 20, 140),
                      max(2, marked.shape[1] // 300), cv2.LINE_AA)
        ui.picture(st, marked, caption=f"Found by {result.found_by}; the painting's top-left is where the "
                                          "outline starts", width=480)

history = list(st.session_state.get(HISTORY, ()))
if history:
    st.subheader("Your checks so far")
    shown = history[-6:][::-1]
    for column, entry in zip(st.columns(6), shown):
        column.image(base64.b64decode(entry["thumb"]), width=160)
        column.caption(f"{entry['time']} · step {entry['step']} of {entry['steps']} · "
                       f"{entry['progress'] * 100:.0f} % · {entry['off']} off")
    if len(history) > 6:
        st.caption(f"{len(history)} checks kept; the latest six are shown.")
    if st.button("Clear the history", key="check_clear", help="Forget every earlier check of this painting"):
        st.session_state[HISTORY] = []
        prefs.remember(HISTORY)
        st.rerun()
    st.caption("The history is kept with your work and in the project file (Guide page).")
