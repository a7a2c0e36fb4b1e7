"""The value study a painting teacher starts with: the picture in a few greys.

* The **notan** splits the picture into two values, light and dark, at Otsu's
  threshold of CIE L* (Otsu 1979): the big design in one glance.
* The **value study** has 3 or 5 values: thresholds by multi-level Otsu on L*
  (Liao, Chen & Chung 2001), shown as evenly spaced greys, as a painter would
  mix them. Both are computed on a slightly blurred picture and cleaned into masses
  large enough to block in with a big brush.

From the study comes the guide's first step: for opaque media a toned canvas and a
monochrome underpainting in one earth colour of the palette; for watercolour a
pencil value sketch and the whites to save.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canvas import Brush
from ..color.palette import Palette
from ..color.spaces import rgb_to_lab
from .regions import clean_labels
from .steps import Medium, PaintingStep

__all__ = ["ValueStudy", "first_step", "value_study"]

VALUE_LEVELS = (3, 5)


@dataclass(frozen=True)
class ValueStudy:
    """Values of a picture.

    Attributes:
        levels: number of values (3 or 5).
        labels: int32 ``(H, W)``, 0 = darkest value.
        thresholds: the L* cut points between values (``levels - 1`` of them).
        notan: bool ``(H, W)``, True where the 2-value notan is light.
    """

    levels: int
    labels: np.ndarray
    thresholds: tuple[float, ...]
    notan: np.ndarray

    @property
    def greys(self) -> np.ndarray:
        """Evenly spaced grey (sRGB, 0–1) of each value, darkest first, as a painter mixes a value scale."""
        return np.linspace(0.12, 0.95, self.levels, dtype=np.float32)

    def image(self) -> np.ndarray:
        """The value study as float32 ``(H, W, 3)`` greys."""
        grey = self.greys[self.labels]
        return np.repeat(grey[..., None], 3, axis=2)

    def notan_image(self) -> np.ndarray:
        """Black and white notan as float32 ``(H, W, 3)``."""
        grey = np.where(self.notan, 0.96, 0.1).astype(np.float32)
        return np.repeat(grey[..., None], 3, axis=2)

    def tinted(self, rgb: np.ndarray) -> np.ndarray:
        """The study in one colour thinned towards white: darkest value = the colour itself."""
        strength = 1.0 - (np.arange(self.levels, dtype=np.float32) / max(1, self.levels - 1)) * 0.85
        colour = np.asarray(rgb, dtype=np.float32)
        tones = 1.0 - strength[:, None] * (1.0 - colour[None, :])
        return tones[self.labels].astype(np.float32)

    def shares(self) -> np.ndarray:
        """Share of the canvas (0–1) in each value."""
        return np.bincount(self.labels.ravel(), minlength=self.levels) / self.labels.size


def value_study(image: np.ndarray, *, levels: int = 3, min_area: int | None = None,
                detail: np.ndarray | None = None) -> ValueStudy:
    """The notan and a ``levels``-value study of ``image`` (float32 ``(H, W, 3)`` in [0, 1]).

    Args:
        levels: 3 or 5 values.
        min_area: smallest mass in pixels; default about 1/400 of the picture, so
            the study stays a handful of big shapes.
        detail: the detail map (float ``(H, W)`` in [0, 1], :mod:`assistant.plan.focus`), or None.
            Where it is high (a face) the squint is lighter and the masses may be as small as an
            eye socket, so that the study keeps the eyes, nose and mouth as a teacher's would;
            elsewhere the picture still melts into big shapes.

    Raises:
        ValueError: another number of levels, or a detail map of another size.
    """
    if levels not in VALUE_LEVELS:
        raise ValueError(f"Expected value levels 3 or 5. Received: levels={levels}")
    import cv2
    from skimage.filters import threshold_multiotsu, threshold_otsu

    height, width = image.shape[:2]
    if detail is not None and np.shape(detail) != (height, width):
        raise ValueError(f"Expected a detail map of size {(height, width)}. Received: detail.shape={np.shape(detail)}")
    lightness = rgb_to_lab(image)[..., 0].astype(np.float32)
    sigma = max(1.0, 0.006 * max(height, width))  # squint: small detail melts into its mass
    squinted = np.asarray(cv2.GaussianBlur(lightness, (0, 0), sigma), np.float32)
    if detail is not None:  # a face is looked at closely: a lighter squint where the detail is
        weight = np.clip(2.0 * np.asarray(detail, np.float32) - 1.0, 0.0, 1.0)
        sharp = cv2.GaussianBlur(lightness, (0, 0), max(0.7, sigma / 4))
        squinted = (squinted * (1.0 - weight) + sharp * weight).astype(np.float32)
    lightness = squinted
    sample = lightness[:: max(1, height // 256), :: max(1, width // 256)].ravel()
    if float(sample.max() - sample.min()) < 1e-3:  # a flat picture is one value
        cuts = np.linspace(0, 100, levels + 1)[1:-1]
        notan_cut = 50.0
    else:
        cuts = np.asarray(threshold_multiotsu(sample, classes=levels), dtype=np.float64)
        notan_cut = float(threshold_otsu(sample))
    min_area = max(16, height * width // 400) if min_area is None else int(min_area)
    # Where the detail is highest a mass may be as small as an eye: 1/40 of the big masses' size.
    fine_area = max(4, min_area // 40)
    labels = clean_labels(np.digitize(lightness, cuts).astype(np.int32), min_area=min_area, min_width=5, smooth=7,
                          detail=detail, fine_area=fine_area, fine_width=2)
    notan = clean_labels((lightness > notan_cut).astype(np.int32), min_area=min_area, min_width=5, smooth=7,
                         detail=detail, fine_area=fine_area, fine_width=2) > 0
    return ValueStudy(levels, labels, tuple(round(float(c), 1) for c in cuts), notan)


def earth_colour(palette: Palette) -> int:
    """Palette number (1-based) of the colour to tone and underpaint with: a mid-dark, warm, muted one."""
    lab = palette.lab.astype(np.float64)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360
    earthy = (hue >= 20) & (hue <= 95) & (chroma >= 5) & (chroma <= 60) & (lab[:, 0] >= 18) & (lab[:, 0] <= 70)
    candidates = np.flatnonzero(earthy)
    if candidates.size == 0:  # no earth in the palette: the darkest muted colour, thinned
        candidates = np.flatnonzero(chroma <= 25) if (chroma <= 25).any() else np.arange(len(palette))
    return int(candidates[np.argmin(np.abs(lab[candidates, 0] - 40))]) + 1


def first_step(
    study: ValueStudy, palette: Palette, *, medium: Medium | str, brush: Brush | None = None
) -> tuple[PaintingStep, np.ndarray, np.ndarray]:
    """The guide's step 1 from the value study: ``(step, canvas after it, what to look at)``.

    ``brush``: the wide brush to tone the canvas with (opaque media); named in the instruction.
    """
    medium = Medium.parse(medium)
    shares = study.shares()
    if medium.value.opaque:
        number = earth_colour(palette)
        colour = palette[number - 1]
        darkest = 100 * shares[0]
        step = PaintingStep(
            1,
            "Tone the canvas and underpaint the values",
            f"Thin colour {number}, {colour.name}, and tone the whole canvas with it"
            + (f" using {brush.words}" if brush is not None else "")
            + "; then, with the same colour, "
            f"block in the darkest masses of the value study ({darkest:.0f}% of the canvas) and wipe out the "
            "lightest ones with a rag. Let it dry.",
            (number,),
            100.0,
            (),
            brush.words if brush is not None else "",
            brush.width_mm if brush is not None else 0.0,
        )
        image = study.tinted(np.asarray(colour.rgb, dtype=np.float32) / 255.0)
        return step, image, image
    lightest = 100 * shares[-1]
    step = PaintingStep(
        1,
        "Value sketch and the whites to save",
        f"Draw the value masses lightly in pencil. Keep the lightest value white ({lightest:.0f}% of the canvas, "
        "pale in the picture): paint around it, or mask it with masking fluid.",
        (),
        0.0,
        (),
    )
    image = study.image()
    highlight = image.copy()
    highlight[study.labels == study.levels - 1] = (1.0, 1.0, 1.0)
    highlight[study.labels != study.levels - 1] *= 0.8
    return step, image, highlight.astype(np.float32)
