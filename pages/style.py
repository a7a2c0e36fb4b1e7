"""Optional: repaint the photo with a brushstroke style (neural style transfer)."""

import streamlit as st

from assistant import ImageError, decode_image
from assistant.style import transfer as style_transfer
from pages import _state as state

st.title("Brushstroke style")
state.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")
network, device = state.get_network()
st.caption(f"Repaints your photo with the brushwork of a style picture. Texture from **{network.description}**, "
           f"running on {device}.")

styles = state.bundled_styles()
names = [asset.name for asset, _ in styles]
with st.expander("See all brushstroke styles", expanded=False):
    for row in range(0, len(styles), 4):
        for column, (asset, image) in zip(st.columns(4), styles[row : row + 4]):
            column.image(image, caption=asset.name, width="stretch")

pick, preview = st.columns([3, 1])
choice = pick.radio("Style", names + ["My own style image"], horizontal=True, key="style_choice",
                    help="The kind of brushwork your painting will show")
if choice == "My own style image":
    upload = pick.file_uploader("Style image", key="style_upload",
                                help="A close-up photo of paint or a painting whose brushwork you like")
    if upload is None:
        st.stop()
    try:
        style_image = decode_image(upload.getvalue(), max_side=512).pixels
    except ImageError as exc:
        st.error(f"{upload.name}: {exc}")
        st.stop()
    preview.image(style_image, caption=upload.name, width="stretch")
else:
    asset, style_image = styles[names.index(choice)]
    preview.image(style_image, caption=asset.name, width="stretch")
    pick.caption(f"{asset.description} Brushes: {asset.brushes}.")
mix = [(style_image, 1.0)]
labels = [choice]
blend = pick.selectbox("Blend with a second style", ["None"] + [n for n in names if n != choice], key="style_blend",
                       help="Mix the brushwork of two styles")
if blend != "None":
    share = pick.slider(f"Share of {blend}", 0.1, 0.9, 0.5, step=0.05, key="style_blend_share",
                        help="How much of the second style's brushwork to mix in")
    mix = [(style_image, 1.0 - share), (styles[names.index(blend)][1], share)]
    labels = [choice, blend]

left, right = st.columns(2)
strength = left.radio("Strength", [s.title() for s in style_transfer.STRENGTHS], index=1, horizontal=True,
                      key="style_strength",
                      help="Subtle: your photo with a hint of brush texture. Strong: boldly repainted, shapes kept")
keep_colours = right.toggle("Keep the photo's colours", key="style_keep_colours",
                            help="Take only the brush texture from the style, not its colours")
right.caption("Painting a portrait? Keep the photo's colours so skin stays skin.")
defaults = style_transfer.preset(strength.lower())
with st.expander("Advanced"):
    own = st.toggle("Set the weights myself", key="style_own_weights",
                    help="Replace the strength choice by two raw weights")
    a, b = st.columns(2)
    style_weight = a.select_slider("Style weight", [0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
                                   defaults.style_weight, key="style_weight", disabled=not own,
                                   help="More: stronger brush texture and style colours")
    content_weight = b.select_slider("Content weight", [0.1, 0.3, 1.0, 3.0, 10.0], defaults.content_weight,
                                     key="style_content_weight", disabled=not own,
                                     help="More: the photo's shapes and edges stay closer")
    style_layers = st.multiselect("Texture layers", network.layer_names, list(network.style_layers),
                                  key="style_layers",
                                  help="Early layers carry fine texture and colour, later ones larger brush marks")
    content_layer = st.selectbox("Shape layer", network.layer_names,
                                 network.layer_names.index(network.content_layers[0]), key="style_content_layer",
                                 help="Which layer's picture of the shapes must be kept")
    iterations = st.slider("Refinement passes at full size", 0, 40, defaults.iterations[-1], key="style_iterations",
                           help="More passes: finer texture, longer wait")
    size = st.select_slider("Working size (px)", [128, 256, 384, 512, 768], 512, key="style_size",
                            help="Longest side of the repainted picture; larger is sharper and slower")

run, skip, cancel = st.columns(3)
if skip.button("Skip: paint from the photo", key="style_skip", help="Use the photo itself for the palette and steps"):
    state.clear(state.TARGET)
cancel.button("Cancel", key="style_cancel", help="Stops a running repaint")
if run.button("Repaint in this style", type="primary", key="style_run", help="About a minute at 512 px on a laptop"):
    if not style_layers:
        st.error("Choose at least one texture layer (Advanced).")
        st.stop()
    options = style_transfer.preset(
        strength.lower(), preserve_colors=keep_colours, max_side=size,
        style_layers=tuple(style_layers), content_layers=(content_layer,),
        iterations=style_transfer.StyleOptions.schedule(iterations),
        **({"style_weight": style_weight, "content_weight": content_weight} if own else {}),
    )
    with state.running() as on_progress:
        result = style_transfer.stylize(state.get(state.PHOTO), mix, network=network, options=options,
                                        on_progress=on_progress)
    record = result.record(labels, device=device, preset="" if own else strength.lower())
    state.put(state.TARGET, result.image, **{state.STYLE: record})

target = state.get(state.TARGET)
before, after = st.columns(2)
before.image(state.get(state.PHOTO), caption="Photo", width="stretch")
if target is not None:
    record = state.get(state.STYLE)
    strength_words = f"{record.preset} · " if record.preset else ""
    after.image(target, caption=f"{record.name} · {strength_words}{record.seconds:.0f} s", width="stretch")
else:
    after.info("No style yet: the guide will paint from the photo.")
st.page_link("pages/palette.py", label="Next: choose the palette", icon="➡️")
