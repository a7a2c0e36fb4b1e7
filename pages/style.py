"""Optional: repaint the photo with a brushstroke style (neural style transfer), as a background job."""

import streamlit as st

from assistant import ImageError, decode_image
from assistant.style import transfer as style_transfer
from pages import _state as state

st.title("Brushstroke style")
state.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")
network, device = state.get_network()
st.caption(f"Repaints your photo with the brushwork of a style picture. Texture from **{network.description}**, "
           f"running on {device}.")

running = state.busy()
locked = bool(running)  # a run in progress: its settings stay as they are until it ends or is cancelled
styles = state.bundled_styles()
names = [asset.name for asset, _ in styles]
ids = {asset.name: asset.id for asset, _ in styles}
OWN = "My own style image"
strengths = [s.title() for s in style_transfer.STRENGTHS]
defaults = style_transfer.preset("medium")
STYLE_WEIGHTS = [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
CONTENT_WEIGHTS = [0.1, 0.3, 1.0, 3.0, 10.0]
SIZES = [128, 256, 384, 512, 768]
state.keep("style_choice", names[0], choices=names + [OWN])
state.keep("style_blend", "None", choices=["None"] + names)
state.keep("style_blend_share", 0.5)
state.keep("style_strength", "Medium", choices=strengths)
state.keep("style_keep_colours", False)
state.keep("style_own_weights", False)
state.keep("style_weight", defaults.style_weight, choices=STYLE_WEIGHTS)
state.keep("style_content_weight", defaults.content_weight, choices=CONTENT_WEIGHTS)
state.keep("style_layers", tuple(network.style_layers))
state.keep("style_content_layer", network.content_layers[0], choices=network.layer_names)
state.keep("style_iterations", defaults.iterations[-1])
state.keep("style_size", 512, choices=SIZES)
CONTROLS = ("style_choice", "style_blend", "style_blend_share", "style_strength", "style_keep_colours",
            "style_own_weights", "style_weight", "style_content_weight", "style_layers", "style_content_layer",
            "style_iterations", "style_size")

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
    state.picture(thumb, style_image, caption=own_name or choice, width=140)

blend = pick.selectbox("Blend with a second style", ["None"] + [n for n in names if n != choice], key="style_blend",
                       disabled=locked, help="Mix the brushwork of two styles")
share = pick.slider("Share of the second style" if blend == "None" else f"Share of {blend}", 0.1, 0.9, step=0.05, key="style_blend_share",
                    disabled=locked or blend == "None", help="How much of the second style's brushwork to mix in")

left, right = st.columns(2)
strength = left.radio("Strength", strengths, horizontal=True, key="style_strength", disabled=locked,
                      help="Subtle: your photo with a hint of brush texture. Strong: boldly repainted, shapes kept")
keep_colours = right.toggle("Keep the photo's colours", key="style_keep_colours", disabled=locked,
                            help="Take only the brush texture from the style, not its colours")
right.caption("Painting a portrait? Keep the photo's colours so skin stays skin.")
with st.expander("Advanced"):
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
state.remember(*CONTROLS)
controls = state.values(*CONTROLS)

state.job_panel("style")
run, skip = st.columns(2)
if state.get(state.GUIDE) is not None and state.get(state.GUIDE).strokes is not None and not locked:
    st.caption("Repainting starts a new palette: your brushstrokes will need painting again "
               "(download the project file on the Guide page to keep them).")
if skip.button("Skip: paint from the photo", key="style_skip", disabled=locked or state.get(state.TARGET) is None,
               help="Use the photo itself for the palette and steps"):
    state.clear(state.TARGET)
    st.rerun()
mix, labels = [(style_image, 1.0)], [own_name or choice]
if blend != "None":
    mix = [(style_image, 1.0 - share), (styles[names.index(blend)][1], share)]
    labels.append(blend)
source = {"styles": [ids.get(label, label) for label in labels], "controls": controls}
if choice == OWN:
    source["image"] = "style.npy"


def start_repaint(resume_from=None) -> None:
    """Repaint the photo as a background job (from the start, or continuing a run the time limit stopped)."""
    if not style_layers:
        st.error("Choose at least one texture layer (Advanced).")
        st.stop()
    options = style_transfer.preset(
        strength.lower(), preserve_colors=keep_colours, max_side=size,
        style_layers=tuple(style_layers), content_layers=(content_layer,),
        iterations=style_transfer.StyleOptions.schedule(iterations),
        **({"style_weight": style_weight, "content_weight": content_weight} if own else {}),
    )
    photo, chosen = state.get(state.PHOTO), style_image

    def work(on_progress):
        result = style_transfer.stylize(photo, mix, network=network, options=options, on_progress=on_progress,
                                        resume_from=resume_from)
        record = result.record(labels, device=device, preset="" if own else strength.lower())
        return result.image, record, source, chosen if choice == OWN else None

    verb = "Continuing" if resume_from else "Repainting"
    state.start_job("style", work, label=f"{verb} in {' + '.join(labels)}")
    st.rerun()


if run.button("Repaint in this style", type="primary", key="style_run", disabled=locked or style_image is None,
              help="About half a minute at 512 px on a laptop; you can visit other pages meanwhile"):
    start_repaint()

target = state.get(state.TARGET)
before, after = st.columns(2)
state.picture(before, state.get(state.PHOTO), caption="Photo", width="stretch")
if target is not None:
    record = state.get(state.STYLE)
    strength_words = f"{record.preset} · " if record.preset else ""
    state.picture(after, target, caption=f"{record.name} · {strength_words}{record.seconds:.0f} s", width="stretch")
    made_with = (state.get(state.STYLE_SOURCE) or {}).get("controls")
    if made_with is not None and made_with != controls and not locked:
        after.warning("The settings above changed since this picture was made: press “Repaint in this style” "
                      "to apply them.")
    elif record.unfinished and not locked:
        after.warning(record.unfinished)
        if after.button("Continue repainting", key="style_continue", disabled=style_image is None,
                        help="Carry on from this picture where the time limit stopped it"):
            start_repaint(resume_from=(target, record.stopped_at_level))
else:
    after.info("No style yet: the guide will paint from the photo.")
st.page_link("pages/palette.py", label="Next: choose the palette", icon="➡️")
