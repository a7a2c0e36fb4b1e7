"""The workflow: one record of a painter's piece of work, and the functions that change it.

A piece of work goes photo → (a style) → guide → (brushstrokes) → project file. The CLI, the batch
worker and the app's pages all go through here, so the rules live in one tested place:

* what a change invalidates: a new photo drops everything made from it; a new stylised picture drops
  the guide made from the old one; new guide options make the guide again (:func:`replan`);
* brushstrokes are set aside when the palette changes and come back when it is set back;
* a finished brushstroke job joins only the guide it was painted for (:class:`StaleResult` otherwise);
* saving and opening a project (:func:`to_project`, :func:`from_project`).

Every function returns a new :class:`Work`; none changes its input.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import ProgressFn, no_progress, progress_span
from .canvas import parse_crop_anchor
from .color.paints import DEFAULT_PAINTS
from .pipeline import Guide, GuideOptions, make_guide
from .plan.steps import Medium
from .project import Project, ProjectError, load_project
from .strokes.painter import PainterOptions, Painting, paint
from .strokes.plan import StrokePlan, plan_stroke_steps, render_stroke_steps

if TYPE_CHECKING:
    from .check import CanvasCheck, CheckOptions
    from .images import DecodedImage
    from .strokes.renderer import LearnedRenderer
    from .style.transfer import StyleRecord

__all__ = ["GuideRequest", "SetAside", "StaleResult", "Work", "add_strokes", "attach_painting", "check_photo",
           "from_project", "guide_is_current", "guide_key", "join_painting", "new_photo", "open_bytes",
           "open_project", "paint_spec", "painter_inputs", "parse_style_mix", "read_input", "rebuild_guide",
           "replan", "restyle", "run_request", "style_source", "to_project", "with_value_levels", "write_folder"]

#: Notes for the person (a scaled photo, which networks ran): the CLI prints them, a job drops them.
NoteFn = Callable[[str], None]


def _no_note(text: str) -> None:
    return None


class StaleResult(ValueError):
    """A finished job's result belongs to a guide that is no longer the work's (the palette changed)."""


@dataclass(frozen=True)
class SetAside:
    """Brushstrokes kept while the palette is changed away from the one they were painted with.

    Attributes:
        options: the guide options they were painted for.
        target: the picture (photo or stylised) that guide was made from.
        painting: the brushstrokes.
    """

    options: GuideOptions
    target: np.ndarray
    painting: Painting


@dataclass(frozen=True)
class Work:
    """One piece of work. Pictures are float32 (H, W, 3) in [0, 1]; every field but ``photo`` may be empty.

    Attributes:
        photo: the working photo (None before one is chosen).
        photo_name: what the painter called it (a file name or a sample).
        photo_notes: notes from decoding it (e.g. "scaled from 4000 px").
        target: the stylised picture, or None (the guide is made from the photo).
        style: the :class:`~assistant.style.transfer.StyleRecord` of ``target``.
        style_source: which style pictures made it, for the project file (see :func:`style_source`).
        style_image: the painter's own style picture that made it, or None.
        options: the guide options last used (None before a palette was chosen).
        guide: the guide for ``options`` and the painting target, or None.
        set_aside: brushstrokes of a palette the painter changed away from, or None.
        settings: the app's control values (plain JSON), kept in the project.
    """

    photo: np.ndarray | None = None
    photo_name: str = ""
    photo_notes: tuple[str, ...] = ()
    target: np.ndarray | None = None
    style: StyleRecord | None = None
    style_source: dict | None = None
    style_image: np.ndarray | None = None
    options: GuideOptions | None = None
    guide: Guide | None = None
    set_aside: SetAside | None = None
    settings: dict = field(default_factory=dict)

    @property
    def painting_target(self) -> np.ndarray | None:
        """What the guide is made from: the stylised picture, else the photo."""
        return self.photo if self.target is None else self.target

    @property
    def painting(self) -> Painting | None:
        """The guide's brushstrokes, or None."""
        return None if self.guide is None or self.guide.strokes is None else self.guide.strokes.painting


# --- the rules ------------------------------------------------------------------------------------


