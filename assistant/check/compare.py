"""The straightened, light-corrected canvas against the plan: region by region, step by step.

Each region is judged on its inside (its border eroded by a few pixels, so that a border painted a
little off the line or photographed soft does not count), on at most :data:`SAMPLES` of its pixels.
A pixel is *bare* when it is nearer the unpainted canvas there (the toned ground, or white) than the
region's paint and within :data:`BARE_DELTA_E` of it; otherwise it is painted. A channel the camera
clipped only says "at least this much": it is compared as the colour it is compared with where that
is higher. A region whose inside is mostly painted is *done* when the median paint is within
``off_delta_e`` (ΔE00) of its palette colour, *off* when not; otherwise it is still *to do*. A region
whose paint looks like the canvas under it (a light paint over the wiped-out ground) cannot be told
from bare canvas: it follows its step (done when its step is reached). A region with fewer than
:data:`MIN_PIXELS` inside pixels at the size it is judged at follows its step too.

A step is reached when at least ``painted_share`` of its area is painted; ``step_reached`` is the
last step reached (step 1, toning, from the colour of the bare canvas; 0 when nothing is on the canvas).
Each region has a say by its area; small regions half a say, and a paint like the canvas under it a say
that shrinks with the difference, so that a step painted only in such colours still counts a little.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..pipeline import Guide

__all__ = ["BARE_DELTA_E", "PlanView", "Judgement", "judge"]

#: A pixel within this ΔE00 of the unpainted canvas (and nearer it than the paint) is bare.
BARE_DELTA_E = 10.0
#: A region due by now whose colour is further than this (ΔE00) from the bare canvas under it was painted.
BARE_REGION_DELTA_E = 5.0
#: Share of painted pixels that makes a region painted when its step is two or more after the step reached.
LATER_SHARE = 0.8
#: A paint this close (ΔE00) to the canvas under it cannot be told from bare canvas.
LOOKALIKE_DELTA_E = 8.0
#: Each region is judged on at most this many of its core pixels, evenly spread (enough for a median and a share).
SAMPLES = 600
#: The say in the step reached of a region whose paint looks like the canvas under it, at the most (it falls
#: with the difference between the two).
LOOKALIKE_SAY = 0.5
#: A region with fewer core pixels than this at the size it is judged at is too small to judge on its own.
MIN_PIXELS = 20
WHITE = np.array([1.0, 1.0, 1.0], np.float32)


@dataclass(frozen=True, eq=False)
class PlanView:
    """The plan at the size the canvas is compared at.

    Attributes:
        ids: region id per pixel.
        step: 1-based step per region (``len(steps) + 1`` for a region no step paints).
        paint: sRGB of each region's palette colour ``(n, 3)``.
        ground: the canvas before any region is painted (the toned ground; white for watercolour).
        interior: pixels at least ``erode`` px inside their region.
        toned: True when step 1 tones the canvas (opaque media).
    """

    ids: np.ndarray
    step: np.ndarray
    paint: np.ndarray
    ground: np.ndarray
    interior: np.ndarray
    toned: bool
    steps: int
    sketch: np.ndarray | None = None

    @classmethod
    def of(cls, guide: Guide, shape: tuple[int, int], *, erode: int = 2) -> PlanView:
        import cv2

        from ..plan.steps import Medium

        height, width = shape
        ids = cv2.resize(guide.regions.ids.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
        ids = ids.astype(np.int32)
        step = np.full(len(guide.regions), len(guide.steps) + 1, dtype=np.int32)
        for s in guide.steps:
            step[list(s.regions)] = s.index
        toned = Medium.parse(guide.options.medium).value.opaque
        ground = (cv2.resize(guide.steps.picture(0), (width, height), interpolation=cv2.INTER_AREA) if toned
                  else np.broadcast_to(WHITE, (height, width, 3)).copy())
        # Each region's core: at least `erode` px from its border, or its middle where it is thinner than that.
        border = np.zeros(ids.shape, bool)
        border[:, 1:] |= ids[:, 1:] != ids[:, :-1]
        border[1:, :] |= ids[1:, :] != ids[:-1, :]
        distance = cv2.distanceTransform((~border).astype(np.uint8), cv2.DIST_L2, 3)
        depth = np.zeros(len(guide.regions), np.float32)
        np.maximum.at(depth, ids.ravel().astype(np.intp), distance.ravel())
        interior = distance >= np.minimum(float(erode) + 1.0, 0.6 * depth[ids])
        sketch = None
        if not toned and guide.values is not None:  # where step 1's pencil lines go: the value masses' borders
            values = cv2.resize(guide.values.labels.astype(np.float32), (width, height),
                                interpolation=cv2.INTER_NEAREST)
            sketch = np.zeros(values.shape, bool)
            sketch[:, 1:] |= values[:, 1:] != values[:, :-1]
            sketch[1:, :] |= values[1:, :] != values[:-1, :]
        return cls(ids, step, guide.palette.rgb[guide.regions.labels].astype(np.float32),
                   np.clip(ground, 0, 1).astype(np.float32), interior, toned, len(guide.steps), sketch)

    def after(self, k: int) -> np.ndarray:
        """The canvas as planned after ``k`` steps (0: bare white canvas)."""
        if k == 0:
            return np.broadcast_to(WHITE, self.ground.shape).copy()
        painted = (self.step <= k)[self.ids]
        out = self.ground.copy()
        out[painted] = self.paint[self.ids[painted]]
        return out


@dataclass(frozen=True)
class Judgement:
    """Per region: ``status`` (0 to do, 1 done, 2 off), ``painted`` share of its inside, ``seen`` Lab,
    ``delta_e`` to its palette colour; per step its painted share; the step reached."""

    status: np.ndarray
    painted: np.ndarray
    seen: np.ndarray
    delta_e: np.ndarray
    lookalike: np.ndarray
    tiny: np.ndarray
    step_share: tuple[float, ...]
    step_reached: int
    toned: bool


def _grouped(ids: np.ndarray, n: int):
    """Indices of each region's pixels in ``ids`` (a flat array)."""
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(n + 1))
    return [order[bounds[r]:bounds[r + 1]] for r in range(n)]


