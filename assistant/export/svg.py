"""``outline.svg``: the paint-by-numbers sheet as vectors, at the canvas size in millimetres.

The artwork is exactly the canvas: from ``(0, 0)`` to the canvas's width and height in the
viewBox, which counts millimetres, so printing at 100 % or opening it in Inkscape gives the real
size. The legend (the colours by number) sits below the artwork, outside it, so it never covers a
region: the document is as wide as the canvas and a little taller (``width="400mm"`` and a
``height`` a little over ``500mm`` for a 40 × 50 cm canvas). Layers (Inkscape
``groupmode="layer"``, plain groups for a browser): Outline, Numbers, Grid (when asked for) and Legend.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from ..pipeline import Guide
from .outline import grid_label, grid_lines, outline_drawing

__all__ = ["to_svg"]

_INK = 'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'


def _layer(name: str, body: list[str], **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    return (f'<g id="{name.lower()}" inkscape:groupmode="layer" inkscape:label="{name}"{extra}>\n'
            + "\n".join(body) + "\n</g>")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def to_svg(guide: Guide, *, grid: bool = False) -> bytes:
    """The numbered outline as SVG bytes (see module docstring)."""
    drawing = outline_drawing(guide)
    canvas = drawing.canvas
    w, h = canvas.width_mm, canvas.height_mm
    line = max(0.2, min(0.5, w / 1600))
    paths = []
    for path in drawing.paths:
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in path[:-1])
        paths.append(f'<path d="M{points}Z"/>')
    numbers = [
        f'<text x="{_num(x)}" y="{_num(y + 0.36 * size)}" font-size="{_num(size / 0.72)}">{escape(text)}</text>'
        for x, y, size, text in drawing.numbers
    ]
    layers = [
        _layer("Outline", paths, fill="none", stroke="#5a5a5a", stroke_width=_num(line), stroke_linejoin="round"),
        _layer("Numbers", numbers, fill="#3c3c3c", font_family="Helvetica, Arial, sans-serif", text_anchor="middle"),
    ]
    if grid:
        layers.append(_grid_layer(guide))
    legend, total_h = _legend_layer(guide, w, h)
    layers.append(legend)
    title = escape(f"Painting Assistant outline, {canvas.label} canvas")
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" {_INK} version="1.1" '
        f'width="{_num(w)}mm" height="{_num(total_h)}mm" viewBox="0 0 {_num(w)} {_num(total_h)}">\n'
        f"<title>{title}</title>\n"
        f'<rect id="canvas" x="0" y="0" width="{_num(w)}" height="{_num(h)}" fill="#ffffff" stroke="#9a9a9a" '
        f'stroke-width="{_num(line)}"/>\n' + "\n".join(layers) + "\n</svg>\n"
    )
    return document.encode("utf-8")


def _grid_layer(guide: Guide) -> str:
    canvas = guide.canvas
    xs, ys = grid_lines(canvas)
    size = max(3.0, canvas.width_mm / 90)
    body = [f'<line x1="{_num(x)}" y1="0" x2="{_num(x)}" y2="{_num(canvas.height_mm)}"/>' for x in xs]
    body += [f'<line x1="0" y1="{_num(y)}" x2="{_num(canvas.width_mm)}" y2="{_num(y)}"/>' for y in ys]
    edges_x = [0.0, *xs, canvas.width_mm]
    edges_y = [0.0, *ys, canvas.height_mm]
    for k in range(len(edges_x) - 1):
        x = (edges_x[k] + edges_x[k + 1]) / 2
        body.append(f'<text x="{_num(x)}" y="{_num(size * 1.2)}" stroke="none">{grid_label(column=k)}</text>')
    for k in range(len(edges_y) - 1):
        y = (edges_y[k] + edges_y[k + 1]) / 2
        body.append(f'<text x="{_num(size)}" y="{_num(y)}" stroke="none">{grid_label(row=k)}</text>')
    return _layer("Grid", body, stroke="#3d7cc9", stroke_width="0.3", fill="#3d7cc9",
                  font_size=_num(size), font_family="Helvetica, Arial, sans-serif", text_anchor="middle")


def _legend_layer(guide: Guide, w: float, h: float) -> tuple[str, float]:
    """The colours by number in columns across a card below the artwork; and the document's height (mm)."""
    row = max(4.0, min(9.0, w / 70))
    labels = [f"{color.index} {color.name}" for color in guide.palette]
    # Helvetica's letters average about 0.55 of the font size; the font is 0.75 of a row.
    column_w = row * (1.7 + 0.55 * 0.75 * max(map(len, labels), default=1) + 1.0)
    columns = max(1, min(len(labels), int((w - row) // column_w)))
    per_column = -(-len(labels) // columns)
    card_w = min(w, columns * column_w + row * 0.4)
    card_h = (per_column + 1) * row * 1.25
    x0, y0 = 0.0, h + row * 0.8
    body = [f'<rect x="{_num(x0)}" y="{_num(y0)}" width="{_num(card_w)}" height="{_num(card_h)}" '
            f'fill="#ffffff" stroke="#9a9a9a" stroke-width="0.2"/>',
            f'<text x="{_num(x0 + row * 0.4)}" y="{_num(y0 + row)}" font-size="{_num(row * 0.7)}" '
            f'font-weight="bold">Colours</text>']
    for k, (color, label) in enumerate(zip(guide.palette, labels)):
        cx = x0 + row * 0.4 + (k // per_column) * column_w
        cy = y0 + row * 1.4 + (k % per_column) * row * 1.25
        body.append(f'<rect x="{_num(cx)}" y="{_num(cy)}" width="{_num(row * 1.4)}" height="{_num(row)}" '
                    f'fill="{color.hex}" stroke="#666666" stroke-width="0.15"/>')
        body.append(f'<text x="{_num(cx + row * 1.7)}" y="{_num(cy + row * 0.8)}" font-size="{_num(row * 0.75)}">'
                    f"{escape(label)}</text>")
    layer = _layer("Legend", body, font_family="Helvetica, Arial, sans-serif", fill="#222222")
    return layer, y0 + card_h + row * 0.4
