"""Paintable regions: clean label maps and a numbered outline (paint-by-numbers).

A raw k-means label map is speckled: single pixels, one-pixel slivers along edges.
Nobody can paint those. :func:`clean_labels` makes every connected region at least
``min_area`` pixels and at least ``min_width`` pixels across, and smooths jagged borders.
:func:`outline_image` draws the borders and writes each region's palette number at the
point deepest inside it, sized to fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..base import on_two_cores

__all__ = ["Regions", "clean_labels", "default_min_area", "find_regions", "outline_image", "picture_din99o"]


#: Mean DIN99o distance per pixel by which every touching colour must miss a small region for it to stay.
ACCENT_CONTRAST = 12.0
#: Detail (see :mod:`assistant.plan.focus`) from which borders are not smoothed (the perceptual merge still takes specks).
FINE_DETAIL = 0.75
#: Mean detail of a region inside a face (its skin is 0.9, the focal disc around it 0.85): ``feature_area`` applies.
FEATURE_DETAIL = 0.88
#: With the picture, the first smoothing gives each pixel the paint with the least colour difference summed over a
#: Gaussian window of this σ (px), ``smooth`` across.
SMOOTH_SIGMA = 1.5


def default_min_area(height: int, width: int) -> int:
    """Smallest region worth painting: about 1/2500 of the canvas, at least 24 px.

    On a 1024×768 working image that is 315 px, a patch of about 18×18 px, which
    printed on A4 is roughly 5×5 mm: enough for a small brush and a legible number.
    """
    return max(24, int(round(height * width / 2500)))


def clean_labels(
    labels: np.ndarray,
    *,
    min_area: int | None = None,
    min_width: int = 3,
    smooth: int = 5,
    image: np.ndarray | None = None,
    palette_lab: np.ndarray | None = None,
    accent: float = ACCENT_CONTRAST,
    detail: np.ndarray | None = None,
    fine_area: int | None = None,
    fine_width: int | None = None,
    image_din: np.ndarray | None = None,
    feature_area: int | None = None,
) -> np.ndarray:
    """Return a cleaned copy of ``labels`` with no region below the size limits.

    Without a picture, a region that is too small takes the label of the nearest
    pixel outside it. With ``image`` and ``palette_lab``, clean-up is perceptual:
    a small region merges, whole, into the touching label whose colour is closest
    to the region's own pixels (summed DIN99o distance), and a small region that no
    touching colour comes near is an *accent* (a highlight, a red nose): it is kept
    if it is at least a quarter of ``min_area`` and ``min_width`` across.

    Args:
        labels: int ``(H, W)`` label map (palette number − 1); not modified.
        min_area: smallest allowed connected region in pixels; default
            :func:`default_min_area`.
        min_width: regions whose widest inscribed disc is narrower than this (in px)
            are slivers and are merged into their neighbours.
        smooth: size of the window that straightens jagged borders (odd, 0 or 1 = off): a
            majority filter, or with ``image`` and ``palette_lab`` each pixel takes the paint with the
            least CIEDE2000 to the picture summed over the window (Gaussian, σ :data:`SMOOTH_SIGMA`);
            not applied where ``detail`` is at least :data:`FINE_DETAIL`.
        image: the float32 RGB picture the labels were made from (same size).
        palette_lab: CIELAB colour of each label, ``(k, 3)``.
        accent: how much farther (mean DIN99o distance per pixel) every touching
            colour must be than the region's own for it to count as an accent.
        detail: the detail map (float ``(H, W)`` in [0, 1], :mod:`assistant.plan.focus`): a
            region's limits follow its mean detail, from ``fine_area`` pixels at 1 (what the
            smallest brush paints: a pupil, a glint) to :data:`~assistant.plan.focus.COARSE`
            × ``min_area`` at 0 (big masses in the background); 0.5 = ``min_area``.
        fine_area: the smallest region where the detail is 1 (default ``min_width²``).
        fine_width: the narrowest region where the detail is at least :data:`FINE_DETAIL`
            (the line the tip of the smallest brush draws; default ``min_width``).
        image_din: ``image`` in DIN99o (:func:`picture_din99o`) when the caller made it already
            (the guide makes it beside the palette, on the other core).
        feature_area: the smallest region inside a face (mean detail of at least :data:`FEATURE_DETAIL`), when
            smaller than ``fine_area``: a small face's eyes and the shading of its nose (default ``fine_area``).

    Raises:
        ValueError: on a malformed label map, negative sizes or a picture of another size.
    """
    if labels.ndim != 2 or labels.size == 0:
        raise ValueError(f"Expected a non-empty 2-D label map. Received: labels.shape={labels.shape}")
    height, width = labels.shape
    min_area = default_min_area(height, width) if min_area is None else int(min_area)
    if min_area < 1:
        raise ValueError(f"Expected min_area >= 1. Received: min_area={min_area}")
    if min_width < 0 or smooth < 0:
        raise ValueError(f"Expected min_width >= 0 and smooth >= 0. Received: min_width={min_width}, smooth={smooth}")

    if detail is not None and np.shape(detail) != labels.shape:
        raise ValueError(f"Expected a detail map of size {labels.shape}. Received: detail.shape={np.shape(detail)}")
    fine_area = max(1, min_width**2) if fine_area is None else int(fine_area)
    limits = _Limits(min_area, min_width, detail, fine_area, min_width if fine_width is None else int(fine_width),
                     fine_area if feature_area is None else int(feature_area))
    result = np.ascontiguousarray(labels, dtype=np.int32).copy()
    if image is not None and image.shape[:2] != labels.shape:
        raise ValueError(f"Expected image of size {labels.shape}. Received: image.shape={image.shape}")
    if smooth > 1:
        if image is not None and palette_lab is not None:
            smoothed = _least_difference(image, palette_lab, smooth | 1)
        else:
            smoothed = _majority_filter(result, smooth | 1)
        if detail is not None:  # even a 3 × 3 majority cuts a 3-px pupil to a cross: eyes keep their shape
            smoothed = np.where(np.asarray(detail) >= FINE_DETAIL, result, smoothed)
        result = smoothed
    if image is not None and palette_lab is not None:
        if image_din is not None and np.shape(image_din) != image.shape:
            raise ValueError(f"Expected image_din of shape {image.shape}. Received: {np.shape(image_din)}")
        costs = _ColourCosts(image, palette_lab, din=image_din)
        result = _merge_perceptually(result, costs, limits, accent)
    for _ in range(4):  # merging can rarely leave a new small piece; a few passes settle it
        regions = find_regions(result, with_anchors=False)
        too_small = _too_small(regions, *limits.of(regions))
        if image is not None and palette_lab is not None and too_small.any():
            areas, widths = limits.of(regions)
            too_small &= ~_accents(result, regions, costs, areas, widths, limits.accent(regions, accent), too_small)
        if not too_small.any() or too_small.all():
            break
        unknown = too_small[regions.ids]
        result = _fill_from_nearest(result, unknown)
    return result


class _Limits:
    """The smallest area and width each region may have: fixed, or following the detail map."""

    def __init__(self, min_area: int, min_width: int, detail: np.ndarray | None, fine_area: int, fine_width: int,
                 feature_area: int):
        self.min_area, self.min_width, self.fine_width = min_area, min_width, min(fine_width, min_width)
        self.detail = None if detail is None else np.asarray(detail, np.float64)
        self.fine_ratio = min(1.0, fine_area / max(min_area, 1))
        self.feature_ratio = min(self.fine_ratio, feature_area / max(min_area, 1))
        self._summed: tuple[Regions, np.ndarray] | None = None

    def _detail_sums(self, regions: Regions) -> np.ndarray:
        """Each region's summed detail (made once per label map: every pass asks two or three times)."""
        assert self.detail is not None
        if self._summed is None or self._summed[0] is not regions:
            sums = np.bincount(regions.ids.ravel(), weights=self.detail.ravel(), minlength=len(regions))
            self._summed = (regions, sums)
        return self._summed[1]

    def of(self, regions: Regions) -> tuple:
        """``(areas, widths)``: numbers, or one per region of ``regions``."""
        if self.detail is None:
            return self.min_area, self.min_width
        from .focus import area_scale

        mean = self._detail_sums(regions) / np.maximum(regions.areas, 1)
        scale = area_scale(mean, self.fine_ratio)
        if self.feature_ratio < self.fine_ratio:  # inside a face, not its hair or neck
            scale = np.where(mean >= FEATURE_DETAIL, area_scale(mean, self.feature_ratio), scale)
        # Lines as fine as the brush's tip where the detail is; masses widen with the square root of their area.
        widths = np.where(mean >= FINE_DETAIL, self.fine_width, self.min_width * np.sqrt(np.maximum(scale, 1.0)))
        return self.min_area * scale, widths

    def accent(self, regions: Regions, accent: float):
        """The accent contrast for each region: a third of ``accent`` where the detail is finest (the white
        of an eye, the teeth, a lip stand out less from skin than a highlight from a wall), ``accent`` at and
        below :data:`~assistant.plan.focus.NEUTRAL`."""
        if self.detail is None:
            return accent
        mean = np.clip(2.0 * self._detail_sums(regions) / np.maximum(regions.areas, 1) - 1.0, 0.0, 1.0)
        return accent * np.power(1.0 / 3.0, mean)


