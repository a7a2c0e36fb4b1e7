"""What is off about a colour, in a painter's words, and how to fix it from the recipe.

The words come from the difference in lightness (value), chroma (saturation) and hue between the
paint on the canvas and the plan's colour, in CIELAB: a *value* is about 10 L* (a 10-step grey scale),
*warm* is the orange direction (hue 50°), *cool* the blue-green one. The fix is found with the guide's
own mixing model (Kubelka–Munk, :mod:`assistant.color.mixing`): each of the painter's paints is tried
as an addition to the recipe, in amounts from a touch to two parts in five, and each paint of the recipe
at a quarter less and at half; the change that moves the mix most nearly by the opposite of the error
is named ("add a touch of burnt umber", "use half as much titanium white"). When none takes away at
least 30 % of the error, the advice is to mix the recipe again.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..color.mixing import Recipe
    from ..color.paints import PaintSet

__all__ = ["describe_error", "fix_for", "region_advice"]

#: CIELAB L* of one value step (a 10-step grey scale).
VALUE_STEP = 10.0
_WARM = math.radians(50.0)  # the orange direction in the a*b* plane
#: Amounts tried for an added paint, as a share of the whole mix: from a touch to about two parts in five.
_AMOUNTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 0.4)
#: Or less of a paint already in the recipe: three quarters or half of its parts.
_LESS = (0.75, 0.5)


def describe_error(seen: np.ndarray, planned: np.ndarray) -> list[str]:
    """The one or two biggest differences between ``seen`` and ``planned`` (CIELAB), worst first."""
    seen, planned = np.asarray(seen, np.float64), np.asarray(planned, np.float64)
    d_l = seen[0] - planned[0]
    chroma_seen, chroma_plan = np.hypot(seen[1], seen[2]), np.hypot(planned[1], planned[2])
    d_c = chroma_seen - chroma_plan
    d_ab = seen[1:] - planned[1:]
    warm = float(d_ab @ (math.cos(_WARM), math.sin(_WARM)))
    other = float(d_ab @ (-math.sin(_WARM), math.cos(_WARM)))  # the green-yellow ↔ magenta direction
    parts = []
    if abs(d_l) >= 3:
        light = "light" if d_l > 0 else "dark"
        values = abs(d_l) / VALUE_STEP
        words = (f"a little too {light}" if values < 0.75 else f"a value too {light}" if values < 1.5
                 else f"{values:.0f} values too {light}")
        parts.append((abs(d_l), words))
    if abs(d_c) >= 4 and chroma_plan + chroma_seen > 6:
        parts.append((abs(d_c) / 1.4, "too saturated" if d_c > 0 else "too dull (greyed)"))
    hue_shift = math.hypot(warm, other) if chroma_plan > 6 or chroma_seen > 6 else abs(warm)
    if hue_shift >= 4 and abs(warm) >= abs(other):
        parts.append((abs(warm) / 1.2, "too warm" if warm > 0 else "too cool"))
    elif hue_shift >= 4:
        parts.append((abs(other) / 1.2, "too green" if other > 0 and seen[1] < planned[1] else
                      "too yellow" if other > 0 else "too pink" if seen[1] > planned[1] else "too purple"))
    parts.sort(key=lambda item: -item[0])
    return [words for _, words in parts[:2]]


def _parts_vector(recipe, names: tuple[str, ...]) -> np.ndarray | None:
    """The recipe as parts of each owned paint (a touch as its share of the whole), or None if a paint is not owned."""
    whole = sum(n for _, n in recipe.parts if n >= 1)
    touches = sum(n for _, n in recipe.parts if n < 1)
    total = whole / max(1e-9, 1 - touches) if whole else 1.0
    vector = np.zeros(len(names))
    for name, n in recipe.parts:
        if name not in names:
            return None
        vector[names.index(name)] += n if n >= 1 else n * total
    return vector


def fix_for(seen: np.ndarray, planned: np.ndarray, recipe: Recipe | None, paints: PaintSet | None, *,
            white: bool = True) -> str:
    """How to bring the paint from ``seen`` back to ``planned`` by adding one paint to the recipe's mix ('' if none helps).

    ``white=False``: no white paint is added (watercolour is made lighter with water, not white).
    """
    from ..color.mixing import mix_lab
    from ..color.spaces import delta_e2000

    if recipe is None or paints is None or not recipe.parts:
        return ""
    names = tuple(paints.names)
    parts = _parts_vector(recipe, names)
    if parts is None:
        return ""
    base = mix_lab(paints, parts)
    error = np.asarray(seen, np.float64) - np.asarray(planned, np.float64)
    start = float(delta_e2000(np.asarray(seen, np.float64)[None], np.asarray(planned, np.float64)[None])[0])
    trials, labels = [], []
    for j, name in enumerate(names):
        if not white and "white" in name:
            continue
        for share in _AMOUNTS:
            added = parts.copy()
            added[j] += share / (1 - share) * parts.sum()
            trials.append(added)
            labels.append((name, share))
        if parts[j] > 0 and np.count_nonzero(parts) > 1:  # or less of a paint already in the mix
            for keep in _LESS:
                fewer = parts.copy()
                fewer[j] *= keep
                trials.append(fewer)
                labels.append((name, keep - 1.0))
    mixed = mix_lab(paints, np.array(trials))
    # What the painter's mix becomes with the addition: their colour moved as the recipe's moves.
    after = np.asarray(seen, np.float64) + (mixed - base)
    distance = delta_e2000(after, np.broadcast_to(np.asarray(planned, np.float64), after.shape))
    best = int(np.argmin(distance))
    if not np.isfinite(distance[best]) or distance[best] > 0.7 * start or np.linalg.norm(error) < 1e-6:
        return ""
    name, share = labels[best]
    if share < 0:
        return f"use {'half as much' if share <= -0.5 else 'about a quarter less'} {name}"
    if share <= 1 / 16:
        return f"add a touch of {name}"
    if share <= 1 / 8:
        return f"add a little {name}"
    per = (1 - share) / share  # parts of the mix per part added
    ratio = f"1 part to every {round(per)} parts" if per >= 1.9 else "2 parts to every 3 parts"
    return f"add {name}, about {ratio} of your mix"


def region_advice(seen: np.ndarray, planned: np.ndarray, *, recipe: Recipe | None = None,
                  paints: PaintSet | None = None, medium: str = "acrylic",
                  number: int = 0) -> str:
    """The advice for a region painted off: what is wrong, the fix, and the medium's drying shift where it matters."""
    words = describe_error(seen, planned)
    if not words:
        return f"Slightly off in colour; compare it with swatch {number} in daylight." if number else ""
    text = " and ".join(words).capitalize()
    from ..plan.steps import Medium

    medium = Medium.parse(medium).name.lower().replace("watercolor", "watercolour")  # "watercolor" too
    watercolour = medium == "watercolour"
    fix = fix_for(seen, planned, recipe, paints, white=not watercolour)
    if watercolour and not fix and float(np.asarray(seen)[0] - np.asarray(planned)[0]) <= -3:
        text += ": lift some paint with a clean, damp brush while it is wet, or leave it and paint around it"
    elif fix:
        text += f": {fix}"
    elif recipe is not None and len(recipe.parts) == 1:
        text += f": paint it again with {recipe.parts[0][0]} straight from the tube"
    elif recipe is not None:
        text += f": mix it again ({recipe.text()})"
    d_l = float(np.asarray(seen)[0] - np.asarray(planned)[0])
    if medium == "acrylic":
        if d_l <= -3:
            text += ". Acrylics dry darker: mix it a touch lighter than the swatch"
        elif 3 <= d_l < 12:
            text += ". If it is still wet, let it dry first: acrylics dry a little darker"
    elif medium == "gouache" and d_l >= 3:
        text += ". Gouache dries lighter (the darks most): mix it a shade darker than the swatch"
    elif medium == "watercolour" and d_l >= 3:
        text += ". Watercolour dries lighter: add a second wash once this one is dry"
    return text + "."
