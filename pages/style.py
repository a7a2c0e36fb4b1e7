"""Optional: repaint the photo with a brushstroke style (neural style transfer), as a background job."""

import streamlit as st

from assistant import ImageError, decode_image
from assistant.jobs import style_request
from assistant.style import fast as fast_style
from assistant.style import transfer as style_transfer
from assistant.work import style_source
from pages import _panels as panels
from pages import _resources as res
from pages import _settings as prefs
from pages import _state as state
from pages import _widgets as ui

st.title("Brushstroke style")
ui.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")
network, device = res.get_network()
fast = res.get_fast_style()
st.caption("Repaints your photo with the brushwork of a style picture, instantly: move the sliders and watch. "
           f"“Refine the texture” then adds finer brush texture (about a minute, on {device}).")

running = panels.busy()
locked = bool(running)  # a run in progress: its settings stay as they are until it ends or is cancelled
if locked:  # say why the controls below do not move
    st.caption(f"🔒 {running[0].label} is running: the style settings stay as they are until it ends or you cancel "
               "it (Cancel, below or in the sidebar).")
styles = res.bundled_styles()
names = [asset.name for asset, _ in styles]
ids = {asset.name: asset.id for asset, _ in styles}
OWN = "My own style image"
strengths = [s.title() for s in style_transfer.STRENGTHS]
defaults = style_transfer.preset("medium")
STYLE_WEIGHTS = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
CONTENT_WEIGHTS = [0.1, 0.3, 1.0, 3.0, 10.0]
SIZES = [128, 256, 384, 512, 768, 1024]
prefs.keep("style_choice", names[0], choices=names + [OWN])
prefs.keep("style_blend", "None", choices=["None"] + names)
prefs.keep("style_blend_share", 0.5)
prefs.keep("style_strength", "Medium", choices=strengths)
prefs.keep("style_keep_colours", False)
prefs.keep("style_own_weights", False)
prefs.keep("style_weight", defaults.style_weight, choices=STYLE_WEIGHTS)
prefs.keep("style_content_weight", defaults.content_weight, choices=CONTENT_WEIGHTS)
prefs.keep("style_layers", tuple(network.style_layers))
prefs.keep("style_content_layer", network.content_layers[0], choices=network.layer_names)
prefs.keep("style_iterations", defaults.iterations[-1])
prefs.keep("style_size", 512, choices=SIZES)
# The strength starts at the chosen style's own (fast.STYLE_STRENGTHS) and follows the style until the painter
# moves it: AUTO_STRENGTH is the default last put on the slider (None: settings from before there was one).
AUTO_STRENGTH = "style_fast_strength_default"
prefs.keep(AUTO_STRENGTH, None if "style_fast_strength" in state.get(state.SETTINGS, {}) else fast_style.DEFAULT_STRENGTH)
prefs.keep("style_fast_strength", fast_style.DEFAULT_STRENGTH)
CONTROLS = ("style_choice", "style_blend", "style_blend_share", "style_strength", "style_keep_colours",
            "style_own_weights", "style_weight", "style_content_weight", "style_layers", "style_content_layer",
            "style_iterations", "style_size", "style_fast_strength")
# The controls the instant picture depends on (the others only shape a VGG19 refinement).
FAST_CONTROLS = ("style_choice", "style_blend", "style_blend_share", "style_keep_colours", "style_size",
                 "style_fast_strength")

pick, thumb = st.columns([4, 1])
choice = pick.selectbox("Style", names + [OWN], key="style_choice", disabled=locked,
                        help="The kind of brushwork your painting will show")
style_image, own_name = None, ""
if choice == OWN:
    upload = pick.file_uploader("Style image", key="style_upload", disabled=locked,
                                help="A close-up photo of paint or a painting whose brushwork you like")
    if upload is not None:
        try:
            style_image, own_name = decode_image(upload.getvalue(), max_side=512).pixels, upload.name
        except ImageError as exc:
            st.error(f"{upload.name}: {exc}")
    elif state.get(state.STYLE_IMAGE) is not None:  # the picture that made the current result
        style_image, own_name = state.get(state.STYLE_IMAGE), "your style image"
else:
    style_image = styles[names.index(choice)][1]
    pick.caption(f"{styles[names.index(choice)][0].description} Brushes: {styles[names.index(choice)][0].brushes}.")
if style_image is not None:
    ui.picture(thumb, style_image, caption=own_name or choice, width=140)

