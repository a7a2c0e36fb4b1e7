"""K-means colour segmentation that keeps small accents.

Plain k-means (in RGB or even in CIELAB) minimises the *squared* error, so large,
busy areas claim the palette and a small red nose or blue flag gets averaged away.
We fix that in three ways, each measured in ``bench/palette.py``:

1. Cluster in DIN99o, where distances follow perception: saturated colours no longer
   dominate, so dull large areas need fewer palette slots.
2. Assign each colour to its nearest palette colour by CIEDE2000, the metric a
   painter's eye (and our bench) uses, not by the clustering distance.
3. A few re-weighted centre updates (IRLS) move the centres from the squared-error
   optimum towards the mean-|error| optimum, which lowers the typical error.

Speed: pixels are binned to 6 bits per channel (at most 262,144 distinct colours;
a photo has a few ten thousand), so the clustering and the CIEDE2000 assignment run
on unique colours and every pixel is labelled through a lookup table.

Palette order (stable, documented): dark to light by CIELAB L*, ties broken by hue
angle. Palette numbers start at 1 (the numbers painted on the outline); label maps
hold ``number - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..base import on_two_cores
from .kmeans import kmeans
from .spaces import (
    color_name,
    delta_e2000,
    delta_e2000_matrix,
    din99o_to_lab,
    distance_to,
    lab_to_din99o,
    lab_to_rgb,
    rgb_to_lab,
)

__all__ = [
    "MAX_COLORS",
    "MIN_COLORS",
    "MIN_DISTINCT",
    "Palette",
    "PaletteColor",
    "distinct_palette",
    "extract_palette",
    "merge_colors",
    "paint_differences",
    "palette_from_colors",
    "quantize",
    "told_apart",
]

MIN_COLORS = 2
MAX_COLORS = 32
MIN_DISTINCT = 2.0  # CIEDE2000 below which two paints are the same paint to a painter
_BITS = 6
#: A key colour (the lightest light, a saturated accent) this far (CIEDE2000) from every paint gets a paint of its own.
KEY_DISTANCE = 10.0
#: ... when it covers at least this share of the picture (0.15 %), and the palette has at least KEY_MIN_COLORS paints.
KEY_SHARE = 0.0015
KEY_MIN_COLORS = 6
#: A colour the caller must keep (the skin of a found face) this far (CIEDE2000) from every paint gets a paint of its
#: own, from KEY_KEEP_MIN_COLORS paints up: a painter sees a smaller shift in skin than in a wall.
KEY_KEEP_DISTANCE = 6.0
KEY_KEEP_MIN_COLORS = 4
#: When the palette is recentred after the clean-up, a kept colour's paint moves at most until it is this far from
#: it (CIEDE2000): skin read grey at 6 (a small figure's skin paint also paints a pale wall).
KEY_HOLD_DISTANCE = 3.0
#: With ``weights``, a pixel weighing at most this counts as its area alone: above what the detail map gives a place
#: for standing out alone (12 ** 0.3 ≈ 2.1, :func:`~assistant.plan.focus.importance`); a face, the focal point and
#: a painter's marks weigh more.
FOCAL_WEIGHT = 2.2
#: ... and the focal area together counts at most this share of the picture (never less than its area): a face needs a
#: few paints whatever its size, and what a big face takes beyond them the whole picture pays for.
FOCAL_SHARE = 0.08
#: ... and a pixel weighing less than this counts less, in proportion: the least the detail map gives on its own
#: (12 ** -0.4 where nothing stands out), so only a painter's "simplify here" goes below it, and what the painter
#: asked to simplify gets fewer paints.
SIMPLIFY_WEIGHT = 12.0 ** -0.4


@dataclass(frozen=True)
class PaletteColor:
    """One paint of the palette.

    Attributes:
        index: the number painted on the outline, starting at 1.
        rgb: sRGB 0–255 triple.
        lab: CIELAB triple.
        name: short human description ("dark muted blue").
        coverage: share of the canvas in percent (0–100).
    """

    index: int
    rgb: tuple[int, int, int]
    lab: tuple[float, float, float]
    name: str
    coverage: float

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


@dataclass(frozen=True)
class Palette:
    """An ordered palette (dark to light)."""

    colors: tuple[PaletteColor, ...]

    def __len__(self) -> int:
        return len(self.colors)

    def __iter__(self):
        return iter(self.colors)

    def __getitem__(self, position: int) -> PaletteColor:
        return self.colors[position]

    @property
    def rgb(self) -> np.ndarray:
        """``(n, 3)`` float32 sRGB in [0, 1], row ``i`` is colour number ``i + 1``."""
        return np.array([c.rgb for c in self.colors], dtype=np.float32) / 255.0

    @property
    def lab(self) -> np.ndarray:
        return np.array([c.lab for c in self.colors], dtype=np.float32)

    def with_coverage(self, labels: np.ndarray) -> Palette:
        """Return a copy whose coverage is measured on ``labels``."""
        counts = np.bincount(labels.ravel(), minlength=len(self.colors)).astype(np.float64)
        share = 100.0 * counts / max(1.0, counts.sum())
        return Palette(
            tuple(
                PaletteColor(c.index, c.rgb, c.lab, c.name, round(float(share[i]), 2))
                for i, c in enumerate(self.colors)
            )
        )


def extract_palette(
    image: np.ndarray,
    n_colors: int = 12,
    *,
    seed: int = 0,
    sample_size: int = 200_000,
    refine_steps: int = 4,
    weights: np.ndarray | None = None,
    keep: Sequence[np.ndarray] = (),
) -> tuple[Palette, np.ndarray]:
    """Find ``n_colors`` paints for ``image`` and label every pixel.

    Args:
        image: float32 ``(H, W, 3)`` sRGB in [0, 1]; not modified.
        n_colors: palette size, 2–32. Fewer colours are returned when the image
            itself has fewer distinct colours.
        seed: seeds the pixel sample and k-means.
        sample_size: pixels drawn (seeded) to fit the palette; all pixels are labelled.
        refine_steps: IRLS centre updates after k-means (0 = plain DIN99o k-means).
        weights: float ``(H, W)`` > 0, how much each pixel counts when the colours are
            chosen (the detail map's :func:`~assistant.plan.focus.importance`: a face gets
            the values it needs); None = every pixel alike. Pixels above :data:`FOCAL_WEIGHT`
            (the focal area) count by the square root of their weight, the others by their
            area (:func:`_palette_weights`), and a kept or key colour takes the place of the
            paint missed least (:func:`_keep_key_colours`): the background keeps its colours.
        keep: CIELAB colours that must each have a paint within :data:`KEY_KEEP_DISTANCE` (the skin of
            a found face, :func:`~assistant.plan.focus.skin_colours`); with at least
            :data:`KEY_KEEP_MIN_COLORS` paints, each one missing takes the place of the paint most like another
            (with ``weights``, of the paint missed least),
            and the other paints settle around the kept ones (:func:`_refine_centres`).

    Returns:
        ``(palette, labels)``: the palette sorted dark to light with coverage filled
        in, and an int32 ``(H, W)`` label map holding palette number − 1.

    Raises:
        ValueError: bad ``n_colors`` or a malformed image.
    """
    _check_image(image)
    if not MIN_COLORS <= int(n_colors) <= MAX_COLORS:
        raise ValueError(f"Expected {MIN_COLORS} <= n_colors <= {MAX_COLORS}. Received: n_colors={n_colors}")
    if sample_size < 1000:
        raise ValueError(f"Expected sample_size >= 1000. Received: sample_size={sample_size}")

    if weights is not None:
        weights = np.asarray(weights, np.float64)
        if weights.shape != image.shape[:2] or not np.isfinite(weights).all() or (weights <= 0).any():
            raise ValueError(f"Expected weights > 0 of shape {image.shape[:2]}. Received: shape={weights.shape}")
        weights = _palette_weights(weights)
    rng = np.random.default_rng(seed)
    keys = _bin_keys(image)
    flat = keys.ravel()
    chosen = slice(None) if flat.size <= sample_size else rng.choice(flat.size, size=sample_size, replace=False)
    sample = flat[chosen]
    sample_keys, inverse = _distinct_keys(sample)
    sample_counts = np.bincount(inverse, weights=None if weights is None else weights.ravel()[chosen],
                                minlength=len(sample_keys))
    if weights is None:
        sample_counts = sample_counts.astype(np.int64)
    sample_lab = rgb_to_lab(_key_to_rgb(sample_keys)).astype(np.float64)

    differences = _Differences(sample_lab)  # a paint that stays put is measured once
    centres = _fit_centres(sample_lab, sample_counts, int(n_colors), seed=seed, refine_steps=refine_steps,
                           differences=differences)
    keep = [np.asarray(c, np.float64).reshape(3) for c in keep] if len(centres) >= KEY_KEEP_MIN_COLORS else []
    if keep or len(centres) >= KEY_MIN_COLORS:
        kept = _keep_key_colours(sample_lab, sample_counts, centres, keep=keep, general=len(centres) >= KEY_MIN_COLORS,
                                 by_cost=weights is not None, differences=differences)
        fixed = np.any(kept != centres, axis=1)
        if fixed.any():
            kept = _refine_centres(sample_lab, sample_counts, kept, steps=refine_steps, fixed=fixed,
                                   differences=differences)
        centres = kept

    # Label all pixels: CIEDE2000-nearest centre per distinct colour, then a lookup.
    all_keys, inverse = _distinct_keys(flat)
    nearest = _nearest_de2000(rgb_to_lab(_key_to_rgb(all_keys)), centres)
    labels = nearest[inverse].reshape(keys.shape).astype(np.int32)

    palette, labels = _ordered_palette(centres, labels)
    return palette, labels


def palette_from_colors(image: np.ndarray, colors_lab: np.ndarray) -> tuple[Palette, np.ndarray]:
    """Label every pixel of ``image`` with its CIEDE2000-nearest colour of ``colors_lab``.

    Returns the ordered palette (unused colours dropped) and the label map, like
    :func:`extract_palette`; used to keep a palette to colours the paints can mix.
    """
    _check_image(image)
    centres = np.asarray(colors_lab, dtype=np.float64).reshape(-1, 3)
    keys = _bin_keys(image)
    all_keys, inverse = _distinct_keys(keys.ravel())
    nearest = _nearest_de2000(rgb_to_lab(_key_to_rgb(all_keys)), centres)
    return _ordered_palette(centres, nearest[inverse].reshape(keys.shape).astype(np.int32))


def paint_differences(image: np.ndarray, colors_lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CIEDE2000 from the pixels of ``image`` to each colour of ``colors_lab`` ``(k, 3)``, as a table: float32
    ``(m, k)`` for the picture's distinct colours (6 bits per channel, as pixels are labelled) and each pixel's row
    in it, ``(H, W)``; ``table[index]`` is every pixel's difference to every colour.
    """
    _check_image(image)
    keys = _bin_keys(image)
    distinct, inverse = _distinct_keys(keys.ravel())
    table = delta_e2000_matrix(rgb_to_lab(_key_to_rgb(distinct)), np.asarray(colors_lab, np.float64).reshape(-1, 3))
    return table.astype(np.float32), inverse.reshape(keys.shape)


