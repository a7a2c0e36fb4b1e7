"""Kubelka–Munk paint mixing and recipes from the paints a painter owns.

The model, written out so that anyone can check it (``tests/test_color_mixing.py`` does, with an
independent implementation built on colour-science):

1. Two-constant Kubelka–Munk: a mix of paints in volume parts ``p_i`` has
   ``K = Σ c_i K_i`` and ``S = Σ c_i S_i`` with ``c_i = p_i / Σ p`` (plain parts, no
   perceptual re-weighting, so "3 parts + 1 part" means exactly that).
2. Reflectance of an opaque film: ``R∞ = 1 + K/S − sqrt((K/S)² + 2 K/S)``.
3. Saunderson surface correction with ``k1 = 0.03`` and ``k2 = 0.65``, specular component
   excluded (how the data were measured, and how a painting is looked at: away from the
   glare): ``R = (1 − k1)(1 − k2) R∞ / (1 − k2 R∞)``.
4. Tristimulus values under CIE illuminant D65 with the CIE 1931 2° observer, summed at the
   data's 38 bands (380–750 nm, 10 nm), normalised so that a perfect white has ``Y = 1``;
   then CIELAB (D65 white) and CIEDE2000 against the palette colour.

Recipes are searched exhaustively: every set of at most 4 owned paints in whole parts with
at most 12 parts in all (ratios reduced, so 2:2 is 1:1) is mixed once per paint set into a
table, and each target gets the recipe with the smallest CIEDE2000, or, within ΔE 1 of it,
the one with the fewest paints. The nearest search is exact (branch and bound): table entries
are grouped in blocks of nearby L*, a*, b*, and lower bounds of CIEDE2000 taken from the
formula itself (:func:`_lower_bound`, :func:`_block_bound`) skip the blocks and rows that
cannot hold a better recipe.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .optics import (  # noqa: F401  (body_reflectance … are this module's API too)
    K1,
    K2,
    SRGB_FROM_XYZ,
    WAVELENGTHS,
    _colour,
    _observer,
    body_reflectance,
    hex_from_xyz,
    masstone_hex,
    mix_xyz,
    recover_reflectance,
    saunderson,
    unsaunderson,
    xyz_to_lab,
    xyz_to_srgb,
)
from .paints import Paint, PaintSet

__all__ = [
    "CLOSE",
    "Tint",
    "tints",
    "FAR",
    "MAX_PARTS",
    "MAX_RECIPE_PAINTS",
    "MixingTable",
    "Recipe",
    "find_recipes",
    "mix_lab",
    "mixing_table",
    "verdict",
]

MAX_PARTS = 12
MAX_RECIPE_PAINTS = 4
CLOSE, FAR = 3.0, 6.0  # CIEDE2000 bands: close < 3 <= noticeable < 6 <= far


def mix_lab(paints: PaintSet, parts: np.ndarray) -> np.ndarray:
    """CIELAB of ``paints`` mixed in ``parts`` (shape ``(..., len(paints))``)."""
    return xyz_to_lab(mix_xyz(paints.k, paints.s, parts))


def paint_hex(paint: Paint) -> str:
    """The masstone of one paint as sRGB hex."""
    return masstone_hex(paint.k, paint.s)


def verdict(delta_e: float) -> str:
    """CIEDE2000 in a painter's words."""
    return "close" if delta_e < CLOSE else "noticeable" if delta_e < FAR else "far"


