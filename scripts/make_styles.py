"""Generate the bundled brushstroke style images (assets/styles), CC0.

Each image is a simulated close-up photograph of real paint, about 20 × 20 cm of canvas
at 1024 px (about 5 px per mm):

* strokes are drawn with the project's own procedural brush (``assistant.strokes.brush``), laid
  along a smooth flow field the way a painter follows a form;
* every stroke deposits colour *and* paint thickness: a height field with bristle grooves
  along the stroke, more paint where the brush touched down, ridges at the edges of knife work;
* thin paint lets the canvas weave (or the paper grain) show through; dry brush skips over it;
* the height field is lit from the upper left (diffuse shading plus a wet sheen for oils),
  so impasto catches highlights and casts small shadows, as in a raking-light photograph;
* colours come from a small harmonious scheme per style (analogous hues with a complement,
  as a painter would lay out a palette), jittered a little per stroke.

Usage: ``python scripts/make_styles.py [--size 1024] [--seed 0] [--out assets/styles] [--sheet assets/styles/contact_sheet.jpg] [--only ID …]``.
Same seed, same images.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from assistant.images import encode_png
from assistant.strokes.brush import Stroke, stroke_footprint

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Brushwork:
    """How one style lays paint down (sizes in mm; the image is ``mm_px`` px per mm)."""

    palette: tuple[str, ...]  # hex colours of the scheme
    width_mm: tuple[float, float]  # brush or knife width range
    aspect: tuple[float, float]  # stroke length / width
    coverage: float  # how many times the canvas is covered, on average
    thickness: float  # paint height at full load (relative)
    grooves: float  # bristle groove depth, 0 (knife, soft brush) to 1
    opacity: float = 1.0  # < 1: glazes and washes
    sheen: float = 0.25  # specular highlight strength (wet oil), 0 for matte
    dry: float = 0.0  # dry brush: how much the paint skips over the weave
    ridge: float = 0.0  # knife: paint pushed to the stroke edges
    bend: float = 0.15  # curvature of strokes
    ground: str = "#ece6da"  # primed canvas or paper colour
    paper: bool = False  # paper grain instead of canvas weave
    edge_darkening: float = 0.0  # watercolour: pigment dries darker at the edges
    flow_scale: float = 0.35  # size of the flow field's swirls, as a fraction of the image


@dataclass(frozen=True)
class StyleInfo:
    id: str
    name: str
    description: str
    brushes: str
    look: Brushwork = field(repr=False)


STYLES = (
    StyleInfo("impasto_oil", "Impasto oil", "Thick, loaded strokes whose ridges catch the light.",
              "stiff hog-bristle flats and filberts, 12-25 mm",
              Brushwork(("#e8a33d", "#d9682b", "#b8401f", "#f3d28a", "#5a7fa8", "#2e4a6b", "#f6efe0"),
                        (9, 16), (2.0, 4.0), 2.6, 1.0, 0.9, sheen=0.35)),
    StyleInfo("palette_knife", "Palette knife", "Flat, angular slabs of paint with crisp ridged edges.",
              "trowel-shaped painting knife, 20-40 mm",
              Brushwork(("#2f6b5e", "#4f9a7d", "#a9cfa4", "#e5d59a", "#c98b3e", "#1f3d4a", "#f1ede2"),
                        (14, 26), (1.3, 2.4), 2.2, 1.1, 0.08, sheen=0.45, ridge=0.8, bend=0.03)),
    StyleInfo("dry_brush", "Dry brush", "Broken, streaky strokes where the bristles skip over the canvas weave.",
              "worn bristle flat or fan brush, little paint, 15-30 mm",
              Brushwork(("#6b4a2e", "#9a6f42", "#c9a46a", "#3e3a34", "#7d8a6a"),
                        (10, 18), (3.0, 6.0), 1.6, 0.35, 1.0, sheen=0.1, dry=0.85, ground="#e9e1cf")),
    StyleInfo("glazed_oil", "Glazed oil", "Thin transparent layers of deep colour, smooth and glossy.",
              "soft synthetic or sable flat, 20-35 mm",
              Brushwork(("#7a1f2b", "#b5482e", "#e0a050", "#3b2a4a", "#1e4d5c"),
                        (16, 28), (2.0, 3.5), 3.2, 0.12, 0.25, opacity=0.33, sheen=0.5, bend=0.25,
                        ground="#f0e3c4")),
    StyleInfo("gouache_flats", "Gouache flats", "Matte, opaque, flat shapes with clean edges.",
              "flat synthetic brush, 6-14 mm; round #6",
              Brushwork(("#e4b7a0", "#c96f5b", "#6f8fae", "#e8d8a8", "#4e6b5c", "#f4efe6", "#33384a"),
                        (5, 11), (1.5, 3.0), 2.4, 0.18, 0.15, sheen=0.0, bend=0.1, ground="#f3efe6")),
    StyleInfo("watercolour_wash", "Watercolour wash", "Soft transparent washes that dry with darker edges; paper shows through.",
              "large mop or round #10-#14",
              Brushwork(("#3d6fa3", "#7fb0d6", "#9c7bb5", "#e3a86b", "#5e9a8a"),
                        (18, 34), (1.2, 2.2), 2.0, 0.0, 0.0, opacity=0.28, sheen=0.0, bend=0.3,
                        ground="#f7f4ec", paper=True, edge_darkening=0.55, flow_scale=0.5)),
    StyleInfo("pointillist", "Pointillist dabs", "Small dabs of pure colour side by side that mix in the eye.",
              "round brush #4-#6, one dab at a time",
              Brushwork(("#f2c14e", "#f08a3c", "#3c6fb5", "#6fa85a", "#8c5aa6", "#f4f0e0", "#d94f3d"),
                        (2.4, 3.6), (1.0, 1.4), 3.0, 0.7, 0.5, sheen=0.2, bend=0.0)),
    StyleInfo("ink_hatching", "Ink cross-hatching", "Fine parallel pen lines, layered in directions to build the darks.",
              "fine-liner or dip pen; rigger brush",
              Brushwork(("#2a211c", "#3b2f29", "#5a4636"), (0.35, 0.55), (30.0, 60.0), 1.0, 0.0, 0.0,
                        sheen=0.0, bend=0.02, ground="#f3ead6", paper=True)),
)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], np.float32) / 255.0


def _smooth_noise(rng, size: int, scale: float) -> np.ndarray:
    """Zero-mean, unit-range noise with features about ``scale`` px across."""
    noise = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), max(scale, 0.5))
    return noise / (np.abs(noise).max() + 1e-6)


def _ground_texture(rng, size: int, look: Brushwork, mm_px: float) -> np.ndarray:
    """Height of the support: a plain canvas weave (threads about 0.6 mm) or paper grain."""
    if look.paper:
        return 0.5 + 0.35 * _smooth_noise(rng, size, 1.2) + 0.15 * _smooth_noise(rng, size, 4.0)
    period = 0.6 * mm_px * 2
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    jitter = 0.6 * _smooth_noise(rng, size, 8.0)
    warp = np.cos(np.pi * (x + jitter) / (period / 2)) ** 2
    weft = np.cos(np.pi * (y - jitter) / (period / 2)) ** 2
    over = (np.floor(x / period) + np.floor(y / period)) % 2
    return (over * warp + (1 - over) * weft) * 0.8 + 0.2 * _smooth_noise(rng, size, 1.0)


def _flow(rng, size: int, look: Brushwork) -> np.ndarray:
    """Stroke direction (radians) per pixel: a smooth field, like forms a painter follows."""
    base = rng.uniform(0, np.pi)
    swirl = _smooth_noise(rng, size, size * look.flow_scale / 3)
    return base + 1.4 * swirl


def _colour(rng, scheme: np.ndarray, zones: np.ndarray, stroke: Stroke) -> np.ndarray:
    """Mostly the colour of the zone the stroke starts in (a painter works area by area), sometimes an accent."""
    x, y = stroke.points[1]
    size = zones.shape[0]
    index = int(zones[int(np.clip(y, 0, size - 1)), int(np.clip(x, 0, size - 1))])
    if rng.random() < 0.3:  # a neighbouring colour of the scheme, or an accent
        index = (index + rng.choice((-1, 1, 2))) % len(scheme)
    colour = scheme[index]
    tint = rng.normal(0, 0.035, 3).astype(np.float32) + rng.normal(0, 0.04)  # small hue and value jitter
    return np.clip(colour + tint, 0.0, 1.0)


def _strokes(rng, size: int, look: Brushwork, mm_px: float, angle: np.ndarray):
    """The strokes of one image: positions, directions, widths from the style."""
    mean_w = np.mean(look.width_mm) * mm_px
    mean_len = mean_w * np.mean(look.aspect)
    count = int(look.coverage * size * size / (mean_w * mean_len * 0.8))
    for _ in range(count):
        width = rng.uniform(*look.width_mm) * mm_px
        length = width * rng.uniform(*look.aspect)
        cx, cy = rng.uniform(-0.05, 1.05, 2) * size
        theta = angle[int(np.clip(cy, 0, size - 1)), int(np.clip(cx, 0, size - 1))] + rng.normal(0, 0.12)
        dx, dy = np.cos(theta) * length / 2, np.sin(theta) * length / 2
        bend = rng.uniform(-look.bend, look.bend) * length
        control = (cx - np.sin(theta) * bend, cy + np.cos(theta) * bend)
        taper = rng.uniform(0.7, 1.0)
        yield Stroke(1, 1, ((cx - dx, cy - dy), control, (cx + dx, cy + dy)), (width, width * taper))


def paint(info: StyleInfo, size: int, seed: int) -> np.ndarray:
    """Render one style image, float32 (size, size, 3) in [0, 1]."""
    look = info.look
    rng = np.random.default_rng(seed)
    mm_px = size / 200.0  # the image shows 200 mm of canvas
    ground = _ground_texture(rng, size, look, mm_px)
    colour = np.empty((size, size, 3), np.float32)
    colour[:] = _rgb(look.ground)
    height = np.zeros((size, size), np.float32)
    scheme = np.stack([_rgb(c) for c in look.palette])
    # Colour zones: a smooth field cut into as many bands as the scheme has colours.
    field = _smooth_noise(rng, size, size / 7)
    zones = np.clip(((field - field.min()) / (np.ptp(field) + 1e-6) * len(scheme)).astype(int), 0, len(scheme) - 1)
    if info.id == "ink_hatching":
        _hatch(rng, colour, size, look, mm_px, scheme)
    else:
        angle = _flow(rng, size, look)
        for stroke in _strokes(rng, size, look, mm_px, angle):
            _lay(rng, stroke, colour, height, ground, look, _colour(rng, scheme, zones, stroke))
    return _light(colour, height, ground, look)


def _lay(rng, stroke: Stroke, colour, height, ground, look: Brushwork, paint_rgb) -> None:
    """Deposit one stroke's paint: colour over what is there, thickness onto the height field."""
    fp = stroke_footprint(stroke, *colour.shape[:2])
    if fp is None:
        return
    box, alpha = fp.box, fp.alpha
    grooves = _bristle_clumps(rng, fp.across, period=0.7 * max(1.0, stroke.widths[0] / 16))
    load = 1.0 - 0.55 * fp.along  # the brush runs out of paint along the stroke
    cover = alpha * look.opacity
    if look.dry > 0:  # paint catches only the raised threads where the brush runs dry
        threshold = look.dry * fp.along * 0.9 + 0.25 * (1 - grooves)
        cover = cover * np.clip((ground[box] - threshold) * 4.0 + 0.5, 0.0, 1.0)
    if look.grooves > 0:
        cover = cover * (1.0 - 0.25 * look.grooves * (1 - grooves) * fp.along)
    patch = colour[box]
    if look.edge_darkening > 0:  # pigment collects at the rim of a drying wash
        rim = np.clip(alpha * (1 - alpha) * 4.0, 0, 1) ** 0.5
        tint = paint_rgb * (1.0 - look.edge_darkening * rim[..., None] * 0.6)
        patch += (cover * (0.8 + 0.4 * ground[box]))[..., None] * (tint - patch)
    else:
        patch += cover[..., None] * (paint_rgb - patch)
    if look.thickness > 0:
        body = look.thickness * load * (1.0 - look.grooves * 0.9 * (1 - grooves) ** 0.7)
        if look.ridge > 0:  # a knife pushes paint to its edges
            body = body * (1.0 + look.ridge * np.clip(1 - np.abs(2 * alpha - 1), 0, 1) ** 2 * 2)
        height[box] = height[box] * (1 - 0.6 * cover) + cover * body