def distinct_palette(
    palette: Palette,
    labels: np.ndarray,
    *,
    requested: int | None = None,
    min_distance: float = MIN_DISTINCT,
    merged: int = 0,
) -> tuple[Palette, np.ndarray, tuple[str, ...]]:
    """Merge paints a painter could not tell apart and drop paints that cover nothing.

    Two colours closer than ``min_distance`` (CIEDE2000) become one: the one covering
    less area is painted with the other. Colours covering no pixel (after region
    clean-up) are dropped. Returns the renumbered palette, the label map and notes saying
    what changed, e.g. ``"This photo needs only 11 distinct colours: …"``. ``merged``
    counts colours an earlier stage already merged (for the note).
    """
    labels = np.asarray(labels, dtype=np.int32)
    counts = np.bincount(labels.ravel(), minlength=len(palette)).astype(np.int64)
    lab = palette.lab.astype(np.float64)
    target = np.arange(len(palette))
    alive = counts > 0
    empty = int((~alive).sum())
    while alive.sum() > 1:
        ids = np.flatnonzero(alive)
        distance = delta_e2000(lab[ids][:, None, :], lab[ids][None, :, :])
        distance[np.diag_indices(len(ids))] = np.inf
        i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
        if distance[i, j] >= min_distance:
            break
        keep, drop = (ids[i], ids[j]) if counts[ids[i]] >= counts[ids[j]] else (ids[j], ids[i])
        target[target == drop] = keep
        counts[keep] += counts[drop]
        alive[drop] = False
        merged += 1
    new_palette, new_labels = _ordered_palette(lab, target[labels])
    notes = []
    if merged or empty:
        reasons = []
        if merged:
            reasons.append(f"{merged} {'was' if merged == 1 else 'were'} within ΔE {min_distance:g} of another and merged")
        if empty:
            reasons.append(f"{empty} covered no area once small specks were tidied away")
        wanted = requested or len(palette)
        notes.append(
            f"This photo needs only {len(new_palette)} distinct colours (you asked for {wanted}): {'; '.join(reasons)}."
        )
    return new_palette, new_labels, tuple(notes)