def _too_small(regions: Regions, min_area, min_width) -> np.ndarray:
    small = regions.areas < min_area
    if np.any(np.asarray(min_width) > 0):
        small |= _narrow(regions, min_width)
    return small


def _narrow(regions: Regions, min_width) -> np.ndarray:
    """Which regions are narrower than ``min_width`` px (a number, or one per region).

    The depth (distance from the deepest point to another region) of a region ``w`` px wide is about
    ``(w - 1) / 2``, and 0 for both 1 and 2 px: a line 2 px wide (the tip of the smallest brush, where the
    detail is finest) is told from a 1-px one by holding a 2 × 2 block of its own.
    """
    widths = np.broadcast_to(np.asarray(min_width, np.float64), regions.areas.shape)
    narrow = regions.depths * 2 < widths
    two = narrow & (widths <= 2)
    if two.any():
        ids = regions.ids
        block = (ids[:-1, :-1] == ids[1:, :-1]) & (ids[:-1, :-1] == ids[:-1, 1:]) & (ids[:-1, :-1] == ids[1:, 1:])
        holds = np.bincount(ids[:-1, :-1][block], minlength=len(regions)) > 0
        narrow &= ~(two & holds)
    return narrow


def picture_din99o(image: np.ndarray) -> np.ndarray:
    """An sRGB picture float32 ``(H, W, 3)`` in DIN99o (float32), where the clean-up measures colour distances."""
    from ..color.spaces import lab_to_din99o, rgb_to_lab

    return lab_to_din99o(rgb_to_lab(image)).astype(np.float32)