def judge(corrected: np.ndarray, plan: PlanView, *, off_delta_e: float, painted_share: float,
          clipped: np.ndarray | None = None) -> Judgement:
    """Judge every region of the light-corrected canvas (sRGB at the plan view's size).

    ``clipped``: bool ``(H, W, 3)``, the channels the camera clipped. Such a channel only says "at least
    this much", so a pixel is compared with a colour as if that channel were the colour's where the
    colour's is higher (a light orange under a warm lamp, its red clipped, is not taken for a cyan one).
    """
    import cv2

    from ..color.spaces import delta_e2000, rgb_to_lab

    n = len(plan.step)
    smooth = cv2.GaussianBlur(corrected.astype(np.float32), (0, 0), 1.0)
    # On white paper, step 1's pencil lines are not paint: thin dark lines are closed over before judging.
    judged = smooth if plan.toned else cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    rgb = judged.reshape(-1, 3)
    white_lab = rgb_to_lab(WHITE)
    paint_lab = rgb_to_lab(plan.paint)
    ids = plan.ids.ravel()
    # Where to look: each region's inside, or all of it when it has no inside; at most SAMPLES of its pixels.
    inside = plan.interior.ravel()
    groups_inside = _grouped(np.where(inside, ids, n), n + 1)[:n]
    groups_all = _grouped(ids, n)
    chosen = [g_in if len(g_in) else g_all for g_in, g_all in zip(groups_inside, groups_all)]
    core = np.array([len(g) for g in chosen])
    chosen = [g[::-(-len(g) // SAMPLES)] if len(g) > SAMPLES else g for g in chosen]  # evenly spread
    pixels = np.concatenate(chosen)
    owner = np.repeat(np.arange(n), [len(g) for g in chosen])
    ground_rgb = plan.ground.reshape(-1, 3)[pixels]
    ground_lab = rgb_to_lab(ground_rgb)  # per pixel looked at, as ``lab`` below
    censored = _censor(rgb[pixels], None if clipped is None else clipped.reshape(-1, 3)[pixels])
    lab = censored(None)
    as_paint = censored(plan.paint[owner])  # each pixel's Lab, its clipped channels given the benefit of the doubt
    as_ground = censored(ground_rgb)
    as_white = censored(np.broadcast_to(WHITE, (len(pixels), 3)))
    d_paint = delta_e2000(as_paint, paint_lab[owner])
    d_ground = delta_e2000(as_ground, ground_lab)
    d_white = delta_e2000(as_white, np.broadcast_to(white_lab, (len(pixels), 3)))
    d_bare = np.minimum(d_ground, d_white) if plan.toned else d_white
    bare = (d_bare < d_paint) & (d_bare < BARE_DELTA_E)
    counts = np.bincount(owner, minlength=n).astype(np.float64)
    painted = 1.0 - np.bincount(owner, weights=bare, minlength=n) / np.maximum(counts, 1)
    seen = np.zeros((n, 3))  # as compared with the paint
    seen_bare = np.zeros((n, 3))  # as compared with the canvas under it
    under = np.zeros((n, 3))
    starts = np.concatenate([[0], np.cumsum(counts).astype(int)])
    for r in range(n):
        own = slice(starts[r], starts[r + 1])
        keep = ~bare[own] if painted[r] >= 0.5 else np.ones(starts[r + 1] - starts[r], bool)
        if not keep.any():
            keep = np.ones_like(keep)
        seen[r] = np.median(as_paint[own][keep], axis=0)
        seen_bare[r] = np.median((as_ground if plan.toned else as_white)[own][keep], axis=0)
        under[r] = np.median(ground_lab[own], axis=0) if plan.toned else white_lab
    delta_e = delta_e2000(seen, paint_lab)
    # A paint that looks like the canvas under it (or like white canvas) cannot be told from bare canvas.
    separation = np.minimum(delta_e2000(paint_lab, under),
                            delta_e2000(paint_lab, np.broadcast_to(white_lab, paint_lab.shape)))
    lookalike = separation < LOOKALIKE_DELTA_E
    # Too small to judge from a photo (a few pixels, each blurred with its neighbours): it follows its step.
    tiny = core < MIN_PIXELS
    is_painted = painted >= 0.5
    areas = np.bincount(ids, minlength=n).astype(np.float64)

    # Steps: the painted share of each step's area. Each region has a say by its area (not by its core: a
    # compact region started early has more core per area than the thin ones beside it), small regions half
    # a say (they are blurred), a paint that looks like the canvas under it a say as small as the difference.
    say = np.where(tiny, 0.5, 1.0) * np.where(lookalike, LOOKALIKE_SAY * separation / LOOKALIKE_DELTA_E, 1.0)
    shares, evidence = [float("nan")], [0.0]
    for index in range(2, plan.steps + 1):
        members = np.flatnonzero(plan.step == index)
        votes = areas[members] * say[members]
        weight = float(votes.sum())
        evidence.append(weight)
        shares.append(float(np.sum(votes * is_painted[members]) / weight) if weight else float("nan"))
    reached = _cut(shares, evidence, painted_share)
    toned = _toned(lab, ground_lab, white_lab, bare) if plan.toned else _sketched(smooth, plan.sketch)
    if reached == 1 and not toned:
        reached = 0
    # Step 1 (toning, or the pencil sketch in watercolour, which a photo cannot show) is done once later ones are.
    shares[0] = 1.0 if reached >= 1 else 0.0

    # Paint on an area two steps or more ahead is unusual: it takes a clearer majority of painted pixels.
    is_painted &= (painted >= LATER_SHARE) | (plan.step <= reached + 1)
    status = np.where(is_painted, np.where(delta_e <= off_delta_e, 1, 2), 0).astype(np.int8)
    due = plan.step <= reached
    from_under = delta_e2000(seen_bare, under)
    # Due by now, mostly "bare", yet not the bare canvas either: painted, in a colour near the canvas's.
    status[~is_painted & due & ~lookalike & ~tiny & (from_under > BARE_REGION_DELTA_E) & (delta_e > off_delta_e)] = 2
    # A paint like the canvas under it: done when due, off only when far from both paint and canvas.
    follow = lookalike & ~tiny
    far = (delta_e > off_delta_e) & (from_under > off_delta_e)
    status[follow] = np.where(far[follow], 2, np.where(due[follow], 1, 0))
    status[tiny] = due[tiny]
    # Each step's progress as the painter sees it in the overlay: its painted share of area, every region counted.
    for index in range(2, plan.steps + 1):
        members = np.flatnonzero(plan.step == index)
        total = float(areas[members].sum())
        shares[index - 1] = (float(np.sum(areas[members] * (status[members] > 0)) / total) if total
                             else float(index <= reached))
    return Judgement(status, painted, seen, delta_e, lookalike, tiny, tuple(shares), reached, toned)


def _censor(rgb: np.ndarray, clipped: np.ndarray | None):
    """``as_(colour)``: the Lab of the pixels ``rgb`` ``(n, 3)``, each clipped channel raised to ``colour``'s
    where that is higher (it was at least what is seen); the plain Lab for ``colour`` None or nothing clipped."""
    from ..color.spaces import rgb_to_lab

    plain = rgb_to_lab(rgb)
    if clipped is None or not clipped.any():
        return lambda colour: plain
    rows = np.flatnonzero(clipped.any(axis=1))

    def as_(colour: np.ndarray | None) -> np.ndarray:
        if colour is None:
            return plain
        out = plain.copy()
        raised = np.where(clipped[rows], np.maximum(rgb[rows], colour[rows]), rgb[rows])
        out[rows] = rgb_to_lab(raised)
        return out

    return as_


def _cut(shares: list[float], evidence: list[float], painted_share: float) -> int:
    """The step reached: the cut between painted and unpainted steps that agrees with most of the painted area.

    Step ``k`` reached means steps 2…k painted and the later ones not; each step votes with the area of its
    regions that can be told apart, for "painted" by its painted share above ``painted_share``. A few small
    regions of a late step that look painted do not outvote whole steps that are bare. Returns 1 when no
    step after the first is painted.
    """
    count = len(shares)
    votes = np.array([(s - painted_share) * e if e else 0.0 for s, e in zip(shares, evidence)])
    votes[0] = 0.0
    # Score of cutting after step k (1-based): painted votes up to k minus those after it.
    scores = [float(votes[1:k].sum() - votes[k:].sum()) for k in range(1, count + 1)]
    return int(np.argmax(scores)) + 1


def _sketched(image: np.ndarray, sketch: np.ndarray | None) -> bool:
    """True when thin dark lines (a pencil sketch) run along the value masses' borders more than elsewhere."""
    import cv2

    if sketch is None or not sketch.any():
        return False
    gray = cv2.cvtColor(image.astype(np.float32), cv2.COLOR_RGB2GRAY) * 100.0
    lines = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, np.ones((5, 5), np.uint8))
    near = cv2.dilate(sketch.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    far = ~cv2.dilate(sketch.astype(np.uint8), np.ones((11, 11), np.uint8)).astype(bool)
    if near.sum() < 50 or far.sum() < 50:
        return False
    along, elsewhere = float(np.mean(lines[near])), float(np.mean(lines[far]))
    return along > 1.5 * elsewhere + 0.5


def _toned(lab, ground_lab, white_lab, bare) -> bool:
    """True when the bare canvas looks toned (nearer the planned ground than white) where the two differ
    (``lab``, ``ground_lab``: the pixels looked at; ``bare``: those that look bare)."""
    from ..color.spaces import delta_e2000

    if bare.sum() < 50:
        return bool(bare.sum() < len(bare) * 0.5)  # hardly any bare canvas: it is covered, toning or not
    ground = ground_lab[bare]
    differs = delta_e2000(ground, np.broadcast_to(white_lab, ground.shape)) > LOOKALIKE_DELTA_E
    if differs.sum() < 50:
        return False
    seen = lab[bare][differs]
    to_ground = delta_e2000(seen, ground[differs])
    to_white = delta_e2000(seen, np.broadcast_to(white_lab, seen.shape))
    return bool(np.mean(to_ground < to_white) > 0.5)