def new_photo(pixels: np.ndarray, *, name: str = "", notes: tuple[str, ...] = (), settings: dict | None = None) -> Work:
    """Work on a new photo: nothing made from an earlier one is kept (its control settings are, when given)."""
    return Work(photo=pixels, photo_name=name, photo_notes=tuple(notes), settings=dict(settings or {}))


def restyle(work: Work, image: np.ndarray | None, *, record: StyleRecord | None = None,
            source: dict | None = None, style_image: np.ndarray | None = None) -> Work:
    """The work with a new stylised picture (None: back to the photo); the guide made from the old one goes.

    The guide options stay (the palette page shows them again) and so do set-aside brushstrokes: they
    come back if the painter returns to the picture and palette they were painted for.
    """
    if image is not None and work.photo is not None and image.shape != work.photo.shape:
        raise ValueError(f"Expected a stylised picture of the photo's size {work.photo.shape}. Received: {image.shape}")
    if image is None:
        record, source, style_image = None, None, None
    return dataclasses.replace(work, target=image, style=record, style_source=source, style_image=style_image,
                               guide=None)


def guide_is_current(work: Work, options: GuideOptions) -> bool:
    """True when the work's guide was made with ``options`` from the current painting target."""
    if work.guide is None or work.options != options:
        return False
    return _same_picture(work.guide.given_target, work.painting_target)


def replan(work: Work, options: GuideOptions, *, on_progress: ProgressFn | None = None) -> Work:
    """The work with a guide for ``options`` (the same work when its guide is current).

    Brushstrokes of the guide being replaced are set aside; a guide for the options and picture they
    were painted for gets them back.
    """
    if work.photo is None:
        raise ValueError("Expected a photo before a guide. Received: no photo")
    if guide_is_current(work, options):
        return work
    aside = work.set_aside
    if work.guide is not None and work.guide.strokes is not None:
        aside = SetAside(work.guide.options, work.guide.given_target, work.guide.strokes.painting)
    guide = make_guide(work.photo, options, target=work.painting_target, style=work.style, on_progress=on_progress)
    if aside is not None and aside.options == options and _same_picture(aside.target, work.painting_target):
        guide = attach_painting(guide, aside.painting)
    return dataclasses.replace(work, options=options, guide=guide, set_aside=aside)


def with_value_levels(work: Work, levels: int) -> Work:
    """Redo only the value study and step 1 (palette, regions and brushstrokes stay as they are)."""
    from .pipeline import with_value_levels as guide_with_levels

    if work.guide is None:
        raise ValueError("Expected a guide before its value study. Received: no guide")
    guide = guide_with_levels(work.guide, levels)
    return dataclasses.replace(work, guide=guide, options=guide.options)


def join_painting(work: Work, painted: Guide | Painting, *, painted_for: str | None = None) -> Work:
    """The work with the brushstrokes a job finished, if they were painted for its current guide.

    ``painted``: the guide carrying them (a job in this process) or the bare painting (from a worker,
    with ``painted_for``: the :func:`guide_key` of the guide it was painted for).

    Raises:
        StaleResult: the palette or the picture changed while they were painted.
    """
    current = work.guide
    if isinstance(painted, Painting):
        if current is None or painted_for != guide_key(current):
            raise StaleResult("The palette changed while the brushstrokes were painted, so they were not used.")
        painted = attach_painting(current, painted)
    if current is None or current.options != painted.options or not np.array_equal(current.target, painted.target):
        raise StaleResult("The palette changed while the brushstrokes were painted, so they were not used.")
    return dataclasses.replace(work, guide=painted)


