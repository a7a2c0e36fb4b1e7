"""Take the lamp out of the photo: uneven light and its colour, estimated from the canvas itself.

The model, in linear RGB (what the camera measured, before its sRGB curve)::

    photo_c(x, y) = G(x, y) · k_c · canvas_c(x, y) + b_c

``k`` is the colour of the light (a warm lamp has k_red > k_blue) together with the exposure, ``G``
how the light falls across the canvas (``log G``: a quadratic in x and y, then 16 soft bumps on a
4 × 4 grid for a shadow or a hot spot; no constant, that is in ``k``), and ``b`` the flare that greys
the darks. The numbers are fitted to a few thousand small patches of the straightened canvas whose
colour the plan predicts: bare or toned canvas where nothing is painted yet, the palette colour where
it is. Patches where the camera clipped a channel are left out, and a pixel clipped in two channels
is taken back as a neutral highlight.

Not "correcting away" real mistakes:

* the light is the same for every colour: ``G`` is grey, so a hue or saturation error of one region
  cannot be absorbed locally, only a lightness error, and the bumps are only fitted in the second half
  of the rounds, when the patches that are off have lost their say;
* the fit is robust: Cauchy weights on each patch's ΔE first, then Tukey weights (a patch more than
  10 ΔE off has no say at all);
* each region has a say by the square root of its size, not its size, so one big region painted off
  cannot outvote the rest (``patches(groups=...)``).

What the fit cannot tell apart from the light is a mistake shared by every colour alike (all paints
mixed a little too warm is the same photo as a warm lamp); where bare canvas shows, it anchors the
colour of the light. Which patches are predicted painted depends on how far the painting is, so the
fit is made for every possible step and the one that explains the photo best is kept
(:func:`fit_best_light`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Light", "correct_light", "fit_best_light", "fit_light", "linear_to_srgb", "srgb_to_linear"]

#: ΔE76 at which a patch's weight halves (Cauchy), and above which it no longer adds to the misfit.
_SCALE, _CAP = 6.0, 25.0
#: An sRGB value at or above this the camera has clipped.
CLIPPED = 0.985
#: ΔE76 beyond which a patch has no say at all in the last rounds of the fit.
_REJECT = 10.0


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.clip(np.asarray(rgb, dtype=np.float32), 0.0, 1.0)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(np.asarray(linear, dtype=np.float32), 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055).astype(np.float32)


#: The light's shape: a quadratic in x and y (5 terms), then bumps on a 4 × 4 grid (shadows, a lamp's hot spot).
_GRID = 4
_SMOOTH_TERMS = 5
#: The light's field is worked out on a grid this long at most, then enlarged.
SHADING_SIDE = 128


def _basis(positions: np.ndarray) -> np.ndarray:
    """``[x, y, x², xy, y²]`` and Gaussian bumps on a grid, at positions in [-1, 1]²."""
    x, y = positions[:, 0], positions[:, 1]
    centres = np.linspace(-1, 1, _GRID)
    spacing = centres[1] - centres[0]
    bumps = [np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * (0.6 * spacing) ** 2)) for cy in centres for cx in centres]
    return np.stack([x, y, x * x, x * y, y * y, *bumps], axis=1)


def _grid(shape: tuple[int, int]) -> np.ndarray:
    height, width = shape
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([(x + 0.5) / width * 2 - 1, (y + 0.5) / height * 2 - 1], axis=-1).reshape(-1, 2)


@dataclass(frozen=True)
class Light:
    """The light a photo was taken in (see the module): ``gains`` k, ``flare`` b, ``field`` of log G."""

    gains: tuple[float, float, float]
    flare: tuple[float, float, float]
    field: tuple[float, ...]

    def shading(self, shape: tuple[int, int]) -> np.ndarray:
        """G over a picture of ``shape`` (1 = as bright as the average light); a large picture's is worked out
        on a grid of at most :data:`SHADING_SIDE` px and enlarged (the field is smooth)."""
        import cv2

        height, width = shape
        scale = min(1.0, SHADING_SIDE / max(height, width))
        coarse = max(2, round(height * scale)), max(2, round(width * scale))
        field = np.exp(_basis(_grid(coarse)) @ np.asarray(self.field)).reshape(coarse).astype(np.float32)
        if coarse == (height, width):
            return field
        return cv2.resize(field, (width, height), interpolation=cv2.INTER_LINEAR)

    def correct(self, image: np.ndarray) -> np.ndarray:
        """``image`` (float32 sRGB, the straightened canvas) as it would look in even daylight."""
        linear = srgb_to_linear(image)
        shade = self.shading(image.shape[:2])[..., None]
        canvas = (linear - np.asarray(self.flare, np.float32)) / (shade * np.asarray(self.gains, np.float32))
        # Channels the camera clipped hold "at least this much": a pixel clipped in two or more is a highlight
        # (white canvas, a light paint), taken as neutral (its brightest corrected channel in all three), as
        # raw converters reconstruct highlights. One clipped channel (a saturated orange) is left as it is.
        clipped = (np.asarray(image) >= CLIPPED).sum(axis=-1) >= 2
        if clipped.any():
            canvas[clipped] = canvas[clipped].max(axis=-1, keepdims=True)
        return linear_to_srgb(canvas)

    @property
    def warmth(self) -> float:
        """log(red gain / blue gain): > 0 for warm light (a lamp), < 0 for cool (shade, overcast)."""
        return float(np.log(self.gains[0] / self.gains[2]))

    @property
    def unevenness(self) -> float:
        """How much brighter the brightest corner of the canvas is lit than the darkest (ratio − 1)."""
        shade = self.shading((9, 9))
        return float(shade.max() / shade.min() - 1.0)

    def words(self) -> str:
        """The light in a painter's words ("warm lamp light, a third brighter on one side")."""
        warmth = self.warmth
        colour = ("very warm (lamp) light" if warmth > 0.6 else "warm light" if warmth > 0.2
                  else "cool light" if warmth < -0.2 else "neutral light")
        uneven = self.unevenness
        spread = ("evenly lit" if uneven < 0.15 else f"about {uneven * 100:.0f} % brighter on one side than the other")
        return f"{colour}, {spread}"

    def check_dict(self) -> dict:
        return {"gains": [round(v, 4) for v in self.gains], "flare": [round(v, 4) for v in self.flare],
                "field": [round(v, 4) for v in self.field], "words": self.words()}