class _ColourCosts:
    """DIN99o distance from pixels to each label's colour, worked out for the pixels asked about."""

    def __init__(self, image: np.ndarray, palette_lab: np.ndarray, *, din: np.ndarray | None = None):
        from ..color.spaces import lab_to_din99o

        self.din = picture_din99o(image) if din is None else din
        self.centres = lab_to_din99o(np.asarray(palette_lab, dtype=np.float32).reshape(-1, 3)).astype(np.float32)

    def __len__(self) -> int:
        return len(self.centres)

    def of(self, label: int | np.ndarray, pixels: np.ndarray, colours: np.ndarray | None = None) -> np.ndarray:
        """Distance of the ``pixels`` (a mask) to colour ``label`` (one, or one per pixel);
        ``colours`` = ``self.din[pixels]`` when the caller already gathered them."""
        centre = self.centres[label] if np.ndim(label) == 0 else self.centres[np.asarray(label)[pixels]]
        from ..color.spaces import distance_to

        return distance_to(self.din[pixels] if colours is None else colours, centre)


def _touching_costs(result: np.ndarray, regions: Regions, costs: _ColourCosts, pixels: np.ndarray) -> np.ndarray:
    """``(n, k)`` summed cost of each region's ``pixels`` under each label that touches it (inf elsewhere).

    A label touches a region when one of the region's ``pixels`` has a pixel of that label among its eight
    neighbours; found from the asked-about pixels' neighbours alone, not a pass over the picture per label.
    """
    n, k = len(regions), len(costs)
    ids = regions.ids[pixels]
    colours = costs.din[pixels]
    height, width = result.shape
    # The labels framed by -1 (no label) so that every neighbour is an index into the same flat array.
    framed = np.full((height + 2, width + 2), -1, np.int32)
    framed[1:-1, 1:-1] = result
    framed = framed.ravel()
    rows, cols = np.nonzero(pixels)
    where = (rows + 1) * (width + 2) + (cols + 1)
    own = framed[where]
    touches = np.zeros((n, k), bool)
    for dr, dc in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
        other = framed[where + (dr * (width + 2) + dc)]
        differs = (other != own) & (other >= 0)
        touches[ids[differs], other[differs]] = True
    total = np.full((n, k), np.inf)
    touching = np.flatnonzero(touches.any(axis=0))
    # Each label's sums on its own (shared between two threads).
    sums = on_two_cores(lambda j: np.bincount(ids, weights=costs.of(int(touching[j]), pixels, colours), minlength=n),
                        len(touching))
    for label, summed in zip(touching, sums):
        total[touches[:, label], label] = summed[touches[:, label]]
    return total


