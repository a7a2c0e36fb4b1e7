"""Ordered, layer-by-layer painting steps, the way painting teachers order them.

Every connected region gets a *phase* from its size (large masses, mid-size shapes,
small details) and a *value band* from its colour's lightness (darks, mid-tones,
lights). A medium decides the order:

* oil, acrylic, gouache (opaque): large masses first, then shapes, details last;
  within each, dark to light (opaque paint covers, so lights go on top).
* watercolour (transparent): light to dark overall (you cannot lighten a wash);
  within each value band, large washes before details. Near-white is left as paper.

The ordered (phase, band) groups become steps; groups are merged until there are
at most ``n_steps``, and split by colour while there are fewer than ``min_steps``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np

from ..base import on_two_cores
from ..canvas import BRUSHES, SMALLEST_BRUSH, Brush, nearest_brush
from ..color.palette import Palette
from .regions import Regions

__all__ = ["Medium", "PaintingStep", "StepPlan", "describe_place", "plan_steps", "render_steps", "soft_edges"]


@dataclass(frozen=True)
class _MediumProfile:
    label: str
    opaque: bool
    brushes: tuple[str, str, str]  # masses, shapes, details
    verbs: tuple[str, str, str]


class Medium(Enum):
    """Painting medium; decides the order of steps and the brush words."""

    ACRYLIC = _MediumProfile(
        "acrylic", True, ("your largest flat brush", "a medium filbert", "a small round brush"),
        ("Block in", "Paint", "Add"),
    )
    OIL = _MediumProfile(
        "oil", True, ("your largest bristle brush", "a medium filbert", "a small round sable"),
        ("Block in", "Paint", "Add"),
    )
    GOUACHE = _MediumProfile(
        "gouache", True, ("a large flat brush", "a medium round", "a small round brush"),
        ("Block in", "Paint", "Add"),
    )
    WATERCOLOR = _MediumProfile(
        "watercolour", False, ("a large mop or wash brush", "a medium round", "a small pointed round"),
        ("Lay a wash over", "Paint", "Add"),
    )

    @classmethod
    def choices(cls) -> tuple[str, ...]:
        """The media by name, as the front ends offer them."""
        return tuple(m.value.label for m in cls)

    @classmethod
    def parse(cls, value: str | Medium) -> Medium:
        """Accept a member or a name such as ``"acrylic"`` / ``"watercolour"``."""
        if isinstance(value, Medium):
            return value
        key = str(value).strip().lower().replace("watercolour", "watercolor")
        for member in cls:
            if member.name.lower() == key:
                return member
        names = ", ".join(cls.choices())
        raise ValueError(f"Expected a medium among {names}. Received: medium={value!r}")


_PHASES = ("masses", "shapes", "details")
_BANDS = ("dark", "mid-tone", "light")
#: Share of a step's area from which a size or value it holds is named in its title.
_NAMED_SHARE = 0.1
#: CIE L* where the painter's dark values end and the light ones begin: Munsell values 3½ and 6½ (L* ≈ 36 and 66),
#: the borders of a three-value scale.
DARK_BELOW, LIGHT_FROM = 36.0, 66.0
#: Mean detail (:mod:`assistant.plan.focus`) from which a small region belongs to the focal point's last step.
FOCAL_DETAIL = 0.8
_FOCAL = (3, 0)  # the key of the focal point's step


@dataclass(frozen=True)
class PaintingStep:
    """One step of the guide.

    Attributes:
        index: 1-based step number.
        title: short heading ("Dark background masses").
        instruction: one line a person can follow.
        colors: palette numbers (1-based) used in this step.
        area: share of the canvas painted in this step, in percent.
        regions: ids of the regions painted in this step (into :class:`Regions`).
        brush: the brush named in the instruction ("a no. 6 round (about 4.5 mm)").
        brush_mm: its width in millimetres on the real canvas (0 when no canvas was given).
    """

    index: int
    title: str
    instruction: str
    colors: tuple[int, ...]
    area: float
    regions: tuple[int, ...]
    brush: str = ""
    brush_mm: float = 0.0


@dataclass(frozen=True, eq=False)
class StepPlan(Sequence):
    """The ordered steps with the canvas after each and what is new in each.

    A sequence of :class:`PaintingStep` (``len``, indexing and iteration give steps);
    ``images[k]`` and ``highlights[k]`` belong to ``steps[k]``. The pictures are 8-bit RGB
    (a quarter of float32: a guide holds two per step); :meth:`picture` gives one as float32.
    """

    steps: tuple[PaintingStep, ...]
    images: tuple[np.ndarray, ...]
    highlights: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        if not len(self.steps) == len(self.images) == len(self.highlights):
            raise ValueError(
                f"Expected one image and one highlight per step. Received: {len(self.steps)} steps, "
                f"{len(self.images)} images, {len(self.highlights)} highlights"
            )

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        return self.steps[index]

    def picture(self, index: int) -> np.ndarray:
        """The canvas after step ``index`` (0-based) as float32 ``(H, W, 3)`` in [0, 1]."""
        return self.images[index].astype(np.float32) / np.float32(255.0)


def plan_steps(
    regions: Regions,
    palette: Palette,
    *,
    medium: Medium | str = Medium.ACRYLIC,
    min_steps: int = 4,
    max_steps: int = 12,
    mm_per_px: float | None = None,
    region_detail: np.ndarray | None = None,
    focus_name: str = "the focal point",
) -> tuple[PaintingStep, ...]:
    """Group and order the regions into painting steps.

    Args:
        regions: the cleaned regions (:func:`assistant.plan.regions.find_regions`).
        palette: the palette whose label values the regions carry.
        medium: a :class:`Medium` or its name.
        min_steps, max_steps: bounds on the number of steps (4–12 by default).
        mm_per_px: the real canvas's millimetres per pixel; each step then names the
            common brush that fits its regions (else the medium's generic brush words).
        region_detail: the detail map's mean over each region (:mod:`assistant.plan.focus`):
            small regions at the focal point (mean ≥ :data:`FOCAL_DETAIL`) are painted last,
            in a step of their own with a small round brush, "Finish the face".
        focus_name: what that step calls the focal point ("the face (upper centre)").

    Returns:
        The steps in painting order; every region belongs to exactly one step.
    """
    medium = Medium.parse(medium)
    if not 1 <= min_steps <= max_steps:
        raise ValueError(f"Expected 1 <= min_steps <= max_steps. Received: min_steps={min_steps}, max_steps={max_steps}")
    if len(regions) == 0:
        raise ValueError("Expected at least one region. Received: an empty label map")

    total = float(regions.areas.sum())
    share = regions.areas / total
    phase = np.where(share >= 0.02, 0, np.where(share >= 0.002, 1, 2))
    lightness = palette.lab[:, 0]
    band_of_color = _value_bands(lightness)
    band = band_of_color[regions.labels]

    if medium.value.opaque:
        keys = [(int(p), int(b)) for p, b in zip(phase, band)]
    else:  # light to dark, then large to small
        keys = [(2 - int(b), int(p)) for p, b in zip(phase, band)]
    focal = np.zeros(len(regions), bool)
    if region_detail is not None:
        focal = (np.asarray(region_detail) >= FOCAL_DETAIL) & (phase > 0)
    groups: dict[tuple[int, int], list[int]] = {}
    for region, key in enumerate(keys):
        if not focal[region]:
            groups.setdefault(key, []).append(region)
    ordered = [groups[k] for k in sorted(groups)]
    ordered_keys = sorted(groups)

    finish = [int(r) for r in np.flatnonzero(focal)]
    room = max_steps - 1 if finish and ordered else max_steps
    ordered, ordered_keys = _merge_to(ordered, ordered_keys, room, regions)
    ordered, ordered_keys = _split_to(ordered, ordered_keys, min_steps - (1 if finish else 0), regions)
    if finish:  # the focal point's details: last, with the smallest brushes
        ordered.append(finish)
        ordered_keys.append(_FOCAL)

    steps = []
    for number, (members, key) in enumerate(zip(ordered, ordered_keys), start=1):
        colors = _colors_by_area(members, regions)
        area = round(100.0 * float(regions.areas[members].sum()) / total, 2)
        if key == _FOCAL:
            brush = None if mm_per_px is None else step_brush(regions, members, 2, medium, mm_per_px)
            broad = None if mm_per_px is None else broad_brush(regions, members, 2, medium, mm_per_px)
            title, instruction = _describe_focal(medium, colors, focus_name, brush, broad)
        else:
            # A step merged from neighbouring groups is named for all it holds, not for its biggest part alone.
            phases, bands = _present(phase[members], regions, members), _present(band[members], regions, members)
            brush = None if mm_per_px is None else step_brush(regions, members, phases[0], medium, mm_per_px)
            broad = None if mm_per_px is None else broad_brush(regions, members, phases[0], medium, mm_per_px)
            title, instruction = _describe(medium, phases, bands, colors, palette, brush, broad)
        if brush is not None and brush.words not in instruction:  # nothing to paint (whites kept)
            brush = None
        where = describe_place(regions, members)
        if where and key != _FOCAL:
            instruction += f" Where: {where}."
        steps.append(PaintingStep(number, title, instruction, colors, area, tuple(int(r) for r in members),
                                  brush.words if brush else "", brush.width_mm if brush else 0.0))
    return tuple(steps)


def step_brush(regions: Regions, members: list[int], phase: int, medium: Medium, mm_per_px: float) -> Brush:
    """The common brush for a step: about a third of the typical region's width and no wider than
    the step's narrowest region, in the phase's shape.

    Masses take a flat (a mop for watercolour), shapes a filbert (a round for watercolour), details a round.
    """
    typical, narrowest = _widths(regions, members, mm_per_px)
    # Never wider than the step's narrowest region: every region fits the brush its step names.
    return _brush_of(max(SMALLEST_BRUSH.width_mm, min(typical / 3.0, narrowest, 50.0)), phase, medium)


def broad_brush(regions: Regions, members: list[int], phase: int, medium: Medium, mm_per_px: float) -> Brush | None:
    """The brush for the broad parts of a step whose narrowest region holds its :func:`step_brush` down: a third
    of the typical region's width, when that is at least twice as wide (a fifth of the canvas in shapes was to be
    painted with a 3 mm filbert because one of them was a sliver); None otherwise."""
    typical, _ = _widths(regions, members, mm_per_px)
    fine, broad = step_brush(regions, members, phase, medium, mm_per_px), _brush_of(min(typical / 3.0, 50.0), phase, medium)
    return broad if broad.width_mm >= 2 * fine.width_mm else None


def _widths(regions: Regions, members: list[int], mm_per_px: float) -> tuple[float, float]:
    """The width (mm) of the region holding a step's median pixel (large areas decide, not many crumbs), and of its
    narrowest region: inscribed-disc diameters."""
    widths = 2.0 * regions.depths[members] * mm_per_px
    order = np.argsort(widths)
    widths, areas = widths[order], regions.areas[members][order].astype(np.float64)
    return float(widths[np.searchsorted(np.cumsum(areas), areas.sum() / 2)]), float(widths[0])


def _brush_of(width: float, phase: int, medium: Medium) -> Brush:
    """The common brush nearest ``width`` mm in the phase's shape (a round where the shape has none so small)."""
    opaque = medium.value.opaque
    shape = (("flat" if opaque else "mop"), ("filbert" if opaque else "round"), "round")[phase]
    if shape == "mop" and width < BRUSHES["mop"][0].width_mm:
        shape = "round"
    if shape == "filbert" and width < BRUSHES["filbert"][0].width_mm:
        shape = "round"
    return nearest_brush(width, shape)


