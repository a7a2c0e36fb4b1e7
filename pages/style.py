"""Optional: repaint the photo with a brushstroke style (neural style transfer)."""

import streamlit as st

from assistant import ImageError, decode_image
from assistant.style import transfer as style_transfer
from pages import _state as state

st.title("Brushstroke style")
state.require(state.PHOTO, "Upload a photo first.", "pages/upload.py")
network = state.get_network()
st.caption(f"Feature network in use: **{network.description}**.")

styles = state.bundled_styles()
columns = st.columns(len(styles))
for column, (asset, image) in zip(columns, styles):
    column.image(image, caption=asset.name, width="stretch")
names = [asset.name for asset, _ in styles] + ["My own style image"]
choice = st.radio("Style", names, horizontal=True, key="style_choice")
if choice == "My own style image":
    upload = st.file_uploader("Style image", key="style_upload")
    if upload is None:
        st.stop()
    try:
        style_image = decode_image(upload.getvalue(), max_side=512).pixels
    except ImageError as exc:
        st.error(f"{upload.name}: {exc}")
        st.stop()
else:
    asset, style_image = styles[names.index(choice)]
    st.caption(f"{asset.description} Suggests: {asset.brushes}.")
mix = [(style_image, 1.0)]
labels = [choice]
others = [asset.name for asset, _ in styles if asset.name != choice]
blend = st.selectbox("Blend with a second style", ["None"] + others, key="style_blend")
if blend != "None":
    share = st.slider(f"Share of {blend}", 0.1, 0.9, 0.5, step=0.05, key="style_blend_share")
    second = styles[[asset.name for asset, _ in styles].index(blend)][1]
    mix = [(style_image, 1.0 - share), (second, share)]
    labels = [choice, blend]

left, middle, right = st.columns(3)
style_weight = left.select_slider("Style weight", [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0], 1.0, key="style_weight")
content_weight = middle.select_slider("Content weight", [0.1, 0.3, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0], 5.0, key="style_content_weight")
keep_colours = right.toggle("Keep the photo's colours", key="style_keep_colours")
with st.expander("Advanced"):
    style_layers = st.multiselect("Style layers", network.layer_names, list(network.style_layers), key="style_layers")
    content_layer = st.selectbox("Content layer", network.layer_names, network.layer_names.index(network.content_layers[0]), key="style_content_layer")
    iterations = st.slider("Iterations at full size", 0, 60, 15, key="style_iterations")
    size = st.select_slider("Working size (px)", [128, 256, 384, 512, 768], 512, key="style_size")

run, skip, cancel = st.columns(3)
if skip.button("Skip: paint from the photo", key="style_skip"):
    state.clear(state.TARGET)
cancel.button("Cancel", key="style_cancel", help="Stops a running transfer")
if run.button("Run style transfer", type="primary", key="style_run") and style_layers:
    options = style_transfer.StyleOptions(
        style_weight=style_weight, content_weight=content_weight, preserve_colors=keep_colours,
        style_layers=tuple(style_layers), content_layers=(content_layer,), max_side=size,
        iterations=style_transfer.StyleOptions.schedule(iterations),
    )
    with state.running() as on_progress:
        result = style_transfer.stylize(state.get(state.PHOTO), mix, network=network,
                                        options=options, on_progress=on_progress)
    state.put(state.TARGET, result.image, **{state.STYLE: result.record(labels)})

target = state.get(state.TARGET)
before, after = st.columns(2)
before.image(state.get(state.PHOTO), caption="Photo", width="stretch")
if target is not None:
    record = state.get(state.STYLE)
    after.image(target, caption=f"{record.name} · {record.seconds} s · {record.network}", width="stretch")
else:
    after.info("No style yet: the guide will paint from the photo.")
st.page_link("pages/palette.py", label="Next: choose the palette", icon="➡️")