def guide_key(guide: Guide) -> str:
    """What a brushstroke painting depends on in ``guide`` (its target, palette and options), as a digest."""
    digest = hashlib.sha256()
    for array in (guide.target, guide.palette.rgb):
        digest.update(repr(array.shape).encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(repr(guide.options).encode())
    return digest.hexdigest()


def _same_picture(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is not None and b is not None and a.shape == b.shape and np.array_equal(a, b)


# --- projects -------------------------------------------------------------------------------------


def to_project(work: Work, *, with_plan: bool = False) -> Project:
    """The project file's record of the work (``with_plan``: with the guide's ``plan.json``)."""
    from .export.plan import plan_json

    if work.photo is None:
        raise ValueError("Expected a photo to save. Received: no photo")
    styled = work.target is not None
    return Project(
        photo=work.photo, photo_name=work.photo_name, photo_notes=tuple(work.photo_notes), options=work.options,
        target=work.target, style=work.style if styled else None, style_source=work.style_source if styled else None,
        style_image=work.style_image if styled else None, painting=work.painting, settings=dict(work.settings),
        plan=plan_json(work.guide) if with_plan and work.guide is not None else b"",
    )


def from_project(project: Project, *, on_progress: ProgressFn | None = None) -> Work:
    """A reopened project as work: its guide made again (no style transfer, no brushstroke painting)."""
    guide = rebuild_guide(project, on_progress=on_progress)
    return Work(photo=project.photo, photo_name=project.photo_name, photo_notes=tuple(project.photo_notes),
                target=project.target, style=project.style if project.target is not None else None,
                style_source=project.style_source if project.target is not None else None,
                style_image=project.style_image if project.target is not None else None,
                options=project.options, guide=guide, settings=dict(project.settings))


def rebuild_guide(project: Project, *, on_progress: ProgressFn | None = None):
    """The guide of a project, without running style transfer or the brushstroke painter again.

    Returns None when the project has no guide options yet (a photo, maybe a style, no palette).
    """
    if project.options is None:
        return None
    report = on_progress or no_progress
    colors = [s.color for s in project.painting.strokes] if project.painting is not None else []
    if colors and not 1 <= min(colors) <= max(colors) <= project.options.n_colors:
        raise ProjectError("This project file is damaged (a brushstroke uses a paint the palette does not have).")
    guide = make_guide(project.photo, project.options, target=project.target, style=project.style,
                       on_progress=progress_span(report, 0.0, 0.8))
    if project.painting is not None:
        report(0.85, "Laying out the brushstrokes")
        guide = attach_painting(guide, project.painting)
    report(1.0, "Done")
    return guide


# --- brushstrokes over a guide --------------------------------------------------------------------


def add_strokes(
    guide: Guide,
    options: PainterOptions = PainterOptions(),
    *,
    renderer: LearnedRenderer,
    on_progress: ProgressFn | None = None,
) -> Guide:
    """Paint the guide's target with strokes and return a guide carrying the plan.

    The guide decides what is the guide's to decide: its medium sets the paint order
    inside a layer and its seed seeds the painter (both override ``options``).
    ``on_progress(fraction, message, preview)`` shows the canvas after each layer.
    """
    target, palette_rgb, options, detail = painter_inputs(guide, options)
    painting = paint(target, palette_rgb, options, renderer=renderer, on_progress=on_progress, detail=detail)
    return attach_painting(guide, painting)


def painter_inputs(guide: Guide, options: PainterOptions = PainterOptions()):
    """What :func:`~assistant.strokes.painter.paint` needs to paint ``guide``: (target, palette RGB, options, detail map).

    The guide's medium sets the paint order inside a layer and its seed seeds the painter; the
    detail map is None where the guide has none (a background job sends exactly these to a worker).
    """
    medium = Medium.parse(guide.options.medium)
    options = dataclasses.replace(options, light_to_dark=not medium.value.opaque, seed=guide.options.seed)
    detail = None if guide.focus.is_neutral else guide.focus.detail
    return guide.target, guide.palette.rgb, options, detail


def attach_painting(guide: Guide, painting: Painting) -> Guide:
    """The guide carrying ``painting`` as its stroke plan (steps and step images derived here)."""
    if tuple(painting.size) != tuple(guide.target.shape[:2]):
        raise ValueError(f"Expected a painting of size {guide.target.shape[:2]}. Received: {painting.size}")
    width_mm = guide.canvas.width_mm
    steps = plan_stroke_steps(painting, guide.palette, medium=guide.options.medium, canvas_width_mm=width_mm)
    images, highlights = render_stroke_steps(painting, guide.palette.rgb, steps)
    return dataclasses.replace(guide, strokes=StrokePlan(painting, steps, tuple(images), tuple(highlights)))


# --- a whole guide from a request: the CLI's guide command and the batch's worker ------------------


def parse_style_mix(text: str) -> list[tuple[str, float]]:
    """``"a:0.7,b:0.3"`` → ``[("a", 0.7), ("b", 0.3)]``; a missing weight is 1."""
    mix = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise ValueError(f"Expected style names separated by commas. Received: --style {text!r}")
        name, _, weight = part.rpartition(":")
        try:
            value = float(weight) if name else None
        except ValueError:
            value = None
        if value is None:
            name, value = part, 1.0
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"Expected a style weight > 0. Received: {part!r}")
        mix.append((name, value))
    return mix


def paint_spec(text: str) -> str:
    """The paints the painter owns as a spec: a ``.json`` file is read; anything else is parsed as a spec."""
    from .color.paints import paints_from_file, parse_paints

    if text.lower().endswith(".json"):
        return paints_from_file(text)
    return parse_paints(text).spec


def style_source(names: list[str], pictures: list[np.ndarray], bundled: set[str]) -> tuple[dict, np.ndarray | None]:
    """What a project keeps of a style: ``({"styles": names}, None)`` for bundled styles; with the painter's
    own picture ``({"styles": names, "image": "style.npy"}, picture)`` (one own picture at most is kept)."""
    own = [picture for picture, name in zip(pictures, names) if name not in bundled]
    if len(own) == 1:
        return {"styles": list(names), "image": "style.npy"}, own[0]
    return {"styles": list(names)}, None


def read_input(path: Path) -> bytes:
    """A photo's or project's bytes; a file larger than either may be is refused before it is read."""
    from .images import MAX_FILE_BYTES
    from .project import MAX_BYTES

    with path.open("rb") as handle:
        head = handle.read(4)
        project = path.suffix.lower() == ".project" or head == b"PK\x03\x04"
        limit = MAX_BYTES if project else MAX_FILE_BYTES
        size = os.fstat(handle.fileno()).st_size
        if size <= limit:
            data = head + handle.read(size - len(head) + 1)
            size = len(data)
    if size > limit:
        what = "project file" if project else "photo"
        raise ValueError(f"The {what} is too large ({size / 2**20:.0f} MB; at most {limit // 2**20} MB): {path.name}")
    return data


_DEFAULT = GuideOptions()


@dataclass(frozen=True)
class GuideRequest:
    """What the ``guide`` command is asked for, by its flag names; None: not given (the default applies).

    The flags a project fixes (:data:`PROJECT_FLAGS`) must stay None when a project is reopened. Guide
    defaults come from :class:`~assistant.pipeline.GuideOptions`, so the CLI and the app agree.
    """

    colors: int | None = None
    medium: str | None = None
    steps: int | None = None
    min_region: int | None = None
    max_side: int | None = None
    seed: int | None = None
    paints: str | None = None
    mixable: bool | None = None
    canvas: str | None = None
    fit: str | None = None
    crop_anchor: str | None = None
    values: int | None = None
    focus: str | None = None
    keep: tuple[str, ...] | None = None
    simplify: tuple[str, ...] | None = None
    style: str | None = None
    strength: str | None = None
    style_weight: float | None = None
    content_weight: float | None = None
    strokes: int | None = None
    style_engine: str = "fast"
    preserve_colors: bool = False
    style_size: int = 512
    weights: str = "auto"
    brush_min: float = 0.6
    brush_max: float = 30.0
    paper: str = "a4"
    grid: bool = False

    @classmethod
    def from_flags(cls, flags: Mapping[str, Any]) -> GuideRequest:
        """The request of a flag table (the CLI's parsed arguments, a batch job's options); other names are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        given = {k: v for k, v in flags.items() if k in names}
        for name in ("keep", "simplify"):
            if given.get(name) is not None:
                given[name] = tuple(given[name])
        for f in dataclasses.fields(cls):  # a flag left to its default comes as None
            if f.default is not None and given.get(f.name, f.default) is None:
                given.pop(f.name, None)
        return cls(**given)

    def fixed_by_project(self) -> list[str]:
        """The given flags a project keeps for itself (reopening one refuses them)."""
        return [name for name in PROJECT_FLAGS if getattr(self, name) is not None]

    def guide_options(self) -> GuideOptions:
        """The guide options, checked (before any work is done)."""
        steps = self.steps if self.steps is not None else _DEFAULT.max_steps
        crop_x, crop_y = parse_crop_anchor(self.crop_anchor or "center")
        return GuideOptions(
            n_colors=_given(self.colors, _DEFAULT.n_colors), medium=_given(self.medium, _DEFAULT.medium),
            max_steps=steps, min_steps=min(_DEFAULT.min_steps, steps), min_region=self.min_region,
            max_side=_given(self.max_side, _DEFAULT.max_side), seed=_given(self.seed, _DEFAULT.seed),
            paints=paint_spec(_given(self.paints, DEFAULT_PAINTS)), mixable=bool(self.mixable),
            canvas=_given(self.canvas, _DEFAULT.canvas), fit=_given(self.fit, _DEFAULT.fit), crop_x=crop_x,
            crop_y=crop_y, value_levels=_given(self.values, _DEFAULT.value_levels),
            focus=_given(self.focus, _DEFAULT.focus),
            marks=_marks(self.keep or (), True) + _marks(self.simplify or (), False),
        ).validate()

    def painter_options(self) -> PainterOptions | None:
        """The brushstroke painter's options, or None when no brushstrokes are asked for."""
        strokes = self.strokes or 0
        if strokes < 0:
            raise ValueError(f"Expected --strokes >= 0. Received: {strokes}")
        options = PainterOptions.from_brush_percent(max(1, strokes), self.brush_min, self.brush_max).validate()
        return options if strokes else None

    def style_options(self) -> tuple[Any, str] | None:
        """``(style options, strength name)`` from the engine, strength and raw weights; None without a style.

        The options are :class:`~assistant.style.fast.FastStyleOptions` for the fast engine and
        :class:`~assistant.style.transfer.StyleOptions` for vgg19.
        """
        from .style.transfer import preset

        if self.style is None or self.style.lower() == "none":
            return None
        strength_asked = self.strength or "auto"
        overrides = {k: v for k, v in (("style_weight", self.style_weight), ("content_weight", self.content_weight))
                     if v is not None}
        if self.style_engine == "fast":
            from .style.fast import STRENGTHS, FastStyleOptions, default_strength

            if overrides:
                raise ValueError("--style-weight and --content-weight belong to --style-engine vgg19; "
                                 "the fast engine takes --strength subtle, medium, strong or a number from 0 to 1.")
            name = strength_asked if strength_asked in STRENGTHS else ""
            mix = parse_style_mix(self.style)
            try:  # auto: each bundled style's own strength, blended by weight
                amount = default_strength(mix) if strength_asked == "auto" else (
                    STRENGTHS[strength_asked] if name else float(strength_asked))
            except ValueError:
                raise ValueError(f"Expected --strength auto, subtle, medium, strong or a number from 0 to 1. "
                                 f"Received: {strength_asked!r}") from None
            return FastStyleOptions(strength=amount, max_side=self.style_size,
                                    preserve_colors=self.preserve_colors).validate(), name
        strength = "medium" if strength_asked == "auto" else strength_asked
        options = preset(strength, preserve_colors=self.preserve_colors, max_side=self.style_size,
                         seed=_given(self.seed, _DEFAULT.seed), **overrides)
        return options, ("" if overrides else strength)


#: The flags a project fixes: reopening one takes none of them.
PROJECT_FLAGS = ("colors", "medium", "steps", "min_region", "max_side", "seed", "style", "strength", "style_weight",
                 "content_weight", "strokes", "paints", "mixable", "canvas", "fit", "crop_anchor", "values", "focus",
                 "keep", "simplify")


def _given(value, default):
    return default if value is None else value


def _marks(specs, keep: bool) -> tuple:
    """``--keep`` / ``--simplify`` circles as ``(x, y, radius, keep)``."""
    from .plan.focus import parse_focus

    marks = []
    for spec in specs:
        try:
            mode, point = parse_focus(spec)
            if point is None:
                raise ValueError(mode)
            x, y, radius = point
        except (ValueError, TypeError):
            flag = "--keep" if keep else "--simplify"
            raise ValueError(f"Expected {flag} X,Y[,R] with fractions of the photo (e.g. 0.3,0.4,0.1). "
                             f"Received: {flag} {spec!r}") from None
        marks.append((x, y, radius, keep))
    return tuple(marks)


def open_bytes(data: bytes, name: str, request: GuideRequest = GuideRequest(), *,
               on_progress: ProgressFn | None = None, on_note: NoteFn = _no_note) -> Work:
    """The work of a photo's or project's bytes: a project is reopened, a photo goes through
    :func:`run_request` (style, guide, brushstrokes as ``request`` asks)."""
    from .project import is_project

    if Path(name).suffix.lower() == ".project" or is_project(data):
        given = request.fixed_by_project()
        if given:
            flags = ", ".join("--" + flag.replace("_", "-") for flag in given)
            raise ValueError(f"A project keeps its own settings; leave out {flags} (or start again from the photo).")
        return open_project(data, on_progress=progress_span(on_progress or no_progress, 0.0, 0.9))
    return run_request(data, name, request, on_progress=on_progress, on_note=on_note)


def open_project(data: bytes, *, on_progress: ProgressFn | None = None) -> Work:
    """The work of a project file that has a guide (one-line :class:`ProjectError` for anything else)."""
    project = load_project(data)
    if project.options is None:
        raise ValueError("This project has no palette yet; open it in the app or start from its photo.")
    return from_project(project, on_progress=on_progress)


def check_photo(work: Work, photo: bytes, *, options: CheckOptions | None = None,
                corners: np.ndarray | None = None) -> tuple[CanvasCheck, DecodedImage]:
    """Check a photo of the canvas against the work's guide: ``(CheckResult, DecodedImage)``.

    ``corners``: the canvas's corners in the photo file's pixels, when the painter gave them (the
    check sees the photo at most 2048 px a side). Raises ``ValueError`` (one line) when no canvas
    is found, with the way to give the corners.
    """
    from .check import CanvasNotFound, CheckOptions, check_canvas
    from .images import decode_image

    if work.guide is None:
        raise ValueError("Expected a guide to check the canvas against. Received: a project without a palette")
    decoded = decode_image(photo, max_side=2048)
    if corners is not None:
        corners = np.asarray(corners, np.float64) * (decoded.pixels.shape[1] / decoded.original_size[0])
    try:
        result = check_canvas(decoded.pixels, work.guide, options=options or CheckOptions(), corners=corners)
    except CanvasNotFound as exc:
        raise ValueError(f"{exc} (--corners X1,Y1,…,X4,Y4 in the photo's pixels)") from None
    return result, decoded


def run_request(data: bytes, name: str, request: GuideRequest, *, on_progress: ProgressFn | None = None,
                on_note: NoteFn = _no_note) -> Work:
    """Photo bytes → (style) → guide → (brushstrokes), as ``request`` asks; the bar's last 10 % is left for writing."""
    from .images import decode_image

    report = on_progress or no_progress
    options = request.guide_options()
    painter = request.painter_options()  # every option is checked before any work is done
    style = request.style_options()
    decoded = decode_image(data, max_side=options.max_side)
    for note in decoded.notes:
        on_note(note)
    # Share of the bar per stage: style, guide, strokes; the last 10 % is writing.
    style_span = 0.45 if style is not None else 0.0
    strokes_span = 0.45 if painter is not None else 0.0
    guide_span = 0.9 - style_span - strokes_span
    work = new_photo(decoded.pixels, name=Path(name).name, notes=decoded.notes)
    if style is not None:
        image, record, source, own = _stylise(request, style[0], style[1], decoded.pixels, options,
                                              progress_span(report, 0.0, style_span), on_note)
        work = restyle(work, image, record=record, source=source, style_image=own)
    work = replan(work, options, on_progress=progress_span(report, style_span, guide_span))
    guide = work.guide
    assert guide is not None  # replan makes one
    if painter is not None:
        from .strokes.renderer import load_renderer

        renderer = load_renderer()
        on_note(f"stroke renderer: {renderer.describe()}")
        guide = add_strokes(guide, painter, renderer=renderer,
                            on_progress=progress_span(report, style_span + guide_span, strokes_span))
        work = dataclasses.replace(work, guide=guide)
    for note in guide.notes:
        on_note(note)
    return work


def _stylise(request: GuideRequest, style_options: Any, strength: str, photo: np.ndarray,
             guide_options: GuideOptions, report: ProgressFn, on_note: NoteFn):
    """The style stage: (stylised picture at photo size, its StyleRecord, project style source, own picture)."""
    from .models import device_description
    from .plan.focus import detail_map
    from .style.assets import list_styles, load_style

    mix = parse_style_mix(request.style or "none")
    styles = [(*load_style(name), weight) for name, weight in mix]
    labels = [label for _, label, _ in styles]
    report(0.0, "Loading the style networks")
    device = device_description()
    bundled = {asset.id for asset in list_styles()}
    # Like the app's "Refine the texture", the slow engine starts from the instant picture and adds VGG19
    # texture at full size (from the photo its 512 px change is too small to see); seed-recipe = the old way.
    instant = request.style_engine == "fast" or strength != "seed-recipe"
    if instant:
        from .style.fast import FastStyleOptions, default_strength, load_fast_style, stylize_fast

        networks = load_fast_style()
        on_note(f"fast style network: {networks.description}; running on {device}")
        # Bundled styles go by id (their stored, VGG19-fitted vectors), a picture of one's own through the predictor.
        fast_mix = [(name if name in bundled else image, weight) for (name, _), (image, _, weight) in zip(mix, styles)]
        fast_options = style_options if request.style_engine == "fast" else FastStyleOptions(
            strength=default_strength(mix), max_side=request.style_size, preserve_colors=request.preserve_colors)
        found = detail_map(photo, focus=guide_options.focus, marks=guide_options.marks)
        fast = stylize_fast(photo, fast_mix, networks=networks, options=fast_options.validate(),
                            detail=None if found.is_neutral else found.detail)
        image = fast.image
        record = fast.record(labels, [w for _, _, w in styles], networks=networks, options=fast_options,
                             device=device, preset=strength if request.style_engine == "fast" else "")
        report(1.0 if request.style_engine == "fast" else 0.05, "Repainted")
    if request.style_engine == "vgg19":
        from .style.features import build_feature_extractor
        from .style.transfer import stylize

        network = build_feature_extractor(request.weights)
        on_note(f"feature network: {network.description}; running on {device}")
        start = (fast.image, len(style_options.scales)) if instant else None
        result = stylize(photo, [(picture, weight) for picture, _, weight in styles], network=network,
                         options=style_options, on_progress=report, resume_from=start)
        image = result.image
        refined = result.record(labels, device=device, preset=strength)
        if instant:
            refined = dataclasses.replace(refined, engine="fast+vgg19", fast_strength=record.fast_strength,
                                          vector=record.vector, weights=record.weights,
                                          colour_anchor=record.colour_anchor)
        record = refined
    source, own = style_source([name for name, _ in mix], [picture for picture, _, _ in styles], bundled)
    return image, record, source, own


def write_folder(work: Work, output: Path, *, paper: str = "a4", grid: bool = False,
                 on_progress: ProgressFn | None = None) -> dict[str, Path]:
    """Write the work's guide (PDF, ZIP, pictures, plan.json, outline) and its ``guide.project`` into ``output``."""
    from .export import write_guide
    from .project import save_project

    report = on_progress or no_progress
    if work.guide is None:
        raise ValueError("Expected a guide to write. Received: no guide")
    report(0.92, "Writing PDF, ZIP and images")
    project = to_project(work, with_plan=True)
    written = write_guide(work.guide, output, extra_files={"guide.project": lambda: save_project(project)},
                          paper=paper, grid=grid)
    report(1.0, "Done")
    return written