def recentre_palette(palette: Palette, labels: np.ndarray, image: np.ndarray, *, steps: int = 4,
                     weights: np.ndarray | None = None,
                     keep: Sequence[np.ndarray] = ()) -> tuple[Palette, np.ndarray]:
    """Move each colour to the pixels it paints now, after region clean-up changed them.

    Each centre becomes the geometric median (Weiszfeld iterations, ``steps`` of them) in
    CIELAB of the pixels carrying its label: the colour with the least mean colour
    difference to them, robust to the few odd pixels a merged speck brings in.
    ``weights`` (float ``(H, W)`` > 0, as for :func:`extract_palette`) make some pixels count
    more: the skin paint stays the skin's colour although it also paints a pale grey wall.
    ``keep``: CIELAB colours kept by :func:`extract_palette` (a face's skin): the paint within
    :data:`KEY_KEEP_DISTANCE` of one moves at most until it is :data:`KEY_HOLD_DISTANCE` from it, or stays
    where it was when it was farther already (a small figure's skin paint, also painting a grey wall,
    drifted 8 ΔE00 towards the grey and her face read grey).
    Returns the re-ordered palette and label map.
    """
    _check_image(image)
    lab = rgb_to_lab(image).reshape(-1, 3).astype(np.float64)
    flat = np.asarray(labels).ravel()
    counts = np.ones(flat.size) if weights is None else np.asarray(weights, np.float64).ravel()
    centres = palette.lab.astype(np.float64).copy()
    # Each colour's pixels in reading order, from one stable sort (not a pass over the picture per colour);
    # as bytes (a palette has at most 32 colours) the sort is a radix sort, ten times faster.
    order = np.argsort(flat.astype(np.uint8) if len(palette) <= 256 else flat, kind="stable")
    bounds = np.searchsorted(flat[order], np.arange(len(palette) + 1))

    def median(index: int) -> np.ndarray:
        members = order[bounds[index]:bounds[index + 1]]
        points, count = lab[members], counts[members]
        if len(points) == 0:
            return centres[index]
        centre = np.average(points, axis=0, weights=count)
        for _ in range(steps):
            inverse = count / np.maximum(distance_to(points, centre), 0.5)
            centre = (points * inverse[:, None]).sum(axis=0) / inverse.sum()
        return centre

    centres = np.array(on_two_cores(median, len(palette)), np.float64).reshape(-1, 3)  # each colour on its own
    _hold_kept(palette.lab.astype(np.float64), centres, keep)
    return _ordered_palette(centres, np.asarray(labels, dtype=np.int32))