def _bristle_clumps(rng, across: np.ndarray, *, period: float) -> np.ndarray:
    """Irregular bristle marks across a stroke: 1 on a clump of bristles, 0 in the groove between."""
    raw = rng.random(96)
    smooth = np.convolve(np.concatenate([raw[-2:], raw, raw[:2]]), [0.1, 0.2, 0.4, 0.2, 0.1], mode="valid")
    profile = (smooth - smooth.min()) / (np.ptp(smooth) + 1e-6)
    position = across / period
    index = np.floor(position).astype(np.int64)
    frac = position - index
    return profile[index % 96] * (1 - frac) + profile[(index + 1) % 96] * frac


def _hatch(rng, colour, size: int, look: Brushwork, mm_px: float, scheme) -> None:
    """Ink hatching: groups of parallel pen lines in three directions, denser where the tone is dark."""
    tone = _smooth_noise(rng, size, size / 6) * 0.5 + 0.5
    for layer, angle in enumerate((np.pi / 4, -np.pi / 5, np.pi / 12)):
        spacing = 1.3 * mm_px
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        for offset in np.arange(-size * 0.75, size * 0.75, spacing):
            start = rng.uniform(-0.7, 0.7) * size
            for _ in range(3):  # broken lines, as a hand draws them
                length = rng.uniform(15, 45) * mm_px
                centre = np.array([size / 2, size / 2]) + normal * offset + direction * start
                start += length / 1.3 * rng.choice((-1, 1))
                x, y = int(np.clip(centre[0], 0, size - 1)), int(np.clip(centre[1], 0, size - 1))
                if tone[y, x] > 1.0 - 0.3 * (layer + 1):
                    continue
                a, b = centre - direction * length / 2, centre + direction * length / 2
                wobble = normal * rng.normal(0, 0.4 * mm_px)
                width = rng.uniform(*look.width_mm) * mm_px
                stroke = Stroke(1, 1, (tuple(a), tuple((a + b) / 2 + wobble), tuple(b)), (width, width * 0.8))
                fp = stroke_footprint(stroke, size, size)
                if fp is not None:
                    ink = scheme[rng.integers(len(scheme))]
                    colour[fp.box] += (fp.alpha * 0.9)[..., None] * (ink - colour[fp.box])