@dataclass(frozen=True)
class Recipe:
    """How to mix one palette colour.

    Attributes:
        parts: ``(paint name, parts)`` pairs, most parts first: whole parts, or for "a touch
            of" a fraction below 1 that is the touch's share of the whole mix (1/16 down to 1/800).
        hex: the predicted colour of the mix (sRGB, clipped to the screen's gamut).
        lab: its CIELAB.
        delta_e: CIEDE2000 between the mix and the target colour.
        approximate: True when a paint in it is approximate (recovered from a colour).
        reason: why the target is out of reach ("no white", "too saturated" …) when far, else None.
        at_limit: True when the recipe is one owned paint straight from the tube and the target differs from
            it only by being darker (or lighter) than every owned paint: nothing the paints mix comes closer, so
            it reads as a close match (``reason`` says "as dark as your paints go"), not a far one.
    """

    parts: tuple[tuple[str, int | float], ...]
    hex: str
    lab: tuple[float, float, float]
    delta_e: float
    approximate: bool = False
    reason: str | None = None
    at_limit: bool = False

    @property
    def verdict(self) -> str:
        return "close" if self.at_limit else verdict(self.delta_e)

    @property
    def match(self) -> str:
        """The match in a painter's words: "close match", "noticeable match", "far match", or for a colour beyond
        the tubes' darkest (or lightest) "as near as your paints go" (not "close" beside a larger difference)."""
        return "as near as your paints go" if self.at_limit else f"{self.verdict} match"

    def note(self) -> str:
        """The line under a recipe that has a ``reason``: "As dark as your paints go: bone black straight." for one
        at the tubes' limit (nothing mixes nearer), "Out of reach: no white. Mix the nearest and adjust by eye." for a
        far one; "" without a reason."""
        if not self.reason:
            return ""
        if self.at_limit:
            return f"{self.reason[0].upper()}{self.reason[1:]}."
        return f"Out of reach: {self.reason}. Mix the nearest and adjust by eye."

    def text(self) -> str:
        """``"3 parts titanium white + 1 part ultramarine blue"``."""
        if len(self.parts) == 1:
            return f"{self.parts[0][0]} straight from the tube"
        return " + ".join(
            f"a touch of {name}" if n < 1 else f"{n} part{'s' if n != 1 else ''} {name}" for name, n in self.parts
        )

    def plan_dict(self) -> dict:
        record = {
            "paints": [
                {"name": name, "parts": n} if n >= 1 else {"name": name, "parts": 0, "touch": True, "share": n}
                for name, n in self.parts
            ],
            "hex": self.hex,
            "delta_e": round(self.delta_e, 2),
            "match": self.verdict,
        }
        if self.approximate:
            record["approximate"] = True
        if self.reason:
            record["reason"] = self.reason
        if self.at_limit:
            record["at_limit"] = True
        return record


@dataclass(frozen=True, eq=False)
class MixingTable:
    """Every recipe of a paint set, mixed once; rows grouped in blocks of nearby colours.

    Attributes:
        paints: the paint set.
        lab: float32 ``(N, 3)`` colour of each recipe.
        members: int8 ``(N, 4)`` paint indices (−1 = unused slot).
        parts: int8 ``(N, 4)`` whole parts of each member (0 for a touch).
        touch: int8 ``(N,)`` touch code: 0 for none; else ``last + 16 * previous`` where ``last`` is
            the level (1-based into ``TOUCHES``) of the last touch and ``previous`` that of a second
            touch before it (0 when there is one touch).
        count: int8 ``(N,)`` number of paints.
        chroma: float32 ``(N,)`` CIELAB chroma of each recipe (for the search's bounds).
        in_gamut: bool ``(N,)``, True when a screen can show the mix exactly.
        block_rows: int64 ``(M + 1,)`` first row of each block (and the end). A block holds the
            recipes in one cell of 2 L* × 8 a* × 8 b* units (:func:`_block_keys`).
        blocks: float32 ``(M, 7)`` per block: least and greatest L*, a*, b*, and greatest chroma.
    """

    paints: PaintSet
    lab: np.ndarray
    members: np.ndarray
    parts: np.ndarray
    touch: np.ndarray
    count: np.ndarray
    chroma: np.ndarray
    in_gamut: np.ndarray
    block_rows: np.ndarray
    blocks: np.ndarray

    def __len__(self) -> int:
        return len(self.lab)


TOUCHES = (1 / 16, 1 / 25, 1 / 50, 1 / 100, 1 / 200, 1 / 400, 1 / 800)  # "a touch of": its share of the whole mix
# Levels (1-based into TOUCHES) per base size: a single paint takes every level (pale tints and
# near-greys need the fine ones), a two-paint mix the coarser 1/16, 1/50 and 1/200.
_TOUCH_LEVELS = {1: (1, 2, 3, 4, 5, 6, 7), 2: (1, 3, 5)}
# A single paint may also take two touches (white + a touch of yellow + a touch of red: warm
# greys and creams), each at 1/50 … 1/800.
_TWO_TOUCH_LEVELS = (3, 4, 5, 6, 7)
# A two-paint mix with two touches (warm greys: white and black with touches of red and yellow)
# only for sets of up to 10 paints, where it adds under a million recipes.
_TWO_TOUCH_PAIR_LEVELS = (2, 3, 4, 5)
_TWO_TOUCH_PAIR_MAX_PAINTS = 10
TOUCH_BASE_PAINTS = 2  # a touch is added to mixes of one or two paints