def _value_bands(lightness: np.ndarray) -> np.ndarray:
    """Dark / mid / light band (0, 1, 2) per palette colour, by its L* on a three-value scale (:data:`DARK_BELOW`,
    :data:`LIGHT_FROM`).

    Not relative to the palette: split at its widest L* gaps, a portrait's black stood alone as "dark", its dark
    brown (L* 15) became "mid-tone" and its maroon (L* 26) "light".
    """
    lightness = np.asarray(lightness, np.float64)
    return (lightness >= DARK_BELOW).astype(np.int64) + (lightness >= LIGHT_FROM)


def _colors_by_area(members: list[int], regions: Regions) -> tuple[int, ...]:
    areas: dict[int, int] = {}
    for region in members:
        label = int(regions.labels[region])
        areas[label] = areas.get(label, 0) + int(regions.areas[region])
    return tuple(label + 1 for label, _ in sorted(areas.items(), key=lambda item: (-item[1], item[0])))


def _merge_to(groups, keys, limit, regions):
    """Merge the smallest group into its neighbour in order until ``limit`` groups remain."""
    groups, keys = [list(g) for g in groups], list(keys)
    while len(groups) > limit:
        sizes = [regions.areas[g].sum() for g in groups]
        i = int(np.argmin(sizes))
        j = i - 1 if i == len(groups) - 1 or (i > 0 and sizes[i - 1] <= sizes[i + 1]) else i + 1
        keep, drop = min(i, j), max(i, j)
        groups[keep] = groups[keep] + groups[drop]
        keys[keep] = keys[i] if sizes[i] > sizes[j] else keys[j]
        del groups[drop], keys[drop]
    return groups, keys