def _own_costs(result: np.ndarray, regions: Regions, costs: _ColourCosts, pixels: np.ndarray) -> np.ndarray:
    return np.bincount(regions.ids[pixels], weights=costs.of(result, pixels), minlength=len(regions))


def _accents(result, regions: Regions, costs, min_area, min_width, accent: float,
             among: np.ndarray) -> np.ndarray:
    """Which of the regions ``among`` (a mask) every touching colour misses by more than ``accent``
    per pixel, and are big enough to paint."""
    candidates = among & (regions.areas * 4 >= min_area) & ~_narrow(regions, min_width)
    if not candidates.any():
        return candidates
    pixels = candidates[regions.ids]
    best = _touching_costs(result, regions, costs, pixels).min(axis=1)
    own = _own_costs(result, regions, costs, pixels)
    return candidates & ((best - own) / np.maximum(regions.areas, 1) > accent)


def _merge_perceptually(result, costs, limits: _Limits, accent: float, passes: int = 6):
    """Merge each small region, whole, into the touching label nearest in colour to its pixels."""
    for _ in range(passes):
        regions = find_regions(result, with_anchors=False)
        min_area, min_width = limits.of(regions)
        accent_here = limits.accent(regions, accent)
        small = _too_small(regions, min_area, min_width)
        if not small.any() or small.all():
            break
        pixels = small[regions.ids]
        total = _touching_costs(result, regions, costs, pixels)
        best = total.min(axis=1)
        movable = small & np.isfinite(best)
        own = _own_costs(result, regions, costs, pixels)
        movable &= ~(((best - own) / np.maximum(regions.areas, 1) > accent_here)
                     & (regions.areas * 4 >= min_area) & ~_narrow(regions, min_width))
        if not movable.any():
            break
        new_labels = regions.labels.copy()
        new_labels[movable] = total.argmin(axis=1)[movable]
        result = new_labels[regions.ids].astype(np.int32)
    return result


@dataclass(frozen=True)
class Regions:
    """Connected regions of a label map.

    Attributes:
        ids: int32 ``(H, W)`` region id per pixel (0 … n−1).
        labels: palette label of each region, shape ``(n,)``.
        areas: pixel count of each region.
        depths: distance (px) from the deepest point of each region to its border.
        anchors: ``(n, 2)`` ``(row, col)`` of that deepest point, where the number goes (empty ``(0, 2)``
            when made ``with_anchors=False``: the clean-up's passes, which only measure).
    """

    ids: np.ndarray
    labels: np.ndarray
    areas: np.ndarray
    depths: np.ndarray
    anchors: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def find_regions(labels: np.ndarray, *, with_anchors: bool = True) -> Regions:
    """Split a label map into 4-connected regions and measure them (``with_anchors``: also find where each
    number goes)."""

    height, width = labels.shape
    # The regions and each pixel's distance to the nearest other region, on two threads: two 4-neighbours
    # lie in different regions exactly when their labels differ, so the distance needs no region ids.
    made: list[Any] = on_two_cores(lambda k: _distance_to_border(labels) if k else _components(labels), 2)
    (ids, region_labels), distance = made
    n = len(region_labels)
    areas = np.bincount(ids.ravel(), minlength=n).astype(np.int64)
    # Deepest point of each region: a running maximum, then the first pixel reaching it
    # (linear time; scipy's maximum_position sorts every pixel, slow with many regions).
    flat_ids, flat_distance = ids.ravel(), distance.ravel()
    depths = np.full(n, -1.0, dtype=np.float32)
    np.maximum.at(depths, flat_ids, flat_distance)
    anchors = np.zeros((0, 2), np.int32)
    if with_anchors:
        deepest = np.flatnonzero(flat_distance == depths[flat_ids])
        _, first = np.unique(flat_ids[deepest], return_index=True)
        anchors = np.stack(np.unravel_index(deepest[first], (height, width)), axis=1).astype(np.int32).reshape(n, 2)
    return Regions(
        ids=ids,
        labels=region_labels,
        areas=areas,
        depths=depths,
        anchors=anchors,
    )


