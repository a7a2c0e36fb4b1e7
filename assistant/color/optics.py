"""The optics of paint films: Kubelka–Munk, the Saunderson surface, and what the eye sees of them.

The formulas :mod:`assistant.color.mixing` mixes with and :mod:`assistant.color.paints` builds
approximate paints with (both import this module; it imports neither). The model is written
out in :mod:`assistant.color.mixing`'s docstring; :data:`WAVELENGTHS` are the 38 bands of the
measured paint data.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence

import numpy as np

__all__ = ["K1", "K2", "SRGB_FROM_XYZ", "WAVELENGTHS", "body_reflectance", "hex_from_xyz", "masstone_hex", "mix_xyz",
           "observer_from_colour", "recover_reflectance", "saunderson", "unsaunderson", "xyz_to_lab", "xyz_to_srgb"]

#: The bands of the measured K and S curves: 380–750 nm every 10 nm.
WAVELENGTHS = tuple(range(380, 751, 10))
K1, K2 = 0.03, 0.65
SRGB_FROM_XYZ = np.array(
    [[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560], [0.0556434, -0.2040259, 1.0572252]]
)


def _colour():
    """colour-science, imported quietly (it warns that matplotlib is missing, which we never need)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
    return colour


def observer_from_colour() -> tuple[np.ndarray, np.ndarray]:
    """``(cmfs (38, 3), d65 (38,))``: the CIE 1931 2° observer and D65 at the data's bands, from colour-science."""
    colour = _colour()
    shape = colour.SpectralShape(WAVELENGTHS[0], WAVELENGTHS[-1], 10)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape).values
    d65 = colour.SDS_ILLUMINANTS["D65"].copy().align(shape).values
    return np.asarray(cmfs, np.float64), np.asarray(d65, np.float64)


@functools.cache
def _observer() -> tuple[np.ndarray, np.ndarray]:
    """``(weights, white)``: CIE 1931 2° × D65 at the data's bands (38, 3) with Y(white) = 1.

    From :mod:`.observer_table` (colour-science's data written out once): importing colour-science
    costs a guide's process about a second.
    """
    from .observer_table import ROWS

    table = np.array(ROWS, np.float64)
    weights = table[:, 1:4] * table[:, 4:5]
    weights /= weights[:, 1].sum()
    return weights, weights.sum(axis=0)


def body_reflectance(k: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Kubelka–Munk reflectance of an opaque film, ``R∞``, from K and S (any shape)."""
    ratio = np.asarray(k) / np.asarray(s)
    return 1.0 + ratio - np.sqrt(ratio * (ratio + 2.0))


def saunderson(body: np.ndarray) -> np.ndarray:
    """What the eye sees of a film whose body reflectance is ``R∞`` (specular excluded)."""
    return (1.0 - K1) * (1.0 - K2) * body / (1.0 - K2 * body)


def unsaunderson(observed: np.ndarray) -> np.ndarray:
    """Inverse of :func:`saunderson`, clipped to a physical body reflectance."""
    observed = np.asarray(observed, dtype=np.float64)
    return np.clip(observed / ((1.0 - K1) * (1.0 - K2) + K2 * observed), 1e-4, 0.9999)


def xyz_to_lab(xyz: np.ndarray) -> np.ndarray:
    """CIE 1976 L*a*b* relative to the D65 white of :func:`_observer`."""
    _, white = _observer()
    xyz = np.asarray(xyz)
    xyz = xyz if xyz.dtype == np.float32 else xyz.astype(np.float64)  # float32 stays float32 (the table)
    f = xyz / white.astype(xyz.dtype)
    delta = 6.0 / 29.0
    f = np.where(f > delta**3, np.cbrt(np.maximum(f, 0.0)), f / (3 * delta * delta) + 4.0 / 29.0)
    return np.stack(
        [116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], axis=-1
    )


def xyz_to_srgb(xyz: np.ndarray) -> np.ndarray:
    """XYZ (D65, Y = 1) → sRGB in [0, 1] (IEC 61966-2-1), clipped to the gamut."""
    linear = np.clip(np.asarray(xyz, dtype=np.float64) @ SRGB_FROM_XYZ.T, 0.0, 1.0)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def hex_from_xyz(xyz: np.ndarray) -> str:
    """XYZ (D65, Y = 1) as an sRGB hex colour."""
    rgb = np.clip(np.rint(xyz_to_srgb(xyz) * 255.0), 0, 255).astype(int)
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def recover_reflectance(hex_color: str) -> np.ndarray:
    """A smooth reflectance curve with exactly this sRGB colour under D65 (Meng et al. 2015)."""
    colour = _colour()
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255.0
    xyz = colour.sRGB_to_XYZ(rgb)
    shape = colour.SpectralShape(WAVELENGTHS[0], WAVELENGTHS[-1], 10)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape)
    d65 = colour.SDS_ILLUMINANTS["D65"].copy().align(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        curve = colour.recovery.XYZ_to_sd_Meng2015(xyz, cmfs, d65)
    return np.clip(np.asarray(curve.values, dtype=np.float64), 1e-3, 0.999)


def mix_xyz(k: np.ndarray, s: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """XYZ of paints with curves ``k``, ``s`` ``(n, 38)`` mixed in ``parts`` ``(..., n)``."""
    parts = np.asarray(parts, dtype=np.float64)
    share = parts / parts.sum(axis=-1, keepdims=True)
    reflectance = saunderson(body_reflectance(share @ k, share @ s))
    return reflectance @ _observer()[0]


def masstone_hex(k: Sequence[float] | np.ndarray, s: Sequence[float] | np.ndarray) -> str:
    """The masstone (the paint straight from the tube) of a paint with curves ``k``, ``s`` as sRGB hex."""
    return hex_from_xyz(mix_xyz(np.array([k]), np.array([s]), np.ones(1)))