@functools.cache
def _part_tuples(k: int) -> np.ndarray:
    """All reduced ``k``-tuples of positive whole parts with a total of at most MAX_PARTS."""
    rows = [p for p in itertools.product(range(1, MAX_PARTS + 1), repeat=k) if sum(p) <= MAX_PARTS and math.gcd(*p) == 1]
    return np.array(rows, dtype=np.int8)


def _table_chunk(shares: np.ndarray, curves: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Lab and in-gamut flags for every part tuple × every subset in a chunk (float32 for speed).

    Same model as :func:`saunderson` of :func:`body_reflectance`, rewritten with
    ``1 / R∞ = 1 + K/S + sqrt((K/S)² + 2 K/S)``: the observed reflectance is
    ``(1 − k1)(1 − k2) / (1 / R∞ − k2)``. That takes fewer passes over the chunk, all in
    place, and has no cancellation for dark, strongly absorbing mixes.
    """
    weights, _ = _observer()
    mixed = np.matmul(shares[None], curves).reshape(-1, 2 * n_bands)
    ratio = mixed[:, :n_bands] / mixed[:, n_bands:]
    root = ratio + 2.0
    root *= ratio
    np.sqrt(root, out=root)
    root += ratio
    root += np.float32(1.0 - K2)  # 1 / R∞ − k2
    np.reciprocal(root, out=root)
    xyz = root @ (weights * ((1.0 - K1) * (1.0 - K2))).astype(np.float32)
    linear = xyz @ SRGB_FROM_XYZ.T.astype(np.float32)
    in_gamut = ((linear > -2e-3) & (linear < 1.002)).all(axis=1)
    return xyz_to_lab(xyz), in_gamut


def _families(n: int):
    """``(subsets (m, k), shares (t, k), parts (t, k), touch levels (t,))`` covering every recipe.

    Whole-part recipes have touch level 0; a touch recipe adds the last member at
    ``TOUCHES[level - 1]`` of the mix (its parts are 0).
    """
    for k in range(1, min(MAX_RECIPE_PAINTS, n) + 1):
        tuples = _part_tuples(k)
        shares = tuples / tuples.sum(axis=1, keepdims=True)
        yield np.array(list(itertools.combinations(range(n), k)), np.int8), shares, tuples, np.zeros(len(tuples), np.int8)
    for k in range(1, min(TOUCH_BASE_PAINTS, n - 1) + 1):
        subsets = [(*base, touch) for base in itertools.combinations(range(n), k) for touch in range(n) if touch not in base]
        base = _part_tuples(k)
        chosen = np.array(_TOUCH_LEVELS[k], dtype=np.int8)
        tuples = np.concatenate([np.pad(base, ((0, 0), (0, 1)))] * len(chosen))
        levels = np.repeat(chosen, len(base))
        touch = np.array(TOUCHES)[levels - 1]
        shares = np.concatenate([base / base.sum(axis=1, keepdims=True)] * len(chosen)) * (1.0 - touch[:, None])
        yield np.array(subsets, np.int8), np.concatenate([shares, touch[:, None]], axis=1), tuples, levels
    if n >= 3:  # one paint and two touches
        subsets = [(base, *pair) for base in range(n) for pair in itertools.combinations(range(n), 2) if base not in pair]
        pairs = np.array(list(itertools.product(_TWO_TOUCH_LEVELS, repeat=2)), dtype=np.int8)
        first, second = np.array(TOUCHES)[pairs[:, 0] - 1], np.array(TOUCHES)[pairs[:, 1] - 1]
        shares = np.stack([1.0 - first - second, first, second], axis=1)
        tuples = np.tile(np.array([[1, 0, 0]], np.int8), (len(pairs), 1))
        codes = (pairs[:, 1] + 16 * pairs[:, 0]).astype(np.int8)
        yield np.array(subsets, np.int8), shares, tuples, codes
    if 4 <= n <= _TWO_TOUCH_PAIR_MAX_PAINTS:  # two paints and two touches
        subsets = [(*base, *pair) for base in itertools.combinations(range(n), 2)
                   for pair in itertools.combinations([i for i in range(n) if i not in base], 2)]
        base = _part_tuples(2)
        pairs = np.array(list(itertools.product(_TWO_TOUCH_PAIR_LEVELS, repeat=2)), dtype=np.int8)
        first, second = np.array(TOUCHES)[pairs[:, 0] - 1], np.array(TOUCHES)[pairs[:, 1] - 1]
        rest = np.repeat(1.0 - first - second, len(base))
        base_shares = np.tile(base / base.sum(axis=1, keepdims=True), (len(pairs), 1)) * rest[:, None]
        shares = np.concatenate([base_shares, np.repeat(first, len(base))[:, None],
                                 np.repeat(second, len(base))[:, None]], axis=1)
        tuples = np.tile(np.pad(base, ((0, 0), (0, 2))), (len(pairs), 1))
        codes = np.repeat(pairs[:, 1] + 16 * pairs[:, 0], len(base)).astype(np.int8)
        yield np.array(subsets, np.int8), shares, tuples, codes


@functools.lru_cache(maxsize=4)
def mixing_table(paints: PaintSet) -> MixingTable:
    """Mix every recipe of ``paints``, once; cached per paint set.

    Recipes: at most 4 paints in whole parts, at most 12 parts in all; mixes of two paints with a
    touch (1/16, 1/50 or 1/200 of the mix) of another; a single paint with a touch (1/16 down to
    1/800) of another or with touches of two others (1/50 down to 1/800 each); in sets of up to 10
    paints also two paints with touches of two others (1/25 down to 1/200 each). About 2.5 million
    recipes for 19 paints, built in about half a second.
    """
    n = len(paints)
    n_bands = len(WAVELENGTHS)
    curves = np.concatenate([paints.k, paints.s], axis=1).astype(np.float32)
    labs, gamuts, members, parts, touches, counts = [], [], [], [], [], []
    for subsets, shares, tuples, levels in _families(n):
        k = subsets.shape[1]
        step = max(1, 10_000 // len(tuples))  # chunks of ~10k mixes (3 MB of curves) stay in cache
        slots = np.zeros((len(tuples), MAX_RECIPE_PAINTS), dtype=np.int8)
        slots[:, :k] = tuples
        for start in range(0, len(subsets), step):
            chunk = subsets[start : start + step]
            lab, gamut = _table_chunk(shares.astype(np.float32), curves[chunk], n_bands)
            labs.append(lab)
            gamuts.append(gamut)
            pad = np.full((len(chunk), len(tuples), MAX_RECIPE_PAINTS), -1, dtype=np.int8)
            pad[:, :, :k] = chunk[:, None, :]
            members.append(pad.reshape(-1, MAX_RECIPE_PAINTS))
            parts.append(np.broadcast_to(slots, (len(chunk), *slots.shape)).reshape(-1, MAX_RECIPE_PAINTS))
            touches.append(np.broadcast_to(levels, (len(chunk), len(levels))).reshape(-1))
            counts.append(np.full(len(lab), k, dtype=np.int8))
    lab = np.concatenate(labs)
    keys = _block_keys(lab)
    order = np.argsort(keys, kind="stable")  # a radix sort for 16-bit keys
    lab, keys = _take_rows(lab, order), keys[order]
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    block_rows = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1, [len(keys)]]).astype(np.int64)
    first = block_rows[:-1]
    blocks = np.stack([np.minimum.reduceat(lab[:, 0], first), np.maximum.reduceat(lab[:, 0], first),
                       np.minimum.reduceat(lab[:, 1], first), np.maximum.reduceat(lab[:, 1], first),
                       np.minimum.reduceat(lab[:, 2], first), np.maximum.reduceat(lab[:, 2], first),
                       np.maximum.reduceat(chroma, first)], axis=1)
    return MixingTable(
        paints=paints,
        lab=lab,
        members=_take_rows(np.concatenate(members), order),
        parts=_take_rows(np.concatenate(parts), order),
        touch=np.concatenate(touches)[order],
        count=np.concatenate(counts)[order],
        chroma=chroma,
        in_gamut=np.concatenate(gamuts)[order],
        block_rows=block_rows,
        blocks=blocks.astype(np.float32),
    )


def _take_rows(array: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``array[order]`` for a 2-D array, gathering whole rows as single items (several times faster)."""
    array = np.ascontiguousarray(array)
    row = np.dtype((np.void, array.shape[1] * array.itemsize))
    return array.view(row).ravel()[order].view(array.dtype).reshape(-1, array.shape[1])


def _block_keys(lab: np.ndarray) -> np.ndarray:
    """uint16 cell number of each colour: 51 steps of 2 L*, then 32 × 32 steps of 8 a* and 8 b* (±128)."""
    light = np.clip(lab[:, 0] * 0.5, 0, 50).astype(np.uint16)
    a = np.clip((lab[:, 1] + 128.0) * 0.125, 0, 31).astype(np.uint16)
    b = np.clip((lab[:, 2] + 128.0) * 0.125, 0, 31).astype(np.uint16)
    return light * 1024 + a * 32 + b


def _de2000_to(lab: np.ndarray, target: np.ndarray) -> np.ndarray:
    """CIEDE2000 (Sharma, Wu and Dalal 2005) from every row of ``lab`` to one ``target``."""
    L1, a1, b1 = (float(v) for v in target)
    L2, a2, b2 = lab[:, 0], lab[:, 1], lab[:, 2]
    c_mean = 0.5 * (math.hypot(a1, b1) + np.hypot(a2, b2))
    c7 = c_mean**7
    g = 0.5 * (1.0 - np.sqrt(c7 / (c7 + 25.0**7)))
    a1p, a2p = a1 * (1.0 + g), a2 * (1.0 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    dL = L2 - L1
    dC = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(c1p * c2p == 0.0, 0.0, dh)
    dH = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)
    L_mean = 0.5 * (L1 + L2)
    cp_mean = 0.5 * (c1p + c2p)
    h_sum = h1p + h2p
    h_mean = np.where(np.abs(h1p - h2p) > 180.0, np.where(h_sum < 360.0, h_sum + 360.0, h_sum - 360.0), h_sum) / 2.0
    h_mean = np.where(c1p * c2p == 0.0, h_sum, h_mean)
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_mean - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_mean))
        + 0.32 * np.cos(np.radians(3.0 * h_mean + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_mean - 63.0))
    )
    s_l = 1.0 + 0.015 * (L_mean - 50.0) ** 2 / np.sqrt(20.0 + (L_mean - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_mean
    s_h = 1.0 + 0.015 * cp_mean * t
    cp7 = cp_mean**7
    r_t = -2.0 * np.sqrt(cp7 / (cp7 + 25.0**7)) * np.sin(np.radians(60.0 * np.exp(-(((h_mean - 275.0) / 25.0) ** 2))))
    x, y = dC / s_c, dH / s_h
    return np.sqrt((dL / s_l) ** 2 + x * x + y * y + r_t * x * y)


def _s_l(l_mean: np.ndarray) -> np.ndarray:
    """CIEDE2000 lightness weight S_L at mean lightness ``l_mean``."""
    squared = (l_mean - 50.0) ** 2
    return 1.0 + 0.015 * squared / np.sqrt(20.0 + squared)


def _chroma_factor(c_sum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For a chroma sum C1 + C2 at most ``c_sum``: the largest S_C, and the least share of
    (ΔC'² + ΔH'²) / S_C² the rotation term R_T can leave (``1 − |R_T| / 2``)."""
    s_c = 1.0 + 0.03375 * c_sum  # C̄' ≤ 0.75 (C1 + C2), since a' ≤ 1.5 a
    q = c_sum * np.float32(0.75 / 25.0)  # C̄' / 25, at most
    q = q * q
    q7 = q * q * q * np.sqrt(q)
    sin60 = np.float32(math.sin(math.pi / 3))
    return s_c, (1.0 - sin60) + sin60 * (1.0 - np.sqrt(q7 / (q7 + 1.0)))


def _lower_bound(lab: np.ndarray, chroma: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A cheap lower bound of CIEDE2000² from ``target`` to each row (float32).

    From the formula: S_C ≥ S_H; |Δa'| ≥ |Δa|; and the rotation term |R_T| ≤ 2 sin 60° ·
    sqrt(C̄'⁷ / (C̄'⁷ + 25⁷)), so the chroma–hue part is at least (1 − |R_T| / 2)(Δa² + Δb²) / S_C²
    (:func:`_chroma_factor`). For the greys and browns of most palettes R_T is small, and the
    bound is nearly the Euclidean distance scaled by S_C.
    """
    t_light, t_a, t_b = (np.float32(v) for v in target)
    d_light = lab[:, 0] - t_light
    s_l = _s_l(d_light * 0.5 + t_light)
    s_c, rotation = _chroma_factor(chroma + np.float32(math.hypot(target[1], target[2])))
    d_ab2 = (lab[:, 1] - t_a) ** 2 + (lab[:, 2] - t_b) ** 2
    return (d_light / s_l) ** 2 + rotation * d_ab2 / (s_c * s_c)


def _block_bound(table: MixingTable, target: np.ndarray) -> np.ndarray:
    """A lower bound of CIEDE2000² from ``target`` to every row of each block: as
    :func:`_lower_bound`, with the block's nearest corner and its worst-case weights."""
    t_light, t_a, t_b = (np.float32(v) for v in target)
    lo_l, hi_l, lo_a, hi_a, lo_b, hi_b, c_max = table.blocks.T
    d_light = np.maximum(np.maximum(lo_l - t_light, t_light - hi_l), 0.0)
    s_l = np.maximum(_s_l((lo_l + t_light) * 0.5), _s_l((hi_l + t_light) * 0.5))  # S_L is largest at an end
    d_a = np.maximum(np.maximum(lo_a - t_a, t_a - hi_a), 0.0)
    d_b = np.maximum(np.maximum(lo_b - t_b, t_b - hi_b), 0.0)
    s_c, rotation = _chroma_factor(c_max + np.float32(math.hypot(target[1], target[2])))
    return (d_light / s_l) ** 2 + rotation * (d_a * d_a + d_b * d_b) / (s_c * s_c)


def _block_rows(table: MixingTable, blocks: np.ndarray) -> np.ndarray:
    """The rows of the given blocks, in order."""
    starts = table.block_rows[blocks]
    lengths = table.block_rows[blocks + 1] - starts
    if not len(lengths):
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]))