def _distance_to_border(labels: np.ndarray) -> np.ndarray:
    """Each pixel's distance to the nearest pixel of another region or the canvas edge (float32)."""
    import cv2

    height, width = labels.shape
    interior = np.zeros((height + 2, width + 2), dtype=np.uint8)
    border = np.zeros((height, width), dtype=bool)
    across, down = labels[:, 1:] != labels[:, :-1], labels[1:, :] != labels[:-1, :]
    border[:, 1:] |= across
    border[:, :-1] |= across
    border[1:, :] |= down
    border[:-1, :] |= down
    interior[1:-1, 1:-1] = (~border).astype(np.uint8)  # the zero frame is the canvas edge
    return cv2.distanceTransform(interior, cv2.DIST_L2, 5)[1:-1, 1:-1]


def _components(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 4-connected regions of a label map: their ids per pixel and their labels.

    One labelling pass for every colour at once; ids are numbered colour by colour, and within a colour
    by the region's first pixel in reading order, so a region keeps the number it always had.
    """
    from skimage.measure import label

    components = label(labels, connectivity=1, background=int(labels.min()) - 1)  # 1…n by first pixel
    count = int(components.max())
    colour = np.empty(count + 1, np.int32)
    colour[components.ravel()] = labels.ravel()
    order = np.lexsort((np.arange(count), colour[1:]))
    number = np.empty(count + 1, np.int32)
    number[1 + order] = np.arange(count, dtype=np.int32)
    return number[components], colour[1:][order]


def _least_difference(image: np.ndarray, palette_lab: np.ndarray, size: int) -> np.ndarray:
    """Each pixel's paint with the least CIEDE2000 to the picture summed over a Gaussian window around it (``size``
    across, σ :data:`SMOOTH_SIGMA`): smooth like a majority filter, but a pixel between two paints goes to the one
    its neighbourhood is nearer in colour, not the one it has more of (bench/likeness.py: whole-picture ΔE00
    0.14–0.17 lower, 5–12 % fewer regions on three of the four subjects).

    The top and bottom halves on two threads, each with the ``size // 2`` rows beyond its edge that its windows
    reach (the same numbers as the whole picture's)."""
    import cv2

    from ..color.palette import paint_differences

    table, index = paint_differences(image, palette_lab)
    height, reach = index.shape[0], size // 2
    middle = height // 2
    bands = ((0, middle, 0, min(height, middle + reach)), (middle, height, max(0, middle - reach), height))

    def least(rows: np.ndarray) -> np.ndarray:
        """The paint of least summed difference for each of the pixels ``rows`` (row indices into the table)."""
        summed = cv2.GaussianBlur(table[rows], (size, size), SMOOTH_SIGMA)  # OpenCV drops a single paint's axis
        return np.argmin(summed.reshape(*rows.shape, table.shape[1]), axis=2)

    def band(part: int) -> np.ndarray:
        start, stop, low, high = bands[part]
        return least(index[low:high])[start - low:stop - low]

    if height < 4 * size:
        return least(index).astype(np.int32)
    return np.concatenate(on_two_cores(band, 2), axis=0).astype(np.int32)


def _majority_filter(labels: np.ndarray, size: int) -> np.ndarray:
    """Each pixel takes the most frequent label in a size×size window.

    The top and bottom halves are filtered on two threads, each with the ``size // 2`` rows beyond its edge
    that its windows reach (the window counts are whole numbers, so each half's sums are exactly the whole
    picture's)."""
    values = np.flatnonzero(np.bincount(labels.ravel()))  # the labels present, in order (np.unique sorts)
    height, reach = labels.shape[0], size // 2
    if height < 4 * size:
        return _majority_rows(labels, size, values)
    middle = height // 2
    bands = ((0, middle, 0, middle + reach), (middle, height, middle - reach, height))

    def band(index: int) -> np.ndarray:
        start, stop, low, high = bands[index]
        return _majority_rows(labels[low:high], size, values)[start - low:stop - low]

    return np.concatenate(on_two_cores(band, 2), axis=0)


def _majority_rows(labels: np.ndarray, size: int, values: np.ndarray) -> np.ndarray:
    import cv2

    best = np.full(labels.shape, -1.0, dtype=np.float32)
    result = labels.copy()
    for value in values:
        score = cv2.blur((labels == value).astype(np.float32), (size, size), borderType=cv2.BORDER_REPLICATE)
        # Tiny bias towards the current label keeps ties stable.
        score += (labels == value) * 1e-3
        better = score > best
        best[better] = score[better]
        result[better] = value
    return result


def _fill_from_nearest(labels: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    """Give each unknown pixel the label of the nearest known pixel (scipy's Euclidean feature transform).

    The unknown pixels are a few dozen small patches: each patch is filled from a crop around it, as far
    beyond it as its farthest pixel is from a known one (and a pixel more), which holds every known pixel
    that could be nearest, and none as near that the whole picture would not have. The same pixels as the
    transform of the whole picture (a test compares, ties included) at a third of its time.
    """
    import cv2
    from scipy import ndimage

    height, width = unknown.shape
    mask = np.ascontiguousarray(unknown, np.uint8)
    count, patches, boxes, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    result = labels.copy()
    if count <= 1:
        return result
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)  # exact, to a known pixel
    inside = np.flatnonzero(mask)
    reach = np.zeros(count, np.float32)
    np.maximum.at(reach, patches.ravel()[inside].astype(np.intp), distance.ravel()[inside])
    for patch in range(1, count):
        left, top, across, down, _ = boxes[patch]
        margin = int(min(np.ceil(reach[patch]) + 1, height + width))  # no known pixel at all: the whole picture
        rows = slice(max(0, top - margin), min(height, top + down + margin))
        cols = slice(max(0, left - margin), min(width, left + across + margin))
        _, (near_rows, near_cols) = ndimage.distance_transform_edt(mask[rows, cols], return_indices=True)
        own = patches[rows, cols] == patch
        result[rows, cols][own] = labels[rows, cols][near_rows[own], near_cols[own]]
    return result


def outline_image(
    labels: np.ndarray,
    *,
    regions: Regions | None = None,
    line_color: tuple[int, int, int] = (90, 90, 90),
    number_color: tuple[int, int, int] = (60, 60, 60),
    scale: int = 1,
) -> np.ndarray:
    """Paint-by-numbers sheet: white canvas, grey borders, the palette number in each region.

    Args:
        labels: cleaned label map (palette number − 1).
        regions: precomputed :func:`find_regions` result (saves time when you have it).
        line_color, number_color: sRGB 0–255.
        scale: integer upscaling for print (numbers stay sharp).

    Returns:
        float32 ``(H*scale, W*scale, 3)`` image in [0, 1].
    """
    import cv2

    if scale < 1:
        raise ValueError(f"Expected scale >= 1. Received: scale={scale}")
    regions = find_regions(labels) if regions is None else regions
    ids = regions.ids
    if scale > 1:
        ids = np.kron(ids, np.ones((scale, scale), dtype=np.int32))
    border = np.zeros(ids.shape, dtype=bool)
    border[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    border[1:, :] |= ids[1:, :] != ids[:-1, :]
    canvas = np.full((*ids.shape, 3), 255, dtype=np.uint8)
    canvas[border] = line_color

    font = cv2.FONT_HERSHEY_SIMPLEX
    for region in range(len(regions)):
        text = str(int(regions.labels[region]) + 1)
        radius = float(regions.depths[region]) * scale
        # Fit the text box inside the inscribed disc; skip only if below ~6 px tall.
        (tw, th), _ = cv2.getTextSize(text, font, 1.0, 1)
        font_scale = min(1.2 * scale, 1.5 * radius / max(tw, th, 1))
        if font_scale * th < 5:
            font_scale = 5 / th
            if radius < 2.5:
                continue
        thickness = 1 if font_scale < 0.9 else 2
        (tw, th), _ = cv2.getTextSize(text, font, font_scale, thickness)
        row, col = (regions.anchors[region] * scale + scale // 2).tolist()
        origin = (int(col - tw / 2), int(row + th / 2))
        cv2.putText(canvas, text, origin, font, font_scale, number_color, thickness, cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0