blend = pick.selectbox("Blend with a second style", ["None"] + [n for n in names if n != choice], key="style_blend",
                       disabled=locked, help="Mix the brushwork of two styles")
share = pick.slider("Share of the second style" if blend == "None" else f"Share of {blend}", 0.1, 0.9, step=0.05, key="style_blend_share",
                    disabled=locked or blend == "None", help="How much of the second style's brushwork to mix in")

left, right = st.columns(2)
chosen = [(ids.get(choice, ""), 1.0 if blend == "None" else 1.0 - share)] + ([(ids[blend], share)] if blend != "None" else [])
auto_strength = fast_style.default_strength(chosen)
if not locked and st.session_state[AUTO_STRENGTH] is not None and auto_strength != st.session_state[AUTO_STRENGTH]:
    if st.session_state["style_fast_strength"] == st.session_state[AUTO_STRENGTH]:  # not moved by the painter
        st.session_state["style_fast_strength"] = auto_strength
    st.session_state[AUTO_STRENGTH] = auto_strength
fast_strength = left.slider("Strength", 0.0, 1.0, step=0.05, key="style_fast_strength", disabled=locked,
                            help="0: your photo's own texture; 1: the style's brushwork and colours in full. "
                                 "It starts at each style's own strength, until you move it")
keep_colours = right.toggle("Keep the photo's colours", key="style_keep_colours", disabled=locked,
                            help="Take only the brush texture from the style, not its colours")
right.caption("Painting a portrait? Keep the photo's colours so skin stays skin.")
with st.expander("Advanced: working size and the texture refinement"):
    st.caption(f"The refinement compares textures with a picture-recognition network: {network.description}.")
    strength = st.radio("Refinement strength", strengths, horizontal=True, key="style_strength", disabled=locked,
                        help="How much texture the refinement adds: subtle, medium or strong")
    own = st.toggle("Set the weights myself", key="style_own_weights", disabled=locked,
                    help="Replace the strength choice by two raw weights")
    a, b = st.columns(2)
    style_weight = a.select_slider("Style weight", STYLE_WEIGHTS, key="style_weight", disabled=locked or not own,
                                   help="More: stronger brush texture and style colours")
    content_weight = b.select_slider("Content weight", CONTENT_WEIGHTS, key="style_content_weight",
                                     disabled=locked or not own, help="More: the photo's shapes and edges stay closer")
    style_layers = st.multiselect("Texture layers", network.layer_names, key="style_layers", disabled=locked,
                                  help="Early layers carry fine texture and colour, later ones larger brush marks")
    content_layer = st.selectbox("Shape layer", network.layer_names, key="style_content_layer", disabled=locked,
                                 help="Which layer's picture of the shapes must be kept")
    iterations = st.slider("Refinement passes at full size", 0, 40, key="style_iterations", disabled=locked,
                           help="More passes: finer texture, longer wait")
    size = st.select_slider("Working size (px)", SIZES, key="style_size", disabled=locked,
                            help="Longest side of the repainted picture; larger is sharper and slower")
prefs.remember(*CONTROLS, AUTO_STRENGTH)
controls = prefs.values(*CONTROLS)

panels.job_panel("style")
mix, labels = [(style_image, 1.0)], [own_name or choice]
# The fast engine takes bundled styles by id (their stored, VGG19-fitted vectors); the user's own picture as it is.
fast_mix = [(style_image if choice == OWN else ids[choice], 1.0)]
if blend != "None":
    mix = [(style_image, 1.0 - share), (styles[names.index(blend)][1], share)]
    fast_mix = [(fast_mix[0][0], 1.0 - share), (ids[blend], share)]
    labels.append(blend)
pictures = [style_image] + ([styles[names.index(blend)][1]] if blend != "None" else [])
source, own_picture = style_source([ids.get(label, label) for label in labels], pictures, set(ids.values()))
source["controls"] = controls
fast_controls = {key: controls[key] for key in FAST_CONTROLS}

# The instant picture: made on the page (under a second), again whenever one of its controls moves.
preview = None
if style_image is not None:
    kept = state.get(state.STYLE)  # a project's instant picture keeps the colour anchor it was made with
    anchor = kept.colour_anchor if kept is not None and kept.colour_anchor is not None else None
    options = fast_style.FastStyleOptions(strength=float(fast_strength), max_side=size, preserve_colors=keep_colours,
                                          **({} if anchor is None else {"colour_anchor": anchor}))
    preview = res.fast_preview(fast, state.get(state.PHOTO), fast_mix, labels, options, device,
                                 {**fast_controls, "colour_anchor": options.colour_anchor},
                                 own=style_image if choice == OWN else None)