def _hold_kept(before: np.ndarray, centres: np.ndarray, keep: Sequence[np.ndarray]) -> None:
    """Pull each paint that served a kept colour (within :data:`KEY_KEEP_DISTANCE` of it ``before``) back along
    its move until it is within :data:`KEY_HOLD_DISTANCE` of it (bisection on the segment from where it was;
    ``centres`` changed in place)."""
    for colour in keep:
        colour = np.asarray(colour, np.float64).reshape(1, 3)
        served = delta_e2000(before, colour)
        j = int(np.argmin(served))
        if served[j] > KEY_KEEP_DISTANCE or delta_e2000(centres[j:j + 1], colour)[0] <= KEY_HOLD_DISTANCE:
            continue
        near, far = 0.0, 1.0  # fractions of the move: within the distance at ``near``, beyond it at ``far``
        for _ in range(12):
            middle = (near + far) / 2
            point = before[j] + middle * (centres[j] - before[j])
            if delta_e2000(point[None], colour)[0] <= KEY_HOLD_DISTANCE:
                near = middle
            else:
                far = middle
        centres[j] = before[j] + near * (centres[j] - before[j])


def quantize(labels: np.ndarray, palette: Palette) -> np.ndarray:
    """Paint each pixel with its palette colour: float32 ``(H, W, 3)`` in [0, 1]."""
    if labels.ndim != 2:
        raise ValueError(f"Expected a 2-D label map. Received: labels.shape={labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(palette)):
        raise ValueError(
            f"Expected labels in [0, {len(palette) - 1}]. Received: labels in [{labels.min()}, {labels.max()}]"
        )
    return palette.rgb[labels]


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"Expected an (H, W, 3) RGB array. Received: shape={shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"Expected a non-empty image. Received: shape={image.shape}")


def _bin_keys(image: np.ndarray) -> np.ndarray:
    q = (np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint32)) >> (8 - _BITS)
    return (q[..., 0] << (2 * _BITS)) | (q[..., 1] << _BITS) | q[..., 2]