def _nearest(index: np.ndarray, low: np.ndarray, lab: np.ndarray, target: np.ndarray, bound: float):
    """Branch and bound over candidate rows: the least CIEDE2000 within ``bound``, or None.

    ``low`` holds squared lower bounds (:func:`_lower_bound`); rows are evaluated in batches
    in ascending order of it, and rows whose bound exceeds the best found are dropped, so
    the answer is exact.
    """
    keep = low <= bound * bound
    index, low = index[keep], low[keep]
    best_row, best = None, bound
    batch = 4096
    while index.size:
        take: np.ndarray | slice
        rest: np.ndarray | slice
        if index.size > 4 * batch:  # only big candidate sets are worth partitioning
            split = np.argpartition(low, batch)
            take, rest = split[:batch], split[batch:]
        else:
            take, rest = slice(None), slice(0, 0)
        error = _de2000_to(lab[index[take]], target)
        pick = int(np.argmin(error))
        if error[pick] <= best:
            best_row, best = int(index[take][pick]), float(error[pick])
        index, low = index[rest], low[rest]
        keep = low <= best * best
        index, low = index[keep], low[keep]
        batch *= 8
    return None if best_row is None else (best_row, best)


def _best_row(table: MixingTable, target: np.ndarray, *, gamut_only: bool) -> tuple[int, float]:
    """Exact: the row with the least ΔE, or within ΔE 1 of it the one with the fewest paints.

    With ``gamut_only`` (the mixable palette) a recipe with fewer paints must also stay
    within ΔE 1 of the target, so that every recipe of that palette matches.
    """
    block_low = _block_bound(table, target)
    # A first upper bound: the Lab-nearest of the rows in the blocks that may lie nearest.
    order = np.argsort(block_low)
    taken = 8
    while True:
        index = _block_rows(table, np.sort(order[:taken]))
        if gamut_only:
            index = index[table.in_gamut[index]]
        if index.size >= 64 or taken >= len(order):
            break
        taken *= 4
    if not index.size:
        raise ValueError("Expected a mixable colour. Received: no recipe can be shown on screen")
    distance = ((table.lab[index] - target.astype(np.float32)) ** 2).sum(axis=1)
    closest = index[np.argpartition(distance, 63)[:64]] if index.size > 64 else index
    first = float(_de2000_to(table.lab[closest], target).min()) + 1e-4
    # Every row that can matter below (the fewer-paint searches too) is within ΔE first + 1.
    bound = first + 1.0
    index = _block_rows(table, np.flatnonzero(block_low <= bound * bound))
    low = _lower_bound(table.lab[index], table.chroma[index], target)
    keep = low <= bound * bound
    if gamut_only:
        keep &= table.in_gamut[index]
    index, low = index[keep], low[keep]
    row, error = _nearest(index, low, table.lab, target, first)
    count = table.count[index]
    # Fewer paints, if one is within ΔE 1 (for the mixable palette: and still within ΔE 1 of the target).
    slack = error + 1.0 if not gamut_only else max(error, 1.0)
    for fewer in range(1, int(table.count[row])):
        same = count == fewer
        found = _nearest(index[same], low[same], table.lab, target, slack)
        if found is not None:
            return found
    return row, error