def _split_to(groups, keys, minimum, regions):
    """Split the group with most colours by colour until ``minimum`` groups exist."""
    groups, keys = [list(g) for g in groups], list(keys)
    while len(groups) < minimum:
        colour_counts = [len({int(regions.labels[r]) for r in g}) for g in groups]
        i = int(np.argmax(colour_counts))
        if colour_counts[i] < 2:
            break
        by_colour: dict[int, list[int]] = {}
        for region in groups[i]:
            by_colour.setdefault(int(regions.labels[region]), []).append(region)
        colours = sorted(by_colour)  # palette order: dark to light
        half = len(colours) // 2
        first = [r for c in colours[:half] for r in by_colour[c]]
        second = [r for c in colours[half:] for r in by_colour[c]]
        groups[i : i + 1] = [first, second]
        keys[i : i + 1] = [keys[i], keys[i]]
    return groups, keys


def _present(kinds: np.ndarray, regions: Regions, members: list[int]) -> list[int]:
    """The phases (or value bands) a step holds, the one covering most of its area first, then the others covering
    at least :data:`_NAMED_SHARE` of it in their own order (a few crumbs of another kind go unnamed)."""
    area = np.bincount(kinds, weights=regions.areas[members].astype(np.float64), minlength=3)
    main = int(np.argmax(area))
    return [main] + [k for k in range(3) if k != main and area[k] >= _NAMED_SHARE * area.sum()]


