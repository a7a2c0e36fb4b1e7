"""Choose your paints, canvas, number of colours and medium; see recipes, swatches and the simplified picture."""

import streamlit as st

from assistant import GuideOptions
from assistant.color.paints import DEFAULT_PAINTS, PRESETS, catalogue, parse_paints, tubes_spec
from assistant.color.palette import MAX_COLORS, MIN_COLORS
from assistant.plan.steps import Medium
from pages import _panels as panels
from pages import _settings as prefs
from pages import _state as state
from pages import _tubes
from pages import _widgets as ui
from pages._canvas import canvas_controls
from pages._focus import focus_controls

st.title("Palette")
ui.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")

previous = state.get(state.OPTIONS) or GuideOptions()
media = list(Medium.choices())
prefs.keep("palette_n_colors", previous.n_colors)
prefs.keep("palette_medium", Medium.parse(previous.medium).value.label, choices=media)
prefs.keep("palette_seed", previous.seed)
painting = panels.job("strokes")
locked = painting is not None and painting.running
notice = st.empty()  # one element either way, so the page does not shift when a run starts or ends
if locked:
    notice.info("Brushstrokes are being painted with this palette: it stays as it is until they are done or cancelled.")
left, middle, right = st.columns(3)
n_colors = left.slider("Number of colours", MIN_COLORS, MAX_COLORS, key="palette_n_colors", disabled=locked,
                       help="How many colours you mix from your tubes for this picture; fewer is simpler, more keeps more detail")
medium = middle.selectbox("Medium", media, key="palette_medium", disabled=locked,
                          help="Opaque paints go dark to light; watercolour goes light to dark and keeps the whites")
seed = right.number_input("Variation", 0, 2**31 - 1, key="palette_seed", disabled=locked,
                          help="Another number gives a slightly different palette; the same number, the same guide")
prefs.remember("palette_n_colors", "palette_medium", "palette_seed")

# --- the paints the painter owns ------------------------------------------------------------------
known = catalogue()
presets = {title[:1].upper() + title[1:]: preset for preset, (title, _) in PRESETS.items()}
own_choice = "My own choice"
settings = st.session_state.setdefault(state.SETTINGS, {})
custom = dict(settings.get("paints_custom", {}))  # name -> "#rrggbb", paints added by colour
default_preset = next(t for t, p in presets.items() if p == DEFAULT_PAINTS)


def _apply_preset() -> None:
    preset = presets.get(st.session_state["paints_preset"])
    if preset is not None:
        st.session_state["paints_tubes"] = tuple(parse_paints(preset).names)


def _add_paint() -> None:
    name = " ".join(str(st.session_state.get("paints_new_name", "")).lower().split())
    colour = st.session_state.get("paints_new_colour", "#4a6b23")
    try:
        parse_paints(f"{name}={colour}")
    except ValueError as exc:
        st.session_state["paints_add_error"] = str(exc).splitlines()[0]
        return
    custom[name] = colour
    settings["paints_custom"] = custom
    st.session_state["paints_tubes"] = (*st.session_state.get("paints_tubes", ()), name)
    st.session_state["paints_preset"] = own_choice


start_preset, start_tubes = default_preset, tuple(parse_paints(DEFAULT_PAINTS).names)
recalled = None if "paints_tubes" in settings or "paints_tubes" in st.session_state else _tubes.recall()
if recalled:  # a new session in a browser that kept this painter's tubes from last time
    names, own = recalled
    custom.update(own)
    settings["paints_custom"] = custom
    start_tubes = tuple(name for name in names if name in known or name in custom) or start_tubes
    start_preset = next((title for title, preset in presets.items() if parse_paints(preset).names == start_tubes),
                        own_choice)