def _distinct_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct colour keys in order and each key's index among them (what ``np.unique`` with
    ``return_inverse`` gives), by counting over every possible key instead of sorting a million."""
    present = np.bincount(keys, minlength=1 << (3 * _BITS)) > 0
    distinct = np.flatnonzero(present).astype(keys.dtype)
    index = np.zeros(present.size, np.intp)
    index[distinct] = np.arange(len(distinct))
    return distinct, index[keys]


def _key_to_rgb(keys: np.ndarray) -> np.ndarray:
    mask = (1 << _BITS) - 1
    channels = np.stack([(keys >> (2 * _BITS)) & mask, (keys >> _BITS) & mask, keys & mask], axis=-1)
    return ((channels.astype(np.float32) + 0.5) / (1 << _BITS)).reshape(-1, 3)


def _palette_weights(weights: np.ndarray) -> np.ndarray:
    """How much each pixel counts in the palette, from the caller's ``weights``: the focal area (above
    :data:`FOCAL_WEIGHT`) by the square root of its weight (a face at 12 × counts 3.5 ×), scaled down to at most
    :data:`FOCAL_SHARE` of the whole but never below 1; what the painter asked to simplify (below
    :data:`SIMPLIFY_WEIGHT`) less, in proportion; the rest by area.

    The whole picture is painted from the palette, so the background counts by area: weighting it by what stands
    out (0.4–2.1 ×) painted a dusk sky, 72 % of a picture, with one navy; and the full weight of a face bought
    little likeness for much of the background's colour (bench/likeness.py, whole-picture ΔE00).
    """
    focal = weights > FOCAL_WEIGHT
    counts = np.where(focal, np.sqrt(weights), np.minimum(weights / SIMPLIFY_WEIGHT, 1.0))
    extra, rest = float(counts[focal].sum()), float(counts[~focal].sum())
    if extra > FOCAL_SHARE / (1.0 - FOCAL_SHARE) * rest:
        scale = FOCAL_SHARE / (1.0 - FOCAL_SHARE) * rest / extra
        counts = np.where(focal, np.maximum(counts * scale, 1.0), counts)
    return counts


class _Differences:
    """CIEDE2000 from a fixed set of colours ``lab`` ``(n, 3)`` to any centres, each centre's column worked out once.

    The palette's refinement measures every colour against every paint four times, then again after a key colour
    took a paint's place; the paints that stay put (the kept ones, those whose colours did not change) would be
    measured again each time. A centre is known by its exact bytes, so the columns are those of
    :func:`~assistant.color.spaces.delta_e2000_matrix`.
    """

    def __init__(self, lab: np.ndarray):
        self.lab = np.asarray(lab, np.float64).reshape(-1, 3)
        self._columns: dict[bytes, np.ndarray] = {}

    def __call__(self, centres: np.ndarray) -> np.ndarray:
        """``(n, k)`` differences to ``centres`` ``(k, 3)``."""
        centres = np.ascontiguousarray(centres, np.float64).reshape(-1, 3)
        keys = [centre.tobytes() for centre in centres]
        missing = [key for key in dict.fromkeys(keys) if key not in self._columns]
        if missing:
            made = delta_e2000_matrix(self.lab, np.frombuffer(b"".join(missing), np.float64).reshape(-1, 3))
            self._columns.update(zip(missing, made.T))
        if not keys:
            return np.zeros((len(self.lab), 0))
        return np.stack([self._columns[key] for key in keys], axis=1)


def _fit_centres(lab: np.ndarray, counts: np.ndarray, n_colors: int, *, seed: int, refine_steps: int,
                 differences: _Differences | None = None) -> np.ndarray:
    """Weighted k-means in DIN99o, then IRLS updates under CIEDE2000 assignment. Returns Lab."""
    k = min(n_colors, len(lab))
    din = lab_to_din99o(lab)
    weights = counts.astype(np.float64)
    centres = kmeans(din, k, weights=weights, seed=seed, n_init=4)
    return _refine_centres(lab, weights, din99o_to_lab(centres), steps=refine_steps, differences=differences)


def _refine_centres(lab: np.ndarray, weights: np.ndarray, centres: np.ndarray, *, steps: int,
                    fixed: np.ndarray | None = None, differences: _Differences | None = None) -> np.ndarray:
    """IRLS centre updates under CIEDE2000 assignment, in DIN99o; the centres marked ``fixed`` stay put. Lab in, Lab out.

    After a key colour or a face's skin took a paint's place, the other paints settle around it (each covers
    the colours it now paints, and the kept paint also serves the background colours near it): without this a
    kept skin paint costs the background a whole paint's worth of colour difference (bench/likeness.py).
    """
    din = lab_to_din99o(lab)
    weights = np.asarray(weights, np.float64)
    centres = lab_to_din99o(np.asarray(centres, np.float64))
    free = np.ones(len(centres), bool) if fixed is None else ~np.asarray(fixed, bool)
    differences = differences or _Differences(lab)
    for _ in range(steps if free.any() else 0):
        distances = differences(din99o_to_lab(centres))
        nearest, error = distances.argmin(axis=1), distances.min(axis=1)
        for j in np.flatnonzero(free):
            members = nearest == j
            if not members.any():
                continue
            # Weights w * d^(p-2) with p = 1.5: between the mean (p=2) and the median (p=1).
            irls = weights[members] * np.maximum(error[members], 0.5) ** -0.5
            centres[j] = (din[members] * irls[:, None]).sum(axis=0) / irls.sum()
    return din99o_to_lab(centres)


def _key_candidates(lab: np.ndarray, weights: np.ndarray) -> list[np.ndarray]:
    """The colours a painter must not lose, as Lab: the lightest light, then saturated accents by hue.

    Lightest light: the mean of the lightest 0.5 % of the picture. Accents: colours of chroma
    at least 40 and in the picture's top 2 %, grouped in twelve hue sectors, the two sectors
    with most pixels each giving their mean. K-means spends its paints by pixel count, so a
    dusk's lights become "sand" and a palace's red lacquer "dark brown" without this.
    """
    total = weights.sum()
    found = []
    order = np.argsort(lab[:, 0])[::-1]
    top = order[: np.searchsorted(np.cumsum(weights[order]), 0.005 * total) + 1]
    found.append((np.average(lab[top], axis=0, weights=weights[top]), weights[top].sum()))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    by_chroma = np.argsort(chroma)[::-1]
    cut = chroma[by_chroma[np.searchsorted(np.cumsum(weights[by_chroma]), 0.02 * total)]] if len(lab) else 0.0
    vivid = chroma >= max(40.0, float(cut))
    if vivid.any():
        sector = (np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360 // 30).astype(int)
        mass = np.bincount(sector[vivid], weights=weights[vivid], minlength=12)
        for s in np.argsort(mass)[::-1][:2]:
            members = vivid & (sector == s)
            if members.any():
                found.append((np.average(lab[members], axis=0, weights=weights[members]), mass[s]))
    return [colour for colour, mass in found if mass >= KEY_SHARE * total]


def _keep_key_colours(lab: np.ndarray, weights: np.ndarray, centres: np.ndarray, *, keep=(),
                      general: bool = True, by_cost: bool = False,
                      differences: _Differences | None = None) -> np.ndarray:
    """``centres`` with each colour of ``keep`` farther than :data:`KEY_KEEP_DISTANCE`, then each key colour
    (:func:`_key_candidates`, when ``general``) farther than :data:`KEY_DISTANCE` from every paint put in
    place of the paint most like another, or with ``by_cost`` of the paint missed least (:func:`_cheapest_paint`)."""
    centres = np.array(centres, dtype=np.float64)
    weights = np.asarray(weights, np.float64)
    fixed: set[int] = set()
    wanted = [(c, KEY_KEEP_DISTANCE) for c in keep]
    if general:
        wanted += [(c, KEY_DISTANCE) for c in _key_candidates(lab, weights)]
    for colour, distance in wanted:
        if delta_e2000(centres, colour[None, :]).min() <= distance:
            continue
        if by_cost:
            loss = _replacement_costs(lab, weights, centres, colour, differences=differences)
        else:
            loss = delta_e2000_matrix(centres, centres)
            loss[np.diag_indices(len(centres))] = np.inf
            loss = loss.min(axis=1)
        loss[list(fixed)] = np.inf
        if not np.isfinite(loss).any():
            break
        j = int(np.argmin(loss))
        centres[j] = colour
        fixed.add(j)
    return centres


def _replacement_costs(lab: np.ndarray, weights: np.ndarray, centres: np.ndarray, colour: np.ndarray, *,
                       differences: _Differences | None = None) -> np.ndarray:
    """For each paint of ``centres``, the weighted CIEDE2000 the colours ``lab`` (counted by ``weights``) would
    lose if ``colour`` took its place: what its colours pay going to their next paint (``colour`` among them),
    less what ``colour`` saves the others.

    The paint "most like another" is often one of two blues that each cover a third of a sky; the paint missed
    least is the one whose colours another paint (or the kept one) serves almost as well.
    """
    distances = (differences or _Differences(lab))(np.vstack([centres, colour[None, :]]))
    now = distances[:, :-1].min(axis=1)
    nearest = distances[:, :-1].argmin(axis=1)
    # Each colour's distance with paint j gone and ``colour`` added: its best other paint for the colours of j,
    # the nearer of its paint and ``colour`` for the rest.
    with_colour = np.minimum(now, distances[:, -1])
    base = float((weights * with_colour).sum())
    costs = np.empty(len(centres))
    for j in range(len(centres)):
        members = nearest == j
        others = np.delete(distances[members], j, axis=1).min(axis=1)
        costs[j] = base - float((weights[members] * with_colour[members]).sum()) + float((weights[members] * others).sum())
    return costs


def _nearest_de2000(lab: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return delta_e2000_matrix(lab, centres).argmin(axis=1)


def told_apart(names: list[str], lab: np.ndarray) -> list[str]:
    """Names made unique, so a painter can tell "dark green" from "dark green": the same name twice becomes
    "… (darker)" / "… (lighter)", three times "(darkest)", "(middle)", "(lightest)", more "(shade 2 of 4)";
    two of about the same lightness (within 3 L*) are told apart by warmth instead ("(warmer)" / "(cooler)")."""
    out = list(names)
    for name in set(names):
        members = [i for i, n in enumerate(names) if n == name]
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (lab[i][0], i))
        words: tuple[str, ...]
        if len(members) == 2:
            a, b = members
            if abs(lab[b][0] - lab[a][0]) >= 3:
                words = ("darker", "lighter")
            else:  # warmer = more yellow-red (b* + a*), a painter's sense of warm
                warm_b = lab[b][1] + lab[b][2] >= lab[a][1] + lab[a][2]
                words = ("cooler", "warmer") if warm_b else ("warmer", "cooler")
        elif len(members) == 3:
            words = ("darkest", "middle", "lightest")
        else:
            words = tuple(f"shade {k} of {len(members)}" for k in range(1, len(members) + 1))
        for i, word in zip(members, words):
            out[i] = f"{name} ({word})"
    return out


def merge_colors(palette: Palette, labels: np.ndarray, into: dict[int, int]) -> tuple[Palette, np.ndarray]:
    """Paint colour ``i`` (0-based) with colour ``into[i]``; returns the renumbered palette and labels.

    Used when two colours would be mixed the same way: to a painter they are one paint.
    """
    mapping = np.arange(len(palette))
    for source, target in into.items():
        mapping[source] = target
    return _ordered_palette(palette.lab.astype(np.float64), mapping[np.asarray(labels)])


def _ordered_palette(centres_lab: np.ndarray, labels: np.ndarray) -> tuple[Palette, np.ndarray]:
    """Drop unused centres, sort dark→light (ties by hue) and renumber the labels."""
    used = np.flatnonzero(np.bincount(labels.ravel(), minlength=len(centres_lab)))
    rgb = lab_to_rgb(centres_lab[used])
    rgb8 = np.clip(np.rint(rgb * 255), 0, 255).astype(int)
    # Lab of the *displayed* colour, so names and numbers agree with the swatch.
    lab = rgb_to_lab(rgb8.astype(np.float32) / 255.0).astype(np.float64)
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
    order = np.lexsort((hue, np.round(lab[:, 0], 3)))
    remap = np.full(len(centres_lab), -1, dtype=np.int32)
    remap[used[order]] = np.arange(len(order), dtype=np.int32)
    new_labels = remap[labels]
    names = told_apart([color_name(lab[i]) for i in order], lab[order])
    colors = tuple(
        PaletteColor(
            index=rank + 1,
            rgb=(int(rgb8[i][0]), int(rgb8[i][1]), int(rgb8[i][2])),
            lab=(round(float(lab[i][0]), 2), round(float(lab[i][1]), 2), round(float(lab[i][2]), 2)),
            name=names[rank],
            coverage=0.0,
        )
        for rank, i in enumerate(order)
    )
    return Palette(colors).with_coverage(new_labels), new_labels