def _describe(medium: Medium, phases: list[int], bands: list[int], colors: tuple[int, ...], palette: Palette,
              brush: Brush | None = None, broad: Brush | None = None) -> tuple[str, str]:
    """Title and instruction of a step holding regions of ``phases`` (sizes) and ``bands`` (values), the main
    one of each first: "Dark and mid-tone shapes", "Light large masses and shapes"; with ``broad``, that brush
    for the broad parts and ``brush`` for the narrow ones."""
    profile = medium.value
    listing = _join([str(c) for c in colors])
    word = "colour" if len(colors) == 1 else "colours"
    tone = _join([_BANDS[b] for b in sorted(bands)])
    sizes = ("large masses", "shapes", "details and accents" if len(phases) == 1 else "details")
    what = _join([sizes[p] for p in sorted(phases)])
    title = f"{tone[0].upper()}{tone[1:]} {what}"
    if not profile.opaque and bands == [2] and all(palette[c - 1].lab[0] > 92 for c in colors):
        return (
            "Keep the whites",
            f"Leave the paper white where colour {listing} is marked, or glaze it very lightly.",
        )
    verb = profile.verbs[phases[0]]
    tool = brush.words if brush is not None else profile.brushes[phases[0]]
    if brush is not None and broad is not None:
        tool = f"{broad.words} for the broad parts and {brush.words} for the narrow ones"
    instruction = f"{verb} the {tone} {what} with {word} {listing} using {tool}."
    if profile.opaque and phases == [0] and bands == [0]:
        instruction = instruction[:-1] + "; thin paint, do not fuss over edges yet."
    elif not profile.opaque and phases[0] == 0:
        instruction = instruction[:-1] + "; let it dry before the next step."
    return title, instruction