def _light(colour, height, ground, look: Brushwork) -> np.ndarray:
    """Raking light from the upper left on paint thickness plus the support showing through thin paint."""
    thin = np.exp(-height / 0.25)
    relief = cv2.GaussianBlur(height, (0, 0), 0.8) * 9.0 + ground * (0.9 if not look.paper else 0.5) * thin
    gy, gx = np.gradient(relief)
    normal = np.dstack([-gx, -gy, np.ones_like(gx)])
    normal /= np.linalg.norm(normal, axis=2, keepdims=True)
    light = np.array([-0.55, -0.55, 0.63])
    light /= np.linalg.norm(light)
    diffuse = np.clip(normal @ light, 0, 1)
    shade = 0.62 + 0.5 * diffuse
    image = colour * shade[..., None]
    if look.sheen > 0:
        half = light + np.array([0, 0, 1.0])
        half /= np.linalg.norm(half)
        spec = np.clip(normal @ half, 0, 1) ** 24 * look.sheen * 0.7 * (1 - thin * 0.8)
        image = image + spec[..., None]
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def contact_sheet(images: list[tuple[StyleInfo, np.ndarray]], *, tile: int = 256) -> np.ndarray:
    """All styles side by side, labelled, as one picture for the README."""
    columns = 4
    rows = -(-len(images) // columns)
    sheet = np.full((rows * (tile + 28), columns * tile, 3), 255, np.uint8)
    for k, (info, image) in enumerate(images):
        r, c = divmod(k, columns)
        y, x = r * (tile + 28), c * tile
        small = cv2.resize(image, (tile, tile), interpolation=cv2.INTER_AREA)
        sheet[y : y + tile, x : x + tile] = (small * 255).round().astype(np.uint8)
        cv2.putText(sheet, info.name, (x + 6, y + tile + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (30, 30, 30), 1, cv2.LINE_AA)
    return sheet


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "styles")
    parser.add_argument("--sheet", type=Path, default=ROOT / "assets" / "styles" / "contact_sheet.jpg")
    parser.add_argument("--only", nargs="*", help="style ids to render (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    meta, rendered = [], []
    for number, info in enumerate(STYLES):
        if args.only and info.id not in args.only:
            continue
        image = paint(info, args.size, args.seed + number)
        (args.out / f"{info.id}.png").write_bytes(encode_png(image, compression=9))
        record = {k: v for k, v in asdict(info).items() if k != "look"}
        meta.append({**record, "file": f"{info.id}.png", "size_px": args.size, "canvas_mm": 200,
                     "colours": list(info.look.palette), "seed": args.seed + number})
        rendered.append((info, image))
        print(f"{info.id}: done", flush=True)
    if not args.only:
        (args.out / "styles.json").write_text(json.dumps(meta, indent=2) + "\n")
        sheet = contact_sheet(rendered)
        cv2.imwrite(str(args.sheet), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"Wrote {len(meta)} styles to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
