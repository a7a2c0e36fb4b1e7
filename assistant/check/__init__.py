"""Check my canvas: a photo of the painting in progress → how far it is, what is off, what comes next.

    from assistant.check import CheckOptions, check_canvas
    result = check_canvas(photo, guide)            # photo: float32 (H, W, 3) in [0, 1]
    result.step_reached, result.next_step, result.progress
    [r for r in result.regions if r.status == "off"]

The stages (each its own module, none imports Streamlit or TensorFlow):

1. :mod:`.locate` finds the canvas (the big four-sided shape: long straight edges and outlines; the
   plan's own features (SIFT) once anything is painted; printed ArUco corner markers when present; or
   four corners the painter gives) and straightens it by a homography to the guide's working size,
   i.e. the canvas's real proportions.
2. Which corner is the painting's top-left, which of several candidate shapes is the canvas, and
   the last few pixels of the alignment are decided against the plan itself (the canvas after each
   step, compared as light-and-dark detail; then an ECC alignment).
3. :mod:`.light` takes out the light (colour of the lamp, unevenness, flare) from references the
   photo holds: the bare or toned canvas and the regions' planned colours, robustly, for each
   possible step; the step that explains the photo best gives the light.
4. :mod:`.compare` judges every region (done / to do / off, ΔE00) and every step, finer than the light
   was fitted (up to twice the working size, as many pixels as the canvas has in the photo, so that
   small regions are judged on their own pixels);
   :mod:`.advice` says what is off in a painter's words with the fix from the recipe;
   :mod:`.picture` draws the overlay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..base import ProgressFn, check_image, check_number, no_progress
from .light import Light

if TYPE_CHECKING:
    from ..pipeline import Guide

__all__ = ["CanvasCheck", "CanvasNotFound", "CheckOptions", "RegionCheck", "check_canvas", "parse_corners"]

STATUS = ("todo", "done", "off")


class CanvasNotFound(ValueError):
    """No canvas in the photo, or none that looks like the plan (the painter can mark its corners instead)."""


NOT_FOUND = ("No canvas found in this photo: take it again with all four corners of the canvas in the picture "
             "and something plainer around it, or mark the four corners by hand.")


@dataclass(frozen=True)
class CheckOptions:
    """How a canvas photo is checked.

    Attributes:
        off_delta_e: a painted region whose colour is further than this (CIEDE2000) from its
            palette colour is "off"; below it, "done". 8 is clearly visible side by side.
        painted_share: a step counts as reached when this share of its area is painted.
        analysis_side: the long side (px) the light is fitted and the canvas's turn and step chosen at
            (smaller is faster, 256–1024; never more than the guide's working size).
        judge_side: the long side (px) the regions are judged at, 256–2048: up to twice the guide's
            working size and no finer than the canvas in the photo (small regions need the pixels).
        markers: look for printed ArUco corner markers (DICT_4X4_50, ids 0–3) first.
        align: fine-align the straightened canvas to the plan (ECC) after the edges are found.
    """

    off_delta_e: float = 8.0
    painted_share: float = 0.5
    analysis_side: int = 640
    judge_side: int = 1280
    markers: bool = True
    align: bool = True

    def validate(self) -> CheckOptions:
        check_number("off_delta_e", self.off_delta_e, 1.0, 50.0)
        check_number("painted_share", self.painted_share, 0.05, 1.0)
        for name, top in (("analysis_side", 1024), ("judge_side", 2048)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 256 <= value <= top:
                raise ValueError(f"Expected {name} to be a whole number from 256 to {top}. Received: {name}={value!r}")
        for name in ("markers", "align"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"Expected {name} to be True or False. Received: {name}={getattr(self, name)!r}")
        return self


@dataclass(frozen=True)
class RegionCheck:
    """One region of the plan as found on the canvas.

    Attributes:
        id: the region's id (into ``guide.regions``).
        colour: its palette colour number (1-based, as on the outline).
        step: the step that paints it (1-based, as in plan.json).
        status: "done", "todo" or "off".
        delta_e: CIEDE2000 between the paint seen and the palette colour (None while it is to do).
        advice: what is off and the fix, in a painter's words ("" when nothing needs saying).
        area: its share of the canvas in percent.
        judged: False when the region is too small in this photo to be judged on its own pixels (a few
            pixels, blurred with its neighbours'): it then follows its step (done once its step is reached).
    """

    id: int
    colour: int
    step: int
    status: str
    delta_e: float | None
    advice: str
    area: float
    judged: bool = True

    def check_dict(self) -> dict:
        return {"id": self.id, "colour": self.colour, "step": self.step, "status": self.status,
                "delta_e": None if self.delta_e is None else round(self.delta_e, 1), "advice": self.advice,
                "area": round(self.area, 2), "judged": self.judged}


@dataclass(frozen=True, eq=False)
class CanvasCheck:
    """What a photo of the canvas says about the painting (images float32 ``(H, W, 3)`` in [0, 1]).

    Attributes:
        corners: the canvas's corners in the photo's pixels, (x, y) of the painting's top-left,
            top-right, bottom-right, bottom-left.
        found_by: "edges", "features" (the plan's own features matched in the photo), "markers" or
            "corners" (given by the painter).
        rectified: the canvas straightened to the guide's working size, as photographed.
        corrected: the same with the light taken out (how it would look in even daylight).
        overlay: the corrected canvas with regions to do and off marked and numbered, legend below.
        step_reached: the last step mostly painted (0 = nothing yet; 1…N as in plan.json).
        next_step: the step to paint next (None when the painting is finished).
        progress: 0–1 over all steps (each step counts the same; a step counts its painted share).
        step_progress: each step's painted share (0–1), step 1 first.
        regions: every region's :class:`RegionCheck`, by id.
        light: the light the photo was taken in.
        match: how well the straightened photo matches the plan (correlation of light-and-dark
            detail, −1 to 1).
        notes: what else a painter should know (earlier steps left, drying, the light).
    """

    corners: np.ndarray
    found_by: str
    rectified: np.ndarray
    corrected: np.ndarray
    overlay: np.ndarray
    step_reached: int
    next_step: int | None
    progress: float
    step_progress: tuple[float, ...]
    regions: tuple[RegionCheck, ...]
    light: Light
    match: float
    notes: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(1 for r in self.regions if r.status == status)

    def summary(self, guide: Guide | None = None) -> str:
        """One line: "Step 5 of 10 reached, 48 % done; 3 areas off. Next: step 6, Mid-tone shapes."."""
        steps = len(self.step_progress)
        head = ("Nothing painted yet" if self.step_reached == 0
                else f"Step {self.step_reached} of {steps} reached")
        text = f"{head}, {self.progress * 100:.0f} % done"
        off = self.count("off")
        if off:
            text += f"; {off} area{'s' if off > 1 else ''} off"
        if self.next_step is None:
            return text + ". The plan is finished."
        title = f", {guide.steps[self.next_step - 1].title}" if guide is not None else ""
        return text + f". Next: step {self.next_step}{title}."

    def check_dict(self, guide: Guide | None = None) -> dict:
        """The check as plain JSON (``check.json``)."""
        record: dict[str, Any] = {
            "canvas_found": True,
            "found_by": self.found_by,
            "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners],
            "step_reached": self.step_reached,
            "steps": len(self.step_progress),
            "next_step": self.next_step,
            "progress": round(self.progress, 3),
            "summary": self.summary(guide),
            "step_progress": [{"step": i + 1, "progress": round(p, 3)} for i, p in enumerate(self.step_progress)],
            "counts": {status: self.count(status) for status in STATUS},
            "regions": [r.check_dict() for r in self.regions],
            "light": self.light.check_dict(),
            "match": round(self.match, 3),
            "notes": list(self.notes),
        }
        if guide is not None:
            for entry in record["step_progress"]:
                entry["title"] = guide.steps[entry["step"] - 1].title
            if self.next_step is not None:
                step = guide.steps[self.next_step - 1]
                record["next"] = {"step": step.index, "title": step.title, "instruction": step.instruction}
        return record


def parse_corners(text: str) -> np.ndarray:
    """``"x1,y1,x2,y2,x3,y3,x4,y4"`` (photo pixels, any order) → ``(4, 2)`` float32."""
    try:
        values = [float(v) for v in str(text).replace(";", ",").split(",") if v.strip()]
    except ValueError:
        values = []
    if len(values) != 8 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"Expected the four corners as x1,y1,x2,y2,x3,y3,x4,y4 in the photo's pixels. "
                         f"Received: {text!r}")
    return np.array(values, dtype=np.float32).reshape(4, 2)


def _check_corners(corners, shape) -> np.ndarray:
    from .locate import order_clockwise

    array = np.asarray(corners, dtype=np.float64)
    if array.shape != (4, 2) or not np.isfinite(array).all():
        raise ValueError(f"Expected four corners as a (4, 2) array of x, y. Received: shape={array.shape}")
    height, width = shape[:2]
    margin = 0.05 * max(height, width)
    if (array[:, 0] < -margin).any() or (array[:, 0] > width + margin).any() or (array[:, 1] < -margin).any() or (
            array[:, 1] > height + margin).any():
        raise ValueError(f"Expected the corners inside the photo ({width}×{height} px). Received: {array.tolist()}")
    ordered = order_clockwise(array)
    from .locate import _quad_area

    if _quad_area(ordered) < 0.01 * height * width:
        raise ValueError("Expected four corners around the canvas; these enclose almost nothing. "
                         f"Received: {array.round(1).tolist()}")
    return ordered


def _detail(image: np.ndarray) -> np.ndarray:
    """Light-and-dark detail (lightness minus its blur), zero mean and unit spread: what the comparisons use."""
    import cv2

    gray = cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2GRAY)
    sigma = max(2.0, max(gray.shape) / 12)
    detail = gray - cv2.GaussianBlur(gray, (0, 0), sigma)
    detail = cv2.GaussianBlur(detail, (0, 0), max(0.8, max(gray.shape) / 120))
    spread = float(detail.std())
    return (detail - detail.mean()) / spread if spread > 1e-3 else np.zeros_like(detail)


def _ncc(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a * b)) if a.any() and b.any() else 0.0


class _Plan:
    """The plan at the sizes the check needs: small views for choosing and aligning, a view to judge at."""

    def __init__(self, guide, analysis_side: int):
        from .compare import PlanView

        height, width = guide.labels.shape
        self.guide = guide
        self.shape = guide.labels.shape
        scale = min(1.0, analysis_side / max(height, width))
        self.analysis = (max(16, round(height * scale)), max(16, round(width * scale)))
        self.view = PlanView.of(guide, self.analysis)
        small_scale = 96 / max(height, width)
        self.small = (max(8, round(height * small_scale)), max(8, round(width * small_scale)))
        small_view = PlanView.of(guide, self.small, erode=0)
        self.details = [_detail(small_view.after(k)) for k in range(len(guide.steps) + 1)]
        # What the painted canvas may look like after each step, for matching features (at most 512 px).
        feature_scale = min(1.0, 512 / max(height, width))
        feature_view = PlanView.of(guide, (round(height * feature_scale), round(width * feature_scale)), erode=0)
        self.pictures = [feature_view.after(k) for k in range(1, len(guide.steps) + 1)]
        self.aspect = guide.canvas.width_mm / guide.canvas.height_mm

    def match(self, thumbnail: tuple[np.ndarray, float], corners: np.ndarray) -> tuple[float, int]:
        """Best correlation of the photo inside ``corners`` (TL…BL, the photo's pixels) with the plan after any
        step, and that step; ``thumbnail``: the photo as :func:`_thumbnail` gives it."""
        from .locate import rectify

        thumb, scale = thumbnail
        seen = _detail(rectify(thumb, (np.asarray(corners, np.float64) + 0.5) * scale - 0.5, self.small))
        scores = [_ncc(seen, d) for d in self.details]
        best = int(np.argmax(scores))
        return scores[best], best


#: Long side of the photo the plan matches and the fine alignment are made in (the canvas then covers
#: more than the 256 px views the alignment ends with).
MATCH_SIDE = 768


def _thumbnail(photo: np.ndarray) -> tuple[np.ndarray, float]:
    """The photo at most :data:`MATCH_SIDE` px long (area averaged) and its scale: the many small views the
    canvas's turn and step are chosen from and aligned in are cut from it, not each smoothed out of the whole
    photo."""
    from ..images import resize_longest

    longest = max(photo.shape[:2])
    if longest <= MATCH_SIDE:
        return photo, 1.0
    thumb = resize_longest(photo, MATCH_SIDE)
    return thumb, thumb.shape[1] / photo.shape[1]


def _orient(photo, thumbnail, candidates, plan: _Plan) -> tuple[np.ndarray, float, int]:
    """The candidate and its rotation that is the canvas: ``(corners TL…BL, match, step that matched)``."""
    from .locate import apparent_aspect

    best = None
    for corners, score in candidates:
        for turn in range(4):
            rolled = np.roll(corners, -turn, axis=0)
            seen = apparent_aspect(rolled, photo.shape[:2])
            fit = 0.5 if seen is None else math.exp(-((math.log(max(seen, 1e-6) / plan.aspect) / 0.25) ** 2))
            match, step = plan.match(thumbnail, rolled)
            total = score * (0.3 + fit) * (0.2 + max(match - 0.1, 0.0)) ** 2  # below 0.1: chance
            if best is None or total > best[0]:
                best = (total, rolled, match, step)
    assert best is not None  # at least one candidate, four turns
    return best[1], best[2], best[3]


def _align(thumbnail, corners, plan: _Plan, step: int) -> np.ndarray:
    """Fine alignment against the plan after ``step``: ECC homography at 96 then 256 px, in the photo's
    ``thumbnail`` (:func:`_thumbnail`); the corners unchanged when it fails or wanders (more than 8 % of
    the canvas)."""
    import cv2

    from .compare import PlanView
    from .locate import homography, rectify

    thumb, factor = thumbnail
    corners = np.asarray(corners, np.float64)
    inner = (corners + 0.5) * factor - 0.5  # the corners in the thumbnail's pixels
    height, width = plan.shape
    warp = np.eye(3, dtype=np.float32)
    previous = None
    for side in (96, 256):
        scale = side / max(height, width)
        shape = (max(16, round(height * scale)), max(16, round(width * scale)))
        if previous is not None:  # carry the coarse warp over to this size
            ratio = np.diag([shape[1] / previous[1], shape[0] / previous[0], 1.0]).astype(np.float32)
            warp = ratio @ warp @ np.linalg.inv(ratio)
        template = _detail(PlanView.of(plan.guide, shape, erode=0).after(step)).astype(np.float32)
        seen = _detail(rectify(thumb, inner, shape)).astype(np.float32)
        if not template.any() or not seen.any():
            return corners.astype(np.float32)
        try:
            # No mask (OpenCV takes None; its type stubs want an array).
            _, warp = cv2.findTransformECC(template, seen, warp, cv2.MOTION_HOMOGRAPHY,  # type: ignore[call-overload]
                                           (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 80, 1e-5), None, 3)
        except cv2.error:
            return corners.astype(np.float32)
        previous = shape
    box = np.array([[0, 0, 1], [shape[1], 0, 1], [shape[1], shape[0], 1], [0, shape[0], 1]], dtype=np.float64)
    inside = box @ warp.astype(np.float64).T
    inside = inside[:, :2] / inside[:, 2:]
    if not np.isfinite(inside).all() or np.abs(inside - box[:, :2]).max() > 0.08 * max(shape):
        return corners.astype(np.float32)
    back = np.linalg.inv(homography(inner, shape))
    moved = np.concatenate([inside, np.ones((4, 1))], axis=1) @ back.T
    return ((moved[:, :2] / moved[:, 2:] + 0.5) / factor - 0.5).astype(np.float32)


def check_canvas(photo: np.ndarray, guide: Guide, *, options: CheckOptions = CheckOptions(),
                 corners: np.ndarray | None = None,
                 on_progress: ProgressFn | None = None) -> CanvasCheck:
    """Check a photo of the canvas against ``guide``'s plan.

    Args:
        photo: float32 ``(H, W, 3)`` in [0, 1] (e.g. :func:`assistant.decode_image` of the phone's file).
        guide: the :class:`assistant.Guide` being painted.
        options: a :class:`CheckOptions`.
        corners: the canvas's four corners in the photo's pixels, any order (the painter's clicks);
            default: found automatically.
        on_progress: the progress callback of :mod:`assistant.base`.

    Raises:
        CanvasNotFound: no canvas in the photo, or a canvas like no step of the plan (another painting);
            one line; mark the corners instead.
        ValueError: bad options or corners, a photo too dark to judge.
    """
    from .advice import region_advice
    from .compare import PlanView, judge
    from .light import CLIPPED, fit_best_light, patches
    from .locate import apparent_aspect, find_by_features, find_canvas, find_markers, rectify, refine_corners

    options.validate()
    check_image(photo, "photo", min_side=32)
    report = on_progress or no_progress
    report(0.0, "Finding the canvas")
    plan = _Plan(guide, options.analysis_side)
    thumbnail = _thumbnail(photo)
    found_by = "corners"
    if corners is not None:
        chosen, match, step = _orient(photo, thumbnail, [(_check_corners(corners, photo.shape), 1.0)], plan)
    else:
        markers = find_markers(photo) if options.markers else None
        if markers is not None:
            found_by, chosen = "markers", markers
            match, step = plan.match(thumbnail, chosen)
        else:
            found_by = "edges"
            candidates = [(refine_corners(photo, c), s) for c, s in find_canvas(photo, aspect=plan.aspect)]
            by_plan = find_by_features(photo, plan.pictures)
            if by_plan is not None:  # the plan's own features: as good a candidate as the best outline
                candidates.append((by_plan, max([s for _, s in candidates], default=0.2)))
            if not candidates:
                raise CanvasNotFound(NOT_FOUND)
            chosen, match, step = _orient(photo, thumbnail, candidates, plan)
            seen = apparent_aspect(chosen, photo.shape[:2])
            if match < 0.3 and seen is not None and abs(math.log(seen / plan.aspect)) > math.log(1.2):
                # Nothing of the plan to recognise, and not the canvas's proportions: a sheet of paper, a box.
                raise CanvasNotFound(NOT_FOUND)
            if by_plan is not None and chosen is not None and np.abs(chosen - by_plan).max() < 1e-3:
                found_by = "features"
    report(0.3, "Straightening the canvas")
    if options.align and match > 0.2:
        aligned = _align(thumbnail, chosen, plan, step)
        better, _ = plan.match(thumbnail, aligned)
        if better >= match:
            chosen, match = aligned, better
    rectified = rectify(photo, chosen, plan.shape)
    small = rectified if plan.analysis == plan.shape else rectify(photo, chosen, plan.analysis)
    _check_photo(small, match, plan)

    report(0.5, "Taking out the light")
    view = plan.view
    hypotheses = list(range(len(guide.steps) + 1))
    reference = [view.after(k) for k in hypotheses]
    observed, expected, positions, weights = patches(small, reference[0], mask=view.interior, groups=view.ids)
    skip = len(observed) >= 48  # an over-exposed photo: learn from the clipped patches too rather than from none
    if not skip:
        observed, expected, positions, weights = patches(small, reference[0], mask=view.interior, groups=view.ids,
                                                         skip_clipped=False)
    predictions = [patches(small, r, mask=view.interior, skip_clipped=skip)[1] for r in reference]
    best, light, _ = fit_best_light(observed, predictions, positions, weights)

    report(0.75, "Comparing with the plan")
    fine_shape = _judge_shape(plan, chosen, options.judge_side)
    if fine_shape == plan.analysis:
        fine, fine_view = small, view
    else:  # the regions judged finer than the light was fitted: small ones get their pixels back
        fine, fine_view = rectify(photo, chosen, fine_shape), PlanView.of(guide, fine_shape, erode=JUDGE_ERODE)
    # One channel clipped (a light orange's red under a lamp), or all three (white paper): each is "at least
    # this much". Two: the one left sets the level of a neutral highlight, as light.correct takes it back;
    # raised to a colour, that one channel would carry all of the colour difference (a light a little off in
    # it would read as a strong hue).
    clipped = fine >= CLIPPED
    clipped &= clipped.sum(axis=-1, keepdims=True) != 2
    judged = judge(light.correct(fine), fine_view, off_delta_e=options.off_delta_e,
                   painted_share=options.painted_share, clipped=clipped)
    regions = _region_checks(guide, judged, region_advice)
    reached = judged.step_reached
    count = len(guide.steps)
    next_step = reached + 1 if reached < count else None
    step_progress = tuple(float(np.clip(s, 0.0, 1.0)) for s in judged.step_share)
    progress = float(np.mean(step_progress)) if step_progress else 0.0
    notes = _notes(guide, judged, light, step_progress, reached)
    corrected = light.correct(rectified)
    from .picture import overlay

    next_regions = guide.steps[next_step - 1].regions if next_step else ()
    picture = overlay(corrected, guide.regions.ids, judged.status, guide.regions.labels + 1, guide.regions.anchors,
                      guide.regions.depths, next_regions=next_regions)
    report(1.0, "Checked")
    return CanvasCheck(corners=np.asarray(chosen, np.float32), found_by=found_by, rectified=rectified,
                       corrected=corrected, overlay=picture, step_reached=reached, next_step=next_step,
                       progress=progress, step_progress=step_progress, regions=regions, light=light,
                       match=float(match), notes=notes)


#: Pixels (at the size the regions are judged at) of each region's border left out of its judgement.
JUDGE_ERODE = 3


def _judge_shape(plan: _Plan, corners: np.ndarray, judge_side: int) -> tuple[int, int]:
    """``(H, W)`` to judge the regions at: ``judge_side`` long at most, at most twice the guide's working
    size, no more than the canvas's long side in the photo, and never less than the analysis size."""
    height, width = plan.shape
    corners = np.asarray(corners, np.float64)
    in_photo = float(np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1).max())
    longest = max(min(float(judge_side), 2.0 * max(height, width), in_photo), float(max(plan.analysis)))
    if round(longest) == max(plan.analysis):
        return plan.analysis
    scale = longest / max(height, width)
    return max(16, round(height * scale)), max(16, round(width * scale))


def _check_photo(small: np.ndarray, match: float, plan: _Plan) -> None:
    """One line for a photo that cannot be judged: too dark, or another painting."""
    import cv2

    gray = cv2.cvtColor(small.astype(np.float32), cv2.COLOR_RGB2GRAY)
    if float(np.median(gray)) < 0.06:
        raise ValueError("The photo is too dark to judge the colours: take it again in better light (daylight "
                         "from a window is best).")
    structure = float(np.std(gray - cv2.GaussianBlur(gray, (0, 0), max(gray.shape) / 12)))
    if structure > 0.06 and match < 0.15:
        raise CanvasNotFound("This photo does not look like this guide's painting at any step: is it the right "
                             "project? If it is, mark the four corners of the canvas by hand.")


def _region_checks(guide, judged, region_advice) -> tuple[RegionCheck, ...]:
    areas = guide.regions.areas.astype(np.float64)
    total = float(areas.sum())
    step_of = np.zeros(len(guide.regions), dtype=np.int32)
    for s in guide.steps:
        step_of[list(s.regions)] = s.index
    medium = guide.options.medium
    checks = []
    for region in range(len(guide.regions)):
        colour = int(guide.regions.labels[region]) + 1
        status = STATUS[int(judged.status[region])]
        advice = ""
        if status == "off":
            recipe = guide.recipes[colour - 1] if len(guide.recipes) >= colour else None
            advice = region_advice(judged.seen[region], np.asarray(guide.palette[colour - 1].lab), recipe=recipe,
                                   paints=guide.paints, medium=medium, number=colour)
        checks.append(RegionCheck(region, colour, int(step_of[region]), status,
                                  None if status == "todo" else float(judged.delta_e[region]), advice,
                                  100.0 * float(areas[region]) / total, not bool(judged.tiny[region])))
    return tuple(checks)


def _notes(guide, judged, light: Light, step_progress, reached: int) -> tuple[str, ...]:
    notes = []
    behind = [i + 1 for i, p in enumerate(step_progress) if i + 1 < reached and i > 0 and p < 0.9]
    if behind:
        listed = ", ".join(str(s) for s in behind)
        notes.append(f"Step{'s' if len(behind) > 1 else ''} {listed} still ha{'ve' if len(behind) > 1 else 's'} "
                     "areas to paint (blue in the picture).")
    medium = guide.options.medium
    if medium == "acrylic" and int(np.sum(judged.status > 0)):
        notes.append("Acrylics dry darker: judge colours on a dry canvas, and mix wet paint a touch lighter "
                     "than its swatch.")
    notes.append(f"The photo was taken in {light.words()}; the colours were judged with that taken out.")
    return tuple(notes)
