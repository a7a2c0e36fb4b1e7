"""What the pages draw: pictures, the step viewer, recipe rows, a progress bar, a missing-step hint."""

from __future__ import annotations

import html
from contextlib import contextmanager

import numpy as np
import streamlit as st

from pages import _settings as prefs
from pages import _state as state


def require(key: str, message: str, page: str | None = None) -> None:
    """Stop the page with a friendly hint when an earlier step is missing."""
    if state.get(key) is None:
        st.info(message)
        if page:
            st.page_link(page, label="Go there", icon="➡️")
        st.stop()


@contextmanager
def running():
    """Run a short core call in the page with a progress bar; yields its ``on_progress``.

    The bar always goes away; a bad input or option is shown as one line and stops the page.
    (Long, cancellable runs are background jobs: :func:`start_job`.)
    """
    bar = st.progress(0.0, text="Starting…")

    def on_progress(fraction: float, message: str, preview=None) -> None:
        bar.progress(min(1.0, max(0.0, float(fraction))), text=message)

    try:
        yield on_progress
    except ValueError as exc:
        st.error(str(exc).splitlines()[0] if str(exc) else "That did not work.")
        st.stop()
    finally:
        bar.empty()


def picture(where, image, **options) -> None:
    """Show ``image`` in ``where`` (``st``, a column, the sidebar): float pictures as 8-bit, clipped to 0–1.

    Every picture a page shows goes through here: resampling can leave a float a hair above 1
    (1.0000002 from pure white), which ``st.image`` refuses with a traceback.
    """
    from assistant.images import to_uint8

    if isinstance(image, np.ndarray) and image.dtype != np.uint8:
        image = to_uint8(image)
    where.image(image, **options)


def step_viewer(steps, images, highlights, *, key: str, new_caption: str):
    """A slider over ``steps`` with the step's text, what is new and the canvas after it."""
    count = len(steps)
    number = 1
    if count > 1:
        prefs.keep(key, 1, choices=range(1, count + 1))
        number = st.slider("Step", 1, count, key=key, help="Move through the steps in painting order")
        prefs.remember(key)
    step = steps[number - 1]
    st.subheader(f"Step {step.index} of {count}: {step.title}")
    st.write(step.instruction)
    left, right = st.columns(2)
    if np.array_equal(highlights[number - 1], images[number - 1]):  # step 1: its masses are the canvas after it
        picture(left, framed(images[number - 1]), caption="The value masses of this step: the canvas after it",
                width="stretch")
        return step
    picture(left, framed(highlights[number - 1]), caption=new_caption, width="stretch")
    picture(right, framed(images[number - 1]), caption="Canvas after this step", width="stretch")
    return step


def framed(image: np.ndarray, *, grey: float = 0.55) -> np.ndarray:
    """The canvas with a thin grey edge, so that unpainted white canvas does not melt into the white page."""
    from assistant.images import to_uint8

    pixels = to_uint8(image) if image.dtype != np.uint8 else image
    edge = max(1, round(max(pixels.shape[:2]) / 400))
    return np.pad(pixels, ((edge, edge), (edge, edge), (0, 0)), constant_values=round(grey * 255))


def swatches_html(palette) -> str:
    cells = "".join(
        f'<div style="display:inline-block;margin:3px;text-align:center;width:92px;font-size:12px">'
        f'<div style="background:{c.hex};height:40px;border:1px solid #999;border-radius:4px"></div>'
        f"<b>{c.index}</b> {c.name}<br>{c.hex} · {c.coverage:.1f}%</div>"
        for c in palette
    )
    return f"<div>{cells}</div>"


def step_mix_html(guide, colors) -> str:
    """What to mix for a step, one colour a line with its swatch (as the PDF's step pages): "6 rust: 7 parts hansa
    yellow opaque + 2 parts cadmium red light, close match"."""
    lines = []
    for number in colors:
        color, words = guide.palette[number - 1], guide.mix_words(number)
        lines.append('<div style="display:flex;gap:8px;align-items:center;padding:2px 0;font-size:14px">'
                     f'<div style="background:{color.hex};width:28px;height:18px;border:1px solid #999;'
                     f'border-radius:3px;flex:none"></div><div><b>{number}</b> {html.escape(words)}</div></div>')
    return "<div>" + "".join(lines) + "</div>"


def recipes_html(guide) -> str:
    """Each palette colour with its mixing recipe: target swatch, recipe, predicted mix, match in words."""
    if not guide.recipes:
        return swatches_html(guide.palette)
    approximate = {p.name for p in guide.paints if p.approximate}
    rows = []
    amounts = guide.paint_amounts()
    tints = guide.tints
    for (_, ml), color, recipe in zip(amounts, guide.palette, guide.recipes):
        words = html.escape(recipe.text())
        if color.index in tints:  # mixed quicker from a darker colour's pile and white
            words += f"<br><i>{html.escape(tints[color.index].text())}</i>"
        for name in approximate & {n for n, _ in recipe.parts}:
            words = words.replace(html.escape(name), html.escape(name) + "*")
        colour = {"close": "#2e7d32", "noticeable": "#b26a00", "far": "#c62828"}[recipe.verdict]
        why = f" · {html.escape(recipe.reason)}" if recipe.reason else ""
        match = f"{recipe.match} (colour difference {recipe.delta_e:.1f}){why}"
        if recipe.at_limit:  # "As dark as your paints go: bone black straight.", said once
            match = html.escape(recipe.note())
        # On a narrow screen (a 390 px phone) the row wraps: the recipe keeps the width it needs to be read
        # and the predicted mix with its match goes to a line of its own underneath, indented under the recipe.
        rows.append(
            '<div style="display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:5px 0;'
            'border-bottom:1px solid #eee;font-size:14px">'
            f'<div title="colour to paint" style="background:{color.hex};width:44px;height:30px;'
            'border:1px solid #999;border-radius:4px;flex:none"></div>'
            f'<div style="flex:1 1 200px;min-width:0;overflow-wrap:anywhere"><b>{color.index}</b> '
            f'{html.escape(color.name)} · {color.coverage:.1f}% · about {ml:g} ml<br>'
            f'<span style="font-size:13px">{words}</span></div>'
            '<div style="display:flex;align-items:center;gap:10px;flex:0 1 204px;min-width:0;margin-left:54px">'
            f'<div title="what the recipe gives" style="background:{recipe.hex};width:44px;height:30px;'
            'border:1px solid #999;border-radius:4px;flex:none"></div>'
            f'<div style="flex:1;min-width:0;font-size:13px;color:{colour}">{match}</div></div>'
            "</div>"
        )
    legend = ('<div style="font-size:12px;color:#666">'
              "First swatch: the colour to paint; second: what the recipe gives. "
              "Parts by volume; “a touch” is under 1/12 of the mix. * approximate paint. "
              "Amounts: rough, for two coats on your canvas. Colour difference: under 3 is hard to see, "
              "over 6 is plain to see.</div>")
    return legend + "".join(rows)