_XYZ_FROM_LINEAR = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                             [0.0193339, 0.1191920, 0.9503041]])
_D65 = np.array([0.95047, 1.0, 1.08883])


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB of linear sRGB, not clipped: a patch corrected to brighter than white is that far from white."""
    xyz = np.asarray(linear, dtype=np.float64) @ _XYZ_FROM_LINEAR.T / _D65
    delta = 6.0 / 29.0
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta * delta) + 4.0 / 29.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])],
                    axis=-1)


def fit_light(observed: np.ndarray, expected: np.ndarray, positions: np.ndarray, weights: np.ndarray | None = None,
              *, iterations: int = 10) -> tuple[Light, np.ndarray]:
    """Fit the light to patches: ``observed`` and ``expected`` linear RGB ``(n, 3)``, ``positions`` in [-1, 1]².

    Alternates between the gains and flare (per channel, the light's shape held) and the shape
    (log-linear, the gains held), re-weighting the patches by their misfit each round.
    Returns ``(light, misfit)``: the misfit is each patch's ΔE76 after correction.
    """
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.maximum(np.asarray(expected, dtype=np.float64), 1e-4)
    n = len(observed)
    if n < 12:
        raise ValueError(f"Expected at least 12 patches to fit the light to. Received: {n}")
    base = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    basis = _basis(np.asarray(positions, dtype=np.float64))
    expected_lab = _lab(expected)

    def misfit_of(gains, flare, field):
        corrected = (observed - flare) / (np.exp(basis @ field)[:, None] * gains)
        return np.linalg.norm(_lab(np.maximum(corrected, 0.0)) - expected_lab, axis=1)

    field, flare = np.zeros(basis.shape[1]), np.zeros(3)
    gains = np.array([_ratio(observed[:, c], expected[:, c], base) for c in range(3)])
    misfit = misfit_of(gains, flare, field)
    for round_ in range(iterations):
        weight = base / (1.0 + (misfit / _SCALE) ** 2)  # Cauchy first; then patches far off count for nothing
        if round_ >= iterations // 2:
            tukey = base * np.clip(1.0 - (misfit / _REJECT) ** 2, 0.0, None) ** 2
            if tukey.sum() > 0.2 * base.sum():
                weight = tukey
        weight = np.maximum(weight, 1e-6 * base)  # never all zero, even where every patch is far off
        shade = np.exp(basis @ field)
        for c in range(3):
            gains[c], flare[c] = _gain_and_flare(observed[:, c], shade * expected[:, c], weight)
        # The light's shape, the gains and flare held: the log of what is left is linear in the basis.
        signal = gains * expected
        left = observed - flare
        usable = (signal > 0.05 * signal.max()) & (left > 0.002)
        rows = np.nonzero(usable)
        if len(rows[0]) >= 12:
            # Smooth light first; the bumps only once the patches that are off have lost their say.
            terms = basis.shape[1] if round_ >= iterations // 2 else _SMOOTH_TERMS
            a = np.concatenate([np.ones((len(rows[0]), 1)), basis[rows[0], :terms]], axis=1)
            t = np.log(left[rows] / signal[rows])
            w = weight[rows[0]] * np.sqrt(signal[rows] / signal.max())
            penalty = np.full(a.shape[1], 0.05)
            penalty[0] = 1e-9
            penalty[1 + _SMOOTH_TERMS:] = 0.3
            solution = np.linalg.solve(a.T @ (a * w[:, None]) + np.sum(w) * np.diag(penalty), a.T @ (w * t))
            gains = gains * np.exp(solution[0])
            field = np.zeros(basis.shape[1])
            field[:terms] = solution[1:]
        misfit = misfit_of(gains, flare, field)
    light = Light((float(gains[0]), float(gains[1]), float(gains[2])), (float(flare[0]), float(flare[1]), float(flare[2])),
                  tuple(float(v) for v in field))
    return light, misfit


def _ratio(observed: np.ndarray, expected: np.ndarray, weight: np.ndarray) -> float:
    """Weighted geometric mean of observed / expected over the patches bright enough to say."""
    good = (expected > 0.02) & (observed > 0.002)
    if good.sum() < 3:
        return max(float(np.average(observed, weights=weight)) / max(float(np.average(expected, weights=weight)),
                                                                         1e-4), 1e-3)
    return float(np.exp(np.average(np.log(observed[good] / expected[good]), weights=weight[good])))


def _gain_and_flare(observed: np.ndarray, predicted: np.ndarray, weight: np.ndarray) -> tuple[float, float]:
    """``observed ≈ gain · predicted + flare`` for one channel (relative errors); flare only where darks and lights
    both show (on one colour alone it cannot be told from the gain)."""
    w = weight / (observed + 0.02)
    mean = np.average(predicted, weights=weight)
    spread = math.sqrt(float(np.average((predicted - mean) ** 2, weights=weight)))
    if spread > 0.15 * mean:
        design = np.stack([predicted, np.ones_like(predicted)], axis=1)
        gain, flare = np.linalg.lstsq(design * w[:, None], observed * w, rcond=None)[0]
        if gain > 0 and -0.005 <= flare <= 0.06:
            return float(gain), float(flare)
        flare = float(np.clip(flare, -0.005, 0.06))
        gain = float(np.sum(w * w * predicted * (observed - flare)) / max(np.sum(w * w * predicted**2), 1e-12))
        if gain > 0:
            return gain, flare
    return _ratio(observed, predicted, weight), 0.0


def misfit_score(misfit: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Mean of the capped misfits: how badly a light and a prediction explain the photo."""
    capped = np.minimum(misfit, _CAP)
    return float(np.average(capped, weights=weights))


def fit_best_light(observed: np.ndarray, predictions: list[np.ndarray], positions: np.ndarray,
                   weights: np.ndarray | None = None) -> tuple[int, Light, list[float]]:
    """Fit the light for each prediction of the canvas (one per step); the best ``(index, light, scores)``."""
    scores, lights = [], []
    for expected in predictions:
        light, misfit = fit_light(observed, expected, positions, weights)
        lights.append(light)
        scores.append(misfit_score(misfit, weights))
    best = int(np.argmin(scores))
    return best, lights[best], scores


def patches(image: np.ndarray, reference: np.ndarray, *, cell: int = 8, mask: np.ndarray | None = None,
            groups: np.ndarray | None = None, skip_clipped: bool = True):
    """Mean linear colour of ``image`` and ``reference`` in each ``cell``² block whose pixels ``mask`` keeps.

    ``skip_clipped``: leave out patches where the camera clipped a channel.
    ``groups``: an id per pixel (the plan's regions); a patch then weighs ``1/sqrt(patches of its region)``
    instead of 1, so that one big region (painted off, perhaps) cannot outvote all the others.
    Returns ``(observed, expected, positions, weights)`` for :func:`fit_light`.
    """
    height, width = image.shape[:2]
    rows, cols = height // cell, width // cell
    crop = (slice(0, rows * cell), slice(0, cols * cell))
    keep = np.ones((height, width), bool) if mask is None else np.asarray(mask, bool)
    k = keep[crop].reshape(rows, cell, cols, cell).astype(np.float32)
    count = k.sum(axis=(1, 3))

    def means(picture):
        linear = srgb_to_linear(picture[crop]).reshape(rows, cell, cols, cell, 3)
        return (linear * k[..., None]).sum(axis=(1, 3)) / np.maximum(count, 1)[..., None]

    # Patches with clipped channels say nothing about the light (the true value is anywhere above).
    clipped = (np.asarray(image)[crop] >= CLIPPED).any(axis=-1).reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    good = (count >= 0.5 * cell * cell) & ((clipped < 0.1) | (not skip_clipped))
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    positions = np.stack([((x + 0.5) * cell) / width * 2 - 1, ((y + 0.5) * cell) / height * 2 - 1], axis=-1)
    weights = count[good]
    if groups is not None:
        centre = np.asarray(groups)[cell // 2:rows * cell:cell, cell // 2:cols * cell:cell][good]
        _, inverse, sizes = np.unique(centre, return_inverse=True, return_counts=True)
        weights = weights / np.sqrt(sizes[inverse])
    return means(image)[good], means(reference)[good], positions[good], weights


def correct_light(image: np.ndarray, reference: np.ndarray, *, mask: np.ndarray | None = None,
                  groups: np.ndarray | None = None) -> tuple[np.ndarray, Light]:
    """Correct ``image`` (float32 sRGB) for the light, from what it should look like (``reference``, same size).

    ``mask``: the pixels to learn from (default: all); ``groups``: the plan's region id per pixel (each
    region then has a say by the square root of its size, see :func:`patches`).
    Returns ``(corrected image, light)``.
    """
    from ..base import check_image

    check_image(image, "image")
    check_image(reference, "reference")
    if image.shape != reference.shape:
        raise ValueError(f"Expected image and reference of the same shape. Received: {image.shape} and {reference.shape}")
    cell = max(2, min(image.shape[:2]) // 48)
    observed, expected, positions, weights = patches(image, reference, cell=cell, mask=mask, groups=groups)
    light, _ = fit_light(observed, expected, positions, weights)
    return light.correct(image), light
