"""From a photo to a painting guide: the one function every front end calls.

:func:`make_guide` composes the stages (palette → regions → steps → images) and
returns a frozen :class:`Guide`. It is pure: no files, no printing; progress goes
through the one progress contract of :mod:`assistant.base`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import Cancelled, ProgressFn, check_image, check_int, no_progress
from .canvas import SMALLEST_BRUSH, Brush, Canvas, fit_box, fit_image, nearest_brush, paint_ml, parse_canvas
from .color.mixing import Recipe
from .color.paints import DEFAULT_PAINTS, PaintSet, parse_paints
from .color.palette import (
    MAX_COLORS,
    MIN_COLORS,
    Palette,
    distinct_palette,
    extract_palette,
    merge_colors,
    palette_from_colors,
    quantize,
    recentre_palette,
)
from .images import to_uint8
from .plan.focus import FEATURE_FRACTION, DetailMap, detail_map, importance, parse_focus, parse_marks, skin_colours
from .plan.regions import Regions, clean_labels, default_min_area, find_regions, outline_image, picture_din99o
from .plan.steps import Medium, PaintingStep, StepPlan, plan_steps, render_steps, soft_edges
from .plan.values import VALUE_LEVELS, ValueStudy, first_step, value_study
from .style.transfer import StyleRecord

if TYPE_CHECKING:
    from .faces import Face
    from .strokes.plan import StrokePlan

__all__ = ["MAX_SEED", "MAX_SIDE", "Cancelled", "Guide", "GuideOptions", "ProgressFn", "make_guide", "with_value_levels"]

#: Largest seed: every random stage (NumPy, scikit-learn) takes a 32-bit seed.
MAX_SEED = 2**32 - 1
#: Largest working size: a 2048 px guide builds within the memory budget (1.8 GB, about 40 s on 2 cores),
#: and a project file holds pictures up to this size.
MAX_SIDE = 2048


@dataclass(frozen=True)
class GuideOptions:
    """Everything that decides a guide. Same options + same photo = same guide."""

    # Number of paints in the palette (MIN_COLORS–MAX_COLORS).
    n_colors: int = 12
    # Painting medium (one of Medium.choices()); decides step order.
    medium: str = "acrylic"
    # Bounds on the number of steps.
    min_steps: int = 4
    max_steps: int = 12
    # Smallest region in working-image pixels; None = about 1/2500 of the canvas.
    min_region: int | None = None
    # Working size: longest side in pixels the photo is scaled to.
    max_side: int = 1024
    # Seeds every random choice of every stage (pixel sample, k-means, brushstrokes).
    seed: int = 0
    # The paints the painter owns (a spec: preset id or comma-separated names; see color.paints).
    paints: str = DEFAULT_PAINTS
    # Build the palette only from colours those paints can mix (every recipe within ΔE 1).
    mixable: bool = False
    # The real canvas, width x height ("40x50cm", "16x20in"); "" = the photo's proportions, 40 cm long.
    canvas: str = ""
    # How the photo meets a canvas of other proportions: "crop" (at crop_x, crop_y) or "pad" (white border).
    fit: str = "crop"
    # Where the crop window sits: 0 = left / top edge of the photo, 1 = right / bottom, 0.5 = centred.
    crop_x: float = 0.5
    crop_y: float = 0.5
    # Smallest region in mm² on the canvas; None = 16 mm² or 1/2500 of the canvas, whichever is larger.
    min_region_mm2: float | None = None
    # Values in the value study (3 or 5); the notan always has 2.
    value_levels: int = 3
    # Where the detail goes: "auto" (faces and what stands out), "none" (the same everywhere), or
    # "X,Y[,R]": the focal point at fractions X, Y of the photo, radius R of its short side.
    focus: str = "auto"
    # The painter's circles on the photo, (x, y, radius, keep): keep detail there (keep=True) or
    # simplify it; x, y are fractions of the photo, radius a fraction of its short side.
    marks: tuple = ()

    def __post_init__(self) -> None:
        if isinstance(self.marks, list):  # from a project file or plan.json
            object.__setattr__(self, "marks", tuple(tuple(m) if isinstance(m, list) else m for m in self.marks))

    def to_dict(self) -> dict:
        """The options as plain JSON values, field by field (``plan.json``, ``project.json``)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuideOptions:
        """Options from :meth:`to_dict`'s table, checked (``ValueError``; ``TypeError`` for an unknown name).

        A table written before the detail map existed has no ``focus``: it rebuilds as ``"none"``, the
        guide it was made as, not as today's default.
        """
        return cls(**{"focus": "none", **data}).validate()

    def validate(self) -> GuideOptions:
        """Raise ``ValueError`` for an impossible option; return self for chaining."""
        check_int("n_colors", self.n_colors, MIN_COLORS, MAX_COLORS)
        for name, high in (("min_steps", 32), ("max_steps", 32), ("max_side", MAX_SIDE), ("seed", MAX_SEED),
                           ("value_levels", 5)):
            check_int(name, getattr(self, name), 0, high)
        if self.min_region is not None:
            check_int("min_region", self.min_region, 1, 2**31)
        if not isinstance(self.medium, str) or not isinstance(self.paints, str):
            raise ValueError(f"Expected medium and paints as text. Received: medium={self.medium!r}, "
                             f"paints={self.paints!r}")
        Medium.parse(self.medium)
        if not 1 <= self.min_steps <= self.max_steps <= 32:
            raise ValueError(
                f"Expected 1 <= min_steps <= max_steps <= 32. "
                f"Received: min_steps={self.min_steps}, max_steps={self.max_steps}"
            )
        if self.min_region is not None and self.min_region < 1:
            raise ValueError(f"Expected min_region >= 1 or None. Received: min_region={self.min_region}")
        if not 64 <= self.max_side <= MAX_SIDE:
            raise ValueError(f"Expected 64 <= max_side <= {MAX_SIDE}. Received: max_side={self.max_side}")
        if self.seed < 0:
            raise ValueError(f"Expected seed >= 0. Received: seed={self.seed}")
        if not isinstance(self.mixable, bool):
            raise ValueError(f"Expected mixable to be True or False. Received: mixable={self.mixable!r}")
        if self.fit not in ("crop", "pad"):
            raise ValueError(f"Expected fit 'crop' or 'pad'. Received: fit={self.fit!r}")
        for name in ("crop_x", "crop_y"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
                raise ValueError(f"Expected 0 <= {name} <= 1. Received: {name}={value!r}")
        if self.min_region_mm2 is not None and not (
            isinstance(self.min_region_mm2, int | float) and 0 < self.min_region_mm2 <= 10_000
        ):
            raise ValueError(f"Expected 0 < min_region_mm2 <= 10000 or None. Received: min_region_mm2={self.min_region_mm2!r}")
        if self.value_levels not in VALUE_LEVELS or not isinstance(self.value_levels, int):
            raise ValueError(f"Expected value_levels 3 or 5. Received: value_levels={self.value_levels!r}")
        if not isinstance(self.canvas, str):
            raise ValueError(f"Expected a canvas size such as 40x50cm, or ''. Received: canvas={self.canvas!r}")
        if self.canvas:
            parse_canvas(self.canvas)
        self.paint_set()
        parse_focus(self.focus)
        parse_marks(self.marks)
        return self

    def canvas_for(self, height: int, width: int) -> Canvas:
        """The canvas for a photo of ``height`` × ``width`` (its own proportions when none is set)."""
        return parse_canvas(self.canvas, photo_shape=(height, width))

    def fitted_shape(self, height: int, width: int) -> tuple[int, int]:
        """The working size ``(height, width)`` a photo of ``height`` × ``width`` has once fitted to the canvas.

        Everything painted on the canvas (the guide's pictures, the brushstroke painting) has this size.
        """
        out_h, out_w, *_ = fit_box(height, width, self.canvas_for(height, width).aspect, fit=self.fit,
                                   anchor=(self.crop_x, self.crop_y))
        return out_h, out_w

    def paint_set(self) -> PaintSet:
        """The owned paints; raises ``ValueError`` for an unknown paint."""
        return parse_paints(self.paints)


@dataclass(frozen=True)
class Guide:
    """A finished painting guide. Images are float32 ``(H, W, 3)`` in [0, 1].

    Attributes:
        options: the options it was made with.
        photo: the photo at working size.
        target: what the palette was fitted to (the photo, or a stylised rendition).
        palette: paints, dark to light, numbered from 1.
        labels: cleaned label map (palette number − 1).
        regions: the connected regions of ``labels``.
        quantized: the target painted with the palette, region by region.
        outline: the numbered paint-by-numbers sheet.
        steps: ordered painting steps with the canvas after each and what is new in each.
        paints: the owned paints the recipes use.
        canvas: the real canvas the guide is planned for (the photo's proportions, 40 cm long,
            when the options name none).
        values: the notan and value study of the target.
        focus: where the detail goes (the detail map; neutral when the options say ``focus="none"``).
        style: how the stylised target was made, or None when the target is the photo.
        recipes: how to mix each palette colour from the paints (aligned with ``palette``).
        notes: what the palette stage changed and why ("This photo needs only 9 distinct colours").
        min_region_mm2: the smallest region left on the canvas, in mm² (the cleaning limit);
            a small high-contrast accent may be a quarter of it.
        source_photo, source_target: the photo and target before they were fitted to the
            canvas (kept so a project can move the crop later); None when fitting changed nothing.
        strokes: the brushstroke plan once :func:`assistant.work.add_strokes`
            ran, else None.
    """

    options: GuideOptions
    photo: np.ndarray
    target: np.ndarray
    palette: Palette
    labels: np.ndarray
    regions: Regions
    quantized: np.ndarray
    outline: np.ndarray
    steps: StepPlan
    paints: PaintSet
    canvas: Canvas
    values: ValueStudy
    focus: DetailMap
    style: StyleRecord | None = None
    recipes: tuple[Recipe, ...] = ()
    notes: tuple[str, ...] = ()
    min_region_mm2: float = 0.0
    source_photo: np.ndarray | None = None
    source_target: np.ndarray | None = None
    strokes: StrokePlan | None = None

    @property
    def given_target(self) -> np.ndarray:
        """The target as it was given to :func:`make_guide`, before it was fitted to the canvas."""
        if self.source_target is not None:
            return self.source_target
        if self.source_photo is not None and not self.is_stylised:
            return self.source_photo
        return self.target

    @property
    def mm_per_px(self) -> float:
        """Millimetres on the canvas per working pixel."""
        return self.canvas.mm_per_px(self.labels.shape[1])

    def paint_amounts(self) -> list[tuple[float, float]]:
        """``(area in cm², about how many ml)`` of each palette colour on the real canvas."""
        opaque = Medium.parse(self.options.medium).value.opaque
        amounts = []
        for color in self.palette:
            area = self.canvas.area_cm2 * color.coverage / 100.0
            amounts.append((round(area, 1), paint_ml(area, opaque=opaque)))
        return amounts

    @property
    def mixing_advice(self) -> str:
        """One line on how to read the recipes for this medium ("" when nothing needs saying)."""
        if Medium.parse(self.options.medium).value.opaque or not self.paints.has_white:
            return ""
        return ("Watercolour: the paper is your white. Where a recipe says white, mix the other paints as given "
                "and thin them with water instead until the wash matches the swatch.")

    def region_words(self) -> str:
        """How big the regions are, in a painter's words (the PDF's first page and the Palette page): a fixed
        smallest size, or, with a detail map, smaller at the focal area and bigger in the background."""
        if self.focus.is_neutral:
            return (f"Every region is at least {self.min_region_mm2:.0f} mm² (small bright accents "
                    f"{self.min_region_mm2 / 4:.0f} mm²) and wide enough for a no. 0 round brush")
        return (f"Regions are about {self.min_region_mm2:.0f} mm² and up; at {self.focus.name} they go down to what "
                "the tip of a no. 0 round paints, and the background is simplified into bigger shapes")

    def mix_words(self, number: int) -> str:
        """What to mix for colour ``number`` (1-based), in words: "rust: 7 parts hansa yellow opaque + 2 parts
        cadmium red light, close match", or its name and hex without recipes (the PDF's steps and the Steps page)."""
        color = self.palette[number - 1]
        if not self.recipes:
            return f"{color.name} ({color.hex})"
        recipe = self.recipes[number - 1]
        return f"{color.name}: {recipe.text()}, {recipe.match}"

    @property
    def tints(self) -> dict:
        """Palette colours (1-based) a painter can mix from a darker one plus white
        (:func:`assistant.color.mixing.tints`): ``{number: Tint}``."""
        from .color.mixing import tints

        return tints(self.recipes) if self.recipes else {}

    @property
    def is_stylised(self) -> bool:
        """True when the guide paints a stylised target rather than the photo itself."""
        return not np.array_equal(self.target, self.photo)


def _beside(work: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Run ``work`` in a thread of its own while the caller goes on; its result (or error) when asked.

    The value study and the picture in DIN99o need only the target (and the detail map), and most of
    their time is spent in NumPy and OpenCV, which let go of the interpreter: beside the palette and the
    regions they cost little wait on a machine with two cores. Nothing else is queued, so the thread ends with the work; a cancelled
    guide leaves it to finish on its own.
    """
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="painting-assistant-beside")
    try:
        return pool.submit(work, *args, **kwargs)
    finally:
        pool.shutdown(wait=False)


def make_guide(
    photo: np.ndarray,
    options: GuideOptions = GuideOptions(),
    *,
    target: np.ndarray | None = None,
    style: StyleRecord | None = None,
    on_progress: ProgressFn | None = None,
) -> Guide:
    """Build the whole painting guide for ``photo``.

    Args:
        photo: float32 ``(H, W, 3)`` in [0, 1] at working size; not modified.
        options: a :class:`GuideOptions`.
        target: image to paint, same shape as ``photo`` (e.g. the stylised
            rendition); default: the photo itself.
        style: how ``target`` was made (carried into the result and ``plan.json``).
        on_progress: ``on_progress(fraction, message, preview=None)``; may raise
            :class:`Cancelled`.

    Raises:
        ValueError: bad options or images.
        Cancelled: when the callback asked to stop.
    """
    options.validate()
    check_image(photo, "photo")
    target = photo if target is None else check_image(target, "target")
    if target.shape != photo.shape:
        raise ValueError(f"Expected target.shape == photo.shape. Received: {target.shape} vs {photo.shape}")
    report = on_progress or no_progress
    canvas = options.canvas_for(*photo.shape[:2])
    source_photo, source_target = photo, target
    anchor = (options.crop_x, options.crop_y)
    photo = fit_image(photo, canvas, fit=options.fit, anchor=anchor)
    target = photo if source_target is source_photo else fit_image(target, canvas, fit=options.fit, anchor=anchor)
    mm_per_px = canvas.mm_per_px(photo.shape[1])
    refitted = photo.shape != source_photo.shape
    # Where the clean-up measures colour: made on the other core while faces are looked for.
    measuring = _beside(picture_din99o, target)
    report(0.0, "Finding faces and the focal point")
    focus = focus_for(source_photo, options, canvas)

    from .color.mixing import find_recipes

    report(0.0, "Finding the palette")
    paints = options.paint_set()
    weights = None if focus.is_neutral else importance(focus.detail)
    # The skin of a found face keeps a paint of its own: a portrait painted in the background's greys is a stranger.
    skin = skin_colours(target, focus.faces) if focus.faces else []
    palette, labels = extract_palette(target, options.n_colors, seed=options.seed, weights=weights, keep=skin)
    if options.mixable:
        report(0.2, "Keeping to colours your paints can mix")
        mixes = find_recipes(palette.lab, paints, gamut_only=True)
        wanted = len(palette)
        palette, labels = palette_from_colors(target, np.array([r.lab for r in mixes]))
        snapped = wanted - len(palette)
    else:
        snapped = 0
    report(0.35, "Simplifying regions")
    # Colours a painter cannot tell apart are one paint before clean-up, so that their
    # speckled mixture is one area, not a crowd of tiny regions.
    found = len(palette)
    palette, labels, _ = distinct_palette(palette, labels)
    snapped += found - len(palette)
    min_area, min_width = _region_limits(options, labels.shape, mm_per_px)
    # The value study on the other core while the regions are cleaned (the palette uses both cores itself).
    studying = _beside(value_study, target, levels=options.value_levels,
                       detail=None if focus.is_neutral else focus.detail)
    labels = clean_labels(labels, min_area=min_area, min_width=min_width, image=target, palette_lab=palette.lab,
                          detail=None if focus.is_neutral else focus.detail,
                          fine_area=_fine_area(min_width, mm_per_px), fine_width=max(2, math.ceil(1.0 / mm_per_px)),
                          image_din=measuring.result(), feature_area=_feature_area(min_width, mm_per_px, focus.faces))
    if not options.mixable:  # a mixable palette keeps the mixes it was snapped to
        # Face pixels count √importance here: the skin paint stays skin-coloured although it also paints a pale
        # wall, with less pull on the background's paints than the full weight (bench/likeness.py: ΔE00 5.85 vs 5.93).
        palette, labels = recentre_palette(palette, labels, target,
                                           weights=None if weights is None else np.sqrt(weights), keep=skin)
    palette, labels, notes = distinct_palette(palette, labels, requested=options.n_colors, merged=snapped)
    report(0.5, "Writing mixing recipes")
    recipes = find_recipes(palette.lab, paints, gamut_only=options.mixable)
    twins = _same_recipe(recipes)
    if twins:  # two colours mixed the same way are one paint to the painter
        palette, labels = merge_colors(palette, labels, twins)
        recipes = find_recipes(palette.lab, paints, gamut_only=options.mixable)
        notes = _count_note(notes, len(palette), options.n_colors,
                            f"{len(twins)} {'were' if len(twins) > 1 else 'was'} mixed exactly like another from "
                            "your paints, so each pair is one paint")
    # Which borders are soft (a sky's gradient) needs only the final labels: on the other core meanwhile.
    blending = _beside(soft_edges, labels, target)
    regions = find_regions(labels)
    report(0.6, "Numbering the outline")
    outline = outline_image(labels, regions=regions)
    quantized = quantize(labels, palette)
    report(0.65, "Making the value study")
    values = studying.result()
    report(0.7, "Ordering the painting steps")
    steps = plan_steps(
        regions, palette, medium=options.medium, min_steps=options.min_steps, max_steps=options.max_steps,
        mm_per_px=mm_per_px, region_detail=None if focus.is_neutral else focus.region_detail(regions.ids, len(regions)),
        focus_name=focus.name,
    )
    steps = _with_blends(steps, blending.result())
    report(0.8, "Drawing the steps")
    first, first_image, first_highlight = first_step(values, palette, medium=options.medium,
                                                     brush=_toning_brush(canvas, options.medium))
    # The toned ground of step 1 shows between later areas, as it will on the canvas (not the white paper).
    ground = first_image if Medium.parse(options.medium).value.opaque else None
    cumulative, highlights = render_steps(regions, palette, steps, ground=ground)
    steps = (first, *(dataclasses.replace(step, index=step.index + 1) for step in steps))
    cumulative, highlights = [to_uint8(first_image), *cumulative], [to_uint8(first_highlight), *highlights]
    if focus.name:
        notes = (*notes, f"Most detail goes to {focus.name}; the rest is simplified into bigger shapes.")
    if focus.note:
        notes = (*notes, focus.note)
    report(1.0, "Done")
    return Guide(
        options=options,
        photo=np.array(photo, dtype=np.float32, copy=True),
        target=np.array(target, dtype=np.float32, copy=True),
        palette=palette,
        labels=labels,
        regions=regions,
        quantized=quantized,
        outline=outline,
        steps=StepPlan(tuple(steps), tuple(cumulative), tuple(highlights)),
        style=style,
        paints=paints,
        recipes=recipes,
        notes=notes,
        canvas=canvas,
        values=values,
        min_region_mm2=round(min_area * mm_per_px**2, 1),
        source_photo=np.array(source_photo, dtype=np.float32, copy=True) if refitted else None,
        source_target=(np.array(source_target, dtype=np.float32, copy=True)
                       if refitted and source_target is not source_photo else None),
        focus=focus,
    )


def _with_blends(steps: Sequence[PaintingStep], pairs: Iterable[tuple[int, int]]) -> tuple[PaintingStep, ...]:
    """Each soft border (:func:`~assistant.plan.steps.soft_edges`) told in the step that paints both
    colours, "blend 11 into 12 while wet", or else in the later step where one of them first appears: the other
    was painted before and may be dry, so the new colour is dragged softly over the edge instead."""
    first: dict[int, int] = {}
    for k, step in enumerate(steps):
        for colour in step.colors:
            first.setdefault(colour, k)
    wet: dict[int, list[str]] = {}
    over: dict[int, list[str]] = {}
    for a, b in pairs:
        if a not in first or b not in first:
            continue
        both = [k for k, step in enumerate(steps) if a in step.colors and b in step.colors]
        if both:
            words = wet.setdefault(both[0], [])
            if len(words) < 3:
                words.append(f"{a} into {b}")
            continue
        k = max(first[a], first[b])
        new, old = (a, b) if first[a] == k else (b, a)
        words = over.setdefault(k, [])
        if len(words) < 3:
            words.append(f"{new} over {old}")
    out = list(steps)
    for k, words in wet.items():
        out[k] = dataclasses.replace(out[k], instruction=out[k].instruction + " While the paint is wet, blend "
                                     + ", ".join(words) + " where they meet: the photo changes gradually there, "
                                     "so leave no hard line.")
    for k, words in over.items():
        out[k] = dataclasses.replace(out[k], instruction=out[k].instruction + " Where the photo changes gradually, "
                                     "soften the edge: drag a little of " + ", ".join(words) + " with a dry brush, "
                                     "so no hard line shows.")
    return tuple(out)


def _count_note(notes: tuple[str, ...], count: int, asked: int, reason: str) -> tuple[str, ...]:
    """``notes`` with their first line saying the final number of paints and every reason for it."""
    head = "This photo needs only "
    earlier = [note.split("): ", 1)[-1].rstrip(".") for note in notes if note.startswith(head)]
    rest = tuple(note for note in notes if not note.startswith(head))
    return (f"{head}{count} distinct colours (you asked for {asked}): {'; '.join([*earlier, reason])}.", *rest)


def _same_recipe(recipes: Sequence[Recipe]) -> dict[int, int]:
    """Colour → the earlier colour with exactly the same recipe (the same paints in the same parts)."""
    first: dict[tuple, int] = {}
    twins: dict[int, int] = {}
    for i, recipe in enumerate(recipes):
        key = tuple(recipe.parts)
        if key in first:
            twins[i] = first[key]
        else:
            first[key] = i
    return twins


def focus_for(photo: np.ndarray, options: GuideOptions, canvas: Canvas | None = None) -> DetailMap:
    """The detail map of ``photo`` (before it is fitted to the canvas), fitted like the photo."""
    height, width = photo.shape[:2]
    canvas = canvas or options.canvas_for(height, width)
    found = detail_map(photo, focus=options.focus, marks=options.marks)
    box = fit_box(height, width, canvas.aspect, fit=options.fit, anchor=(options.crop_x, options.crop_y))
    return found if box[:2] == (height, width) else found.fitted(box[:2], box)


def _fine_area(min_width: int, mm_per_px: float) -> int:
    """The smallest region where the detail is finest: a 2 × 2 mm touch of the smallest brush."""
    return max(2 * min_width**2, math.ceil(4.0 / mm_per_px**2))


def _feature_area(min_width: int, mm_per_px: float, faces: Sequence[Face]) -> int | None:
    """The smallest region inside a face: a square :data:`~assistant.plan.focus.FEATURE_FRACTION` of the smallest
    face's width across, down to the 1 mm² dot of the smallest brush's tip and at most :func:`_fine_area` (a face
    35 mm wide lost its eyes and the shading of its nose to the 2 × 2 mm touch: bench/likeness.py); None without
    faces."""
    if not faces:
        return None
    side = min(face.box[2] for face in faces) * FEATURE_FRACTION
    return min(_fine_area(min_width, mm_per_px), max(math.ceil(1.0 / mm_per_px**2), math.ceil(side * side)))


def _toning_brush(canvas: Canvas, medium: str) -> Brush:
    """The wide brush step 1 tones the canvas with: an eighth of its short side, at most 2 inches."""
    shape = "flat" if Medium.parse(medium).value.opaque else "mop"
    return nearest_brush(min(50.0, min(canvas.width_mm, canvas.height_mm) / 8), shape)


def with_value_levels(guide: Guide, levels: int) -> Guide:
    """The guide with a ``levels``-value study and its step 1; nothing else is redone.

    Palette, regions, steps 2 onwards and any brushstrokes stay as they are, exactly as
    :func:`make_guide` with ``value_levels=levels`` would have made them.
    """
    options = dataclasses.replace(guide.options, value_levels=levels).validate()
    focus = guide.focus
    values = value_study(guide.target, levels=levels, detail=None if focus.is_neutral else focus.detail)
    first, image, highlight = first_step(values, guide.palette, medium=options.medium,
                                         brush=_toning_brush(guide.canvas, options.medium))
    plan = guide.steps
    steps = StepPlan((first, *plan.steps[1:]), (to_uint8(image), *plan.images[1:]),
                     (to_uint8(highlight), *plan.highlights[1:]))
    return dataclasses.replace(guide, options=options, values=values, steps=steps)


def _region_limits(options: GuideOptions, shape: tuple[int, int], mm_per_px: float) -> tuple[int, int]:
    """Smallest region (px) and narrowest region (px) for a canvas at ``mm_per_px``.

    Every region is at least as wide as the smallest brush the guide names and at least
    ``min_region_mm2`` (16 mm² or 1/2500 of the canvas, whichever is larger).
    """
    min_width = max(3, math.ceil(SMALLEST_BRUSH.width_mm / mm_per_px))
    if options.min_region is not None:
        return options.min_region, min_width
    if options.min_region_mm2 is not None:
        return max(1, math.ceil(options.min_region_mm2 / mm_per_px**2)), min_width
    return max(default_min_area(*shape), math.ceil(16.0 / mm_per_px**2)), min_width