#: A step's place words name its ``most`` biggest regions, and one more when that covers at least this share of the
#: canvas and half as much as the last one named.
NEXT_SHAPE = 0.015


def describe_place(regions: Regions, members: Sequence[int], *, most: int = 2) -> str:
    """Where a step's biggest regions are, in a painter's words: "the large band across the top, a shape at
    lower left". From each region's place, extent and size; no recognition model is needed."""
    members = [int(r) for r in members]
    if not members:
        return ""
    height, width = regions.ids.shape
    total = float(height * width)
    ranked = sorted(members, key=lambda r: (-int(regions.areas[r]), r))
    biggest = ranked[:most]
    if regions.areas[biggest[0]] / total < 0.03 and len(members) > most:  # many small pieces: where most are
        return _scattered(regions, members)
    # One more that is as big as the last named (a painter missed the hair, 2.2 % beside a 2.3 % piece).
    if len(ranked) > most and regions.areas[ranked[most]] >= max(NEXT_SHAPE * total, 0.5 * regions.areas[ranked[most - 1]]):
        biggest.append(ranked[most])
    shapes: list[tuple[str, str, str]] = []  # (size, noun, where)
    for region in biggest:
        share = regions.areas[region] / total
        if share < 0.002 and shapes and len(members) > most:
            break
        rows, cols = np.nonzero(regions.ids == region)
        top, bottom, left, right = rows.min() / height, (rows.max() + 1) / height, cols.min() / width, (cols.max() + 1) / width
        size = "the large " if share >= 0.15 else "the " if share >= 0.03 else "a small "
        centre_y, centre_x = (top + bottom) / 2, (left + right) / 2
        vertical = ("top", "middle", "bottom")[min(2, int(centre_y * 3))]
        horizontal = ("left", "centre", "right")[min(2, int(centre_x * 3))]
        if right - left >= 0.8 and bottom - top <= 0.45:
            shapes.append((size, "band", f"across the {vertical}"))
        elif bottom - top >= 0.8 and right - left <= 0.45:
            shapes.append((size, "strip", f"down the {horizontal}"))
        else:
            place = {"top": "upper", "middle": "", "bottom": "lower"}[vertical]
            where = f"at {place} {horizontal}" if place else "in the centre" if horizontal == "centre" else \
                f"on the {horizontal}"
            shapes.append((size, "shape", where))
    # Two shapes in the same place are "two shapes at lower right", not the same words twice.
    words: list[str] = []
    for index, (size, noun, where) in enumerate(shapes):
        twins = [k for k, other in enumerate(shapes) if other[1:] == (noun, where)]
        if len(twins) == 1:
            words.append(f"{size}{noun} {where}")
        elif twins[0] == index:
            count = {2: "two", 3: "three"}.get(len(twins), str(len(twins)))
            words.append(f"{count} {noun}s {where}")
    return ", ".join(words)