def _reason(target: np.ndarray, mixed: np.ndarray, paints: PaintSet) -> str:
    """Why a far target is out of reach, from the largest gap between it and the best mix."""
    d_light = float(target[0] - mixed[0])
    d_chroma = float(np.hypot(*target[1:]) - np.hypot(*mixed[1:]))
    if abs(d_light) >= max(d_chroma, 0.0) * 1.5:
        if d_light > 0:
            return "no white" if not paints.has_white else "too light for these paints"
        return "too dark for these paints"
    if d_chroma > 0:
        return "too saturated for these paints"
    return "hue out of reach of these paints"


def _row_shares(table: MixingTable, row: int) -> np.ndarray:
    """The share of each owned paint in one recipe row."""
    members, parts, code = table.members[row], table.parts[row].astype(np.float64), int(table.touch[row])
    levels = [level for level in (code // 16, code % 16) if level]  # the touches, in slot order
    touches = [TOUCHES[level - 1] for level in levels]
    share = np.zeros(len(table.paints))
    whole = parts / parts.sum() * (1.0 - sum(touches))
    touch_slots = iter(touches)
    for slot, member in enumerate(members):
        if member >= 0:
            share[int(member)] = whole[slot] if parts[slot] else next(touch_slots)
    return share


def recipe_from_row(table: MixingTable, row: int, target: np.ndarray | None = None) -> Recipe:
    """The :class:`Recipe` of one table row, with its ΔE to ``target`` when given."""
    share = _row_shares(table, row)
    members, parts = table.members[row], table.parts[row]
    pairs = [(table.paints.paints[int(m)], int(p), float(share[int(m)])) for m, p in zip(members, parts) if m >= 0]
    pairs.sort(key=lambda pair: (-pair[1], pair[0].name))
    names = [(paint.name, n if n else round(fraction, 4)) for paint, n, fraction in pairs]
    xyz = mix_xyz(table.paints.k, table.paints.s, share)
    lab = xyz_to_lab(xyz)
    error = 0.0 if target is None else float(_de2000_to(lab[None], np.asarray(target, np.float64))[0])
    reason = _reason(np.asarray(target, np.float64), lab, table.paints) if target is not None and error >= FAR else None
    at_limit = False
    if target is not None and error >= CLOSE and len(pairs) == 1 and _beyond_paints(table.paints, lab, target):
        at_limit = True
        reason = f"as {'dark' if target[0] < lab[0] else 'light'} as your paints go: {pairs[0][0].name} straight"
    return Recipe(
        parts=tuple(names),
        hex=hex_from_xyz(xyz),
        lab=(round(float(lab[0]), 2), round(float(lab[1]), 2), round(float(lab[2]), 2)),
        delta_e=round(error, 3),
        approximate=any(paint.approximate for paint, _, _ in pairs),
        reason=reason,
        at_limit=at_limit,
    )


def _beyond_paints(paints: PaintSet, tube_lab: np.ndarray, target) -> bool:
    """Whether ``target`` misses the paint ``tube_lab`` (the best recipe: one owned paint, straight) only by
    being darker than every owned paint (or lighter than every one), by at most 2 × :data:`FAR` in L*.

    A photo's black (L* 0) is darker than any paint dries: bone black straight from the tube is the exact
    paint there, not a far match. A white target with only dark paints stays far (the gap is too large).
    """
    target = np.asarray(target, np.float64)
    tubes = xyz_to_lab(mix_xyz(paints.k, paints.s, np.eye(len(paints))))[:, 0]
    beyond = target[0] < tubes.min() or target[0] > tubes.max()
    same_colour = np.array([tube_lab[0], target[1], target[2]])  # the target at the paint's lightness
    return bool(beyond and abs(target[0] - tube_lab[0]) <= 2 * FAR
                and _de2000_to(same_colour[None], tube_lab)[0] < CLOSE)


@dataclass(frozen=True)
class Tint:
    """A palette colour mixed from another palette colour and white: ``colour_parts`` of colour
    ``base`` (1-based) + ``white_parts`` of ``white`` (same paints, same ratios, more white)."""

    base: int
    colour_parts: int
    white_parts: int
    white: str

    def text(self) -> str:
        """``"or: 1 part of colour 3 + 2 parts titanium white"``."""
        return (f"or: {self.colour_parts} part{'s' if self.colour_parts != 1 else ''} of colour {self.base} + "
                f"{self.white_parts} part{'s' if self.white_parts != 1 else ''} {self.white}")


# Simple mixes a painter measures by eye: (colour parts, white parts).
_TINT_RATIOS = ((2, 1), (1, 1), (2, 3), (1, 2), (1, 3), (1, 4), (1, 6), (1, 8))


def tints(recipes: Sequence[Recipe]) -> dict[int, Tint]:
    """Palette colours (1-based) that are a darker palette colour plus white: the same paints in the same
    ratios, with more white. Mixing them from the darker pile saves mixing the ratio anew and keeps the
    two colours related, as painters do with a value scale.

    A colour qualifies when its non-white paints are those of another colour in proportions within 10 %,
    and a simple ratio of that colour and white (2:1 … 1:8) gives its white share within 5 points.
    """
    found: dict[int, Tint] = {}
    shares = [_white_share(recipe) for recipe in recipes]
    for j, (white_j, rest_j, name_j) in enumerate(shares):
        if name_j is None or white_j <= 0:
            continue
        best = None
        for i, (white_i, rest_i, _) in enumerate(shares):
            if i == j or white_i >= white_j or set(rest_i) != set(rest_j) or not rest_i:
                continue
            if any(abs(rest_i[n] - rest_j[n]) > 0.1 for n in rest_i):
                continue
            for colour_parts, white_parts in _TINT_RATIOS:
                share = (colour_parts * white_i + white_parts) / (colour_parts + white_parts)
                error = abs(share - white_j)
                if error <= 0.05 and (best is None or error < best[0]):
                    best = (error, Tint(i + 1, colour_parts, white_parts, name_j))
        if best is not None:
            found[j + 1] = best[1]
    return found


def _white_share(recipe) -> tuple[float, dict[str, float], str | None]:
    """(white's share of the mix, the other paints' shares among themselves, the white's name or None)."""
    if any(n < 1 for _, n in recipe.parts):  # a touch of something: not worth the shortcut
        return 0.0, {}, None
    whole = [(name, float(n)) for name, n in recipe.parts]
    total = sum(n for _, n in whole)
    whites = [(name, n) for name, n in whole if "white" in name]
    if total <= 0 or len(whites) != 1:
        return 0.0, {}, None
    rest = {name: n for name, n in whole if "white" not in name}
    rest_total = sum(rest.values())
    return whites[0][1] / total, {n: v / rest_total for n, v in rest.items()} if rest_total else {}, whites[0][0]


def find_recipes(targets_lab: np.ndarray, paints: PaintSet, *, gamut_only: bool = False) -> tuple[Recipe, ...]:
    """The recipe for each CIELAB target ``(n, 3)`` from ``paints``.

    Args:
        targets_lab: colours to mix.
        paints: the owned paints.
        gamut_only: only consider mixes a screen can show exactly (used for the mixable palette).

    Raises:
        ValueError: a malformed target array.
    """
    targets = np.asarray(targets_lab, dtype=np.float64)
    if targets.ndim != 2 or targets.shape[1] != 3 or not np.isfinite(targets).all():
        raise ValueError(f"Expected finite CIELAB colours of shape (n, 3). Received: shape={targets.shape}")
    table = mixing_table(paints)
    recipes = []
    for target in targets:
        row, _ = _best_row(table, target, gamut_only=gamut_only)
        recipes.append(recipe_from_row(table, row, target))
    return tuple(recipes)