target, record = state.get(state.TARGET), state.get(state.STYLE)
instant = record is not None and record.engine == "fast"
made_with = (state.get(state.STYLE_SOURCE) or {}).get("controls")
# (A picture made elsewhere, by the CLI, has no controls recorded: it is kept until the painter chooses another.)
if preview is not None and instant and not locked and made_with is not None and made_with != controls:
    # The painting follows the sliders while it is an instant picture (a refined one is never replaced unasked).
    state.restyle(preview[0], record=preview[1], source=source, style_image=own_picture)
    target, record, made_with = state.get(state.TARGET), state.get(state.STYLE), controls

use, refine, skip = st.columns(3)
if state.get(state.GUIDE) is not None and state.get(state.GUIDE).strokes is not None and not locked:
    st.caption("A new style starts a new palette: your brushstrokes will need painting again "
               "(download the project file on the Guide page to keep them).")
if use.button("Paint from this picture", type="primary", key="style_use",
              disabled=locked or preview is None or (instant and made_with == controls),
              help="Your palette, steps and outline follow the repainted picture; sliders keep updating it"):
    state.restyle(preview[0], record=preview[1], source=source, style_image=own_picture)
    st.rerun()
if skip.button("Skip: paint from the photo", key="style_skip", disabled=locked or target is None,
               help="Use the photo itself for the palette and steps"):
    state.restyle(None)
    st.rerun()


def start_repaint(start_image, first_level: int, verb: str) -> None:
    """Refine with VGG19 as a background job, from ``start_image`` at level ``first_level`` (1-based)."""
    if not style_layers:
        st.error("Choose at least one texture layer (Advanced).")
        st.stop()
    options = style_transfer.preset(
        strength.lower(), preserve_colors=keep_colours, max_side=size,
        style_layers=tuple(style_layers), content_layers=(content_layer,),
        iterations=style_transfer.StyleOptions.schedule(iterations),
        **({"style_weight": style_weight, "content_weight": content_weight} if own else {}),
    )
    # A job on the queue: a worker (the app's own, or another machine's) runs it with its own VGG19.
    request = style_request(state.get(state.PHOTO), mix, options, labels, preset="" if own else strength.lower(),
                            start=None if start_image is None else (start_image, first_level),
                            instant=preview[1] if preview else None, source=source, own=choice == OWN,
                            weights="auto" if network.pretrained else None)  # the network this page names
    panels.start_job("style", request, label=f"{verb} {' + '.join(labels)}")
    st.rerun()


levels = len(style_transfer.StyleOptions().scales)
if refine.button("Refine the texture", key="style_run", disabled=locked or preview is None,
                 help="Adds finer brush texture to the picture on the right: about a minute at 512 px on a "
                      "laptop; you can visit other pages meanwhile"):
    start_repaint(preview[0], levels, "Refining")

before, after = st.columns(2)
ui.picture(before, state.get(state.PHOTO), caption="Photo", width="stretch")
if target is not None:
    if record.engine == "fast":
        words = f"{record.name} · strength {record.fast_strength:.2f} · instant"
    else:
        strength_words = f"{record.preset} · " if record.preset else ""
        words = f"{record.name} · {strength_words}{record.seconds:.0f} s" + (
            " · texture refined" if record.engine == "fast+vgg19" else "")
    ui.picture(after, target, caption=words, width="stretch")
    if made_with is not None and made_with != controls and not locked and not instant:
        after.warning("The settings above changed since this picture was made: “Paint from this picture” uses "
                      "the new instant picture, “Refine the texture” refines it.")
        if preview is not None:
            ui.picture(after, preview[0], caption="The new instant picture", width="stretch")
    elif record.unfinished and not locked:
        after.warning(record.unfinished)
        if after.button("Continue repainting", key="style_continue", disabled=style_image is None,
                        help="Carry on from this picture where the time limit stopped it"):
            start_repaint(target, record.stopped_at_level, "Continuing")
elif preview is not None:
    ui.picture(after, preview[0], caption=f"{preview[1].name} · strength {fast_strength:.2f} · instant",
                  width="stretch")
    after.info("No style yet: the guide paints from the photo until you press “Paint from this picture”.")
else:
    after.info("No style yet: the guide will paint from the photo.")
st.page_link("pages/palette.py", label="Next: choose the palette", icon="➡️")