def _scattered(regions: Regions, members: list[int]) -> str:
    """ "small pieces, most of them in the centre and at upper left": the thirds of the picture holding
    most of the step's area. Pieces that together cover a tenth of the canvas or more are "many pieces, most of
    them … (14% of the canvas)" (a cat's fur in 60 pieces is not "small pieces"), or "many pieces all over the
    canvas (47% of it), more at upper left than elsewhere" when no two thirds of the picture hold half of them."""
    height, width = regions.ids.shape
    rows, cols = regions.anchors[members, 0], regions.anchors[members, 1]
    cell = np.minimum(rows * 3 // height, 2) * 3 + np.minimum(cols * 3 // width, 2)
    mass = np.bincount(cell.astype(np.int64), weights=regions.areas[members].astype(np.float64), minlength=9)
    names = ("at upper left", "along the top", "at upper right", "on the left", "in the centre", "on the right",
             "at lower left", "along the bottom", "at lower right")
    order = np.argsort(-mass, kind="stable")
    chosen = [order[0]] + ([order[1]] if mass[order[1]] >= 0.25 * mass.sum() else [])
    where = " and ".join(names[c] for c in chosen)
    share = mass.sum() / float(height * width)
    if share < 0.1:
        return f"small pieces, most of them {where}"
    if mass[order[:2]].sum() < 0.5 * mass.sum():
        return f"many pieces all over the canvas ({share * 100:.0f}% of it), more {names[order[0]]} than elsewhere"
    return f"many pieces, most of them {where} ({share * 100:.0f}% of the canvas)"


def soft_edges(labels: np.ndarray, image: np.ndarray, *, min_length: int | None = None,
               softness: float = 6.0) -> tuple[tuple[int, int], ...]:
    """Pairs of palette numbers ``(a, b)`` whose shared border is a gradual change in the picture (a sky,
    an out-of-focus background), longest border first: paint them wet-into-wet, not as hard bands.

    A border is soft where the picture's lightness, blurred over 2 px, changes by less than the two
    colours' lightness difference spread over ``softness`` pixels (and by less than 2 L* per pixel).
    Only borders at least ``min_length`` pixels long count (default: a tenth of the picture's width).
    """
    import cv2

    from ..color.spaces import rgb_to_lab

    height, width = labels.shape
    min_length = max(8, width // 10) if min_length is None else min_length
    lightness = cv2.GaussianBlur(np.ascontiguousarray(rgb_to_lab(image)[..., 0], np.float32), (0, 0), 2.0)
    gradient = np.hypot(cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)) / 8
    k = int(labels.max()) + 1
    own_l = np.bincount(labels.ravel(), weights=lightness.ravel(), minlength=k) / np.maximum(
        np.bincount(labels.ravel(), minlength=k), 1)
    pairs: list[np.ndarray] = []
    grads: list[np.ndarray] = []
    for a, b, g in ((labels[:, :-1], labels[:, 1:], gradient[:, :-1]), (labels[:-1], labels[1:], gradient[:-1])):
        differ = a != b
        low, high = np.minimum(a, b)[differ], np.maximum(a, b)[differ]
        pairs.append(low.astype(np.int64) * k + high)
        grads.append(g[differ])
    keys, gradients = np.concatenate(pairs), np.concatenate(grads)
    if keys.size == 0:
        return ()
    length = np.bincount(keys, minlength=k * k)
    mean = np.bincount(keys, weights=gradients, minlength=k * k) / np.maximum(length, 1)
    found = []
    for key in np.flatnonzero(length >= min_length):
        one, other = divmod(int(key), k)
        limit = min(2.0, abs(own_l[one] - own_l[other]) / softness + 0.3)
        if mean[key] < limit:
            found.append((int(length[key]), one + 1, other + 1))
    return tuple((one, other) for _, one, other in sorted(found, key=lambda t: (-t[0], t[1], t[2])))


def _describe_focal(medium: Medium, colors: tuple[int, ...], focus_name: str, brush: Brush | None,
                    broad: Brush | None = None) -> tuple[str, str]:
    """The last step: the small shapes that make the focal point (eyes, mouth, glints) recognisable; with ``broad``,
    that brush for its bigger shapes (a cheek's light, a strand of hair) and ``brush`` for the smallest."""
    listing = _join([str(c) for c in colors])
    word = "colour" if len(colors) == 1 else "colours"
    name = focus_name or "the focal point"
    tool = brush.words if brush is not None else medium.value.brushes[2]
    if brush is not None and broad is not None:
        smallest = "the eyes, the mouth and the other smallest ones" if name.startswith("the face") else "the smallest"
        tool = f"{broad.words} for the bigger shapes and {brush.words} for {smallest}"
    return (f"Finish {name.split(' (')[0]}",
            f"Paint the small shapes of {name} last, with {word} {listing} using {tool}; compare with the photo "
            "often, they make the likeness.")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _packed(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB ``(..., 3)`` → one uint32 a pixel (the fourth byte 255, from OpenCV: five times faster than
    NumPy's concatenation on a whole picture)."""
    import cv2

    rgb = np.ascontiguousarray(rgb, np.uint8)
    rgba = cv2.cvtColor(rgb.reshape(1, -1, 3), cv2.COLOR_RGB2RGBA)
    return np.ascontiguousarray(rgba).view(np.uint32).reshape(rgb.shape[:-1])


def _unpacked(words: np.ndarray) -> np.ndarray:
    """The uint8 RGB picture of :func:`_packed` words (OpenCV drops the fourth byte some 40 times faster than a
    strided NumPy copy: a guide unpacks about twenty 1 MP pictures)."""
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(words).view(np.uint8).reshape(*words.shape, 4), cv2.COLOR_RGBA2RGB)


def render_steps(
    regions: Regions,
    palette: Palette,
    steps: tuple[PaintingStep, ...],
    *,
    canvas_color: tuple[float, float, float] = (1.0, 1.0, 1.0),
    ground: np.ndarray | None = None,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Cumulative canvas after each step, and a highlight of what is new in each step.

    ``ground``: the canvas before the first of ``steps`` (e.g. the toned ground of step 1, which
    shows between the areas painted later); default: plain ``canvas_color``.

    Returns:
        ``(cumulative, highlights)``: lists of uint8 ``(H, W, 3)`` RGB pictures. In a highlight
        the new paint is at full strength, the rest faded and the new areas outlined in magenta.
    """
    import cv2

    from ..images import to_uint8

    colors = palette.rgb[regions.labels]  # colour per region
    step_of_region = np.full(len(regions), -1, dtype=np.int32)
    for k, step in enumerate(steps):
        step_of_region[list(step.regions)] = k
    step_map = step_of_region[regions.ids]
    under = np.empty(regions.ids.shape + (3,), colors.dtype)
    under[:] = np.asarray(canvas_color, dtype=np.float32) if ground is None else ground
    # Every pixel is its region's paint once painted and the ground before: both pictures of every step
    # come from four 8-bit layers (paint and ground, each as it is and faded), made once, with a pixel's
    # three bytes packed into one word so that choosing among the layers is one pass per picture.
    paint = _packed(to_uint8(colors))[regions.ids]
    paint_faded = _packed(to_uint8(colors * 0.35 + 0.65))[regions.ids]
    under_faded, under = _packed(to_uint8(under * 0.35 + 0.65)), _packed(to_uint8(under))
    magenta = _packed(to_uint8(np.array([(0.85, 0.1, 0.6)], colors.dtype)))[0]
    kernel = np.ones((3, 3), np.uint8)
    painted = step_map >= 0

    def pictures(k: int) -> tuple[np.ndarray, np.ndarray]:
        new = step_map == k
        done = painted & (step_map <= k)
        canvas = np.where(done, paint, under)
        highlight = np.where(new, paint, np.where(done, paint_faded, under_faded))
        mask = new.astype(np.uint8)
        highlight[(cv2.dilate(mask, kernel) - cv2.erode(mask, kernel)) > 0] = magenta
        return _unpacked(canvas), _unpacked(highlight)

    # Each step's pair of pictures depends on the step map alone, so the steps are shared between two threads.
    made = on_two_cores(pictures, len(steps))
    cumulative, highlights = [pair[0] for pair in made], [pair[1] for pair in made]
    return cumulative, highlights