prefs.keep("paints_preset", start_preset, choices=[*presets, own_choice])
prefs.keep("paints_tubes", start_tubes)
prefs.keep("paints_mixable", previous.mixable)
with st.expander("Your paints", expanded=False):
    top_left, top_right = st.columns([2, 1])
    top_left.selectbox("Start from", [*presets, own_choice], key="paints_preset", on_change=_apply_preset,
                       disabled=locked, help="A ready-made set of tubes; then tick or untick to match what you own")
    top_right.toggle("Only colours I can mix", key="paints_mixable", disabled=locked,
                     help="Build the palette from colours your tubes can actually mix, so every recipe matches")
    options_list = [*known, *custom]
    st.session_state["paints_tubes"] = tuple(t for t in st.session_state["paints_tubes"] if t in options_list)
    tubes = st.multiselect(
        "Tubes you own", options_list, key="paints_tubes", disabled=locked,
        format_func=lambda name: name + (" (approximate)" if known.get(name, "approximate") == "approximate" else ""),
        help="Recipes use only these; approximate paints are estimated from their usual colour, not measured",
    )
    with st.form("add_paint", clear_on_submit=True, border=False):
        name_col, colour_col, add_col = st.columns([3, 1, 1], vertical_alignment="bottom")
        name_col.text_input("Add a paint by its colour", key="paints_new_name", placeholder="e.g. my sap green",
                            max_chars=40, help="A tube that is not in the list: give it a name and pick its colour")
        colour_col.color_picker("Its colour", "#4a6b23", key="paints_new_colour",
                                help="The colour of the paint straight from the tube")
        add_col.form_submit_button("Add", on_click=_add_paint, disabled=locked)
    if st.session_state.get("paints_add_error"):
        st.error(st.session_state.pop("paints_add_error"))
prefs.remember("paints_preset", "paints_tubes", "paints_mixable")
if not tubes:
    st.warning("Tick at least one tube under “Your paints” to get mixing recipes.")
    st.stop()
spec = tubes_spec(tubes, colours=custom, preset=presets.get(st.session_state["paints_preset"]))
_tubes.remember(spec)  # for this painter's next session in this browser

canvas, canvas_error = canvas_controls(state.painting_target(), previous, locked=locked)
if canvas_error is not None:  # keep the canvas of the guide on screen until the size is possible
    canvas = {"canvas": previous.canvas, "fit": previous.fit, "crop_x": previous.crop_x, "crop_y": previous.crop_y}
focus = focus_controls(state.get(state.PHOTO), previous, locked=locked)

if locked:
    guide = state.get(state.GUIDE)
else:
    options = GuideOptions(n_colors=n_colors, medium=medium, seed=int(seed), max_side=previous.max_side,
                           paints=spec, mixable=bool(st.session_state["paints_mixable"]),
                           value_levels=previous.value_levels, **canvas, **focus)
    if state.get(state.GUIDE) is not None and state.get(state.GUIDE).strokes is not None and state.get(state.OPTIONS) != options:
        st.warning("The palette or canvas changed, so the brushstrokes made with the old one were set aside: paint "
                   "them again on the Brushstrokes page, or set it back (a saved guide.project keeps them too).")
    state.ensure_guide(options)
    guide = state.get(state.GUIDE)

for note in guide.notes:
    st.info(note)
if guide.mixing_advice:
    st.info(guide.mixing_advice)
st.markdown(ui.recipes_html(guide), unsafe_allow_html=True)
a, b = st.columns(2)
ui.picture(a, guide.target, caption="Target", width="stretch")
ui.picture(b, guide.quantized, caption=f"With {len(guide.palette)} colours · {len(guide.regions)} regions", width="stretch")
sizes = guide.region_words()
st.caption(f"On a {guide.canvas.label} canvas: {sizes[0].lower()}{sizes[1:]}.")
with st.expander("Numbered outline"):
    ui.picture(st, guide.outline, width="stretch",
               caption="Each area carries the number of its colour; the PDF and outline.svg (Guide page) print it "
                       "sharp, at real size")
st.page_link("pages/steps.py", label="Next: the painting steps", icon="➡️")
