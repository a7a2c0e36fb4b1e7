"""Mixing recipes: how close the recipes come, against two naive baselines; and how fast.

    python bench/mixing.py            # prints a Markdown report (run on an idle machine)

Targets: the 12-colour palettes of the sample photos' guides (astronaut, coffee, chelsea).
For the 7-tube limited palette and for all 19 measured paints, CIEDE2000 between each
palette colour and (mean, p90, max):

* ours: the exhaustive Kubelka–Munk recipe search (assistant.color.mixing);
* nearest tube: the best single tube, or tube + titanium white in whole parts up to 12;
* RGB average: the recipe whose parts, averaged in sRGB (what naive tools do), come
  closest to the target; then mixed for real with Kubelka–Munk and measured.

Physical limit: for the 7-tube set's worst colours, the best mix of the 7 paints in any
proportions (no limit on parts or paints; multi-start Nelder–Mead), which tells a search miss
from a colour the paints cannot make.

Goals with the 7 tubes: mean <= 2.5, p90 <= 5.0. Speed: the recipe table for 19 paints
(<= 1 s) and 32 recipes (<= 0.5 s), timed after colour-science is imported.
"""

from __future__ import annotations

import functools
import time

import numpy as np
from common import PHOTOS, photo


def _stats(values) -> str:
    values = np.asarray(values)
    return f"{values.mean():.2f} / {np.percentile(values, 90):.2f} / {values.max():.2f}"


def _nearest_tube(targets, paints) -> np.ndarray:
    from assistant.color.mixing import mix_lab
    from assistant.color.spaces import delta_e2000

    candidates = []
    white = paints.names.index("titanium white") if "titanium white" in paints.names else None
    for i in range(len(paints)):
        for w in range(0, 12 if white is not None and white != i else 1):
            parts = np.zeros(len(paints))
            parts[i] = 1
            if w:
                parts[white] = w
            candidates.append(mix_lab(paints, parts))
    candidates = np.array(candidates)
    return np.array([delta_e2000(candidates, t[None]).min() for t in targets])


def _rgb_average(targets, paints) -> np.ndarray:
    """Pick the recipe by averaging tube colours in sRGB, then measure it with Kubelka–Munk."""
    from assistant.color.mixing import mixing_table, paint_hex, recipe_from_row
    from assistant.color.spaces import delta_e2000, lab_to_rgb

    table = mixing_table(paints)
    tubes = np.array([[int(paint_hex(p)[i : i + 2], 16) / 255 for i in (1, 3, 5)] for p in paints])
    shares = np.zeros((len(table), len(paints)), dtype=np.float32)
    for slot in range(table.members.shape[1]):
        member = table.members[:, slot]
        used = member >= 0
        weight = np.where(table.parts[:, slot] > 0, table.parts[:, slot], 0).astype(np.float32)
        shares[np.flatnonzero(used), member[used]] += weight[used]
    shares /= np.maximum(shares.sum(axis=1, keepdims=True), 1e-9)
    averaged = shares @ tubes  # touch rows count as whole-part rows without their touch
    errors = []
    for target in targets:
        rgb = lab_to_rgb(target[None].astype(np.float32))[0]
        row = int(np.argmin(((averaged - rgb) ** 2).sum(axis=1)))
        mixed = recipe_from_row(table, row)
        errors.append(float(delta_e2000(np.array(mixed.lab), target)))
    return np.array(errors)


@functools.cache
def _palette_lab(name: str, spec: str) -> np.ndarray:
    """CIELAB of the 12-colour guide palette of a sample photo with a paint set (made once per run)."""
    from assistant import GuideOptions, make_guide

    return make_guide(photo(name), GuideOptions(n_colors=12, paints=spec)).palette.lab.astype(np.float64)


def quality() -> list[str]:
    from assistant.color.mixing import find_recipes
    from assistant.color.paints import parse_paints

    rows = ["| paints | photo | ours mean / p90 / max | nearest tube (+ white) | RGB-average recipe |",
            "|---|---|---|---|---|"]
    for spec in ("limited-7", "golden-19"):
        paints = parse_paints(spec)
        pooled = {"ours": [], "tube": [], "rgb": []}
        for name in PHOTOS:
            targets = _palette_lab(name, spec)
            ours = [r.delta_e for r in find_recipes(targets, paints)]
            tube = _nearest_tube(targets, paints)
            rgb = _rgb_average(targets, paints)
            for key, values in (("ours", ours), ("tube", tube), ("rgb", rgb)):
                pooled[key].extend(values)
            rows.append(f"| {spec} | {name} | {_stats(ours)} | {_stats(tube)} | {_stats(rgb)} |")
        rows.append(f"| **{spec}** | **all 36 colours** | **{_stats(pooled['ours'])}** | {_stats(pooled['tube'])} | "
                    f"{_stats(pooled['rgb'])} |")
    return rows


def speed() -> list[str]:
    from assistant.color import mixing
    from assistant.color.paints import parse_paints

    mixing._observer()  # colour-science import and CIE tables: once per process
    rows = ["| paints | recipes in table | table build | 32 recipes (astronaut, coffee, chelsea) |", "|---|---|---|---|"]
    from assistant.color.palette import extract_palette

    palettes = [extract_palette(photo(name), 32, seed=0)[0].lab for name in PHOTOS]
    for spec in ("limited-7", "golden-19"):
        paints = parse_paints(spec)
        mixing.mixing_table.cache_clear()
        start = time.perf_counter()
        table = mixing.mixing_table(paints)
        build = time.perf_counter() - start
        times = []
        for lab in palettes:
            start = time.perf_counter()
            mixing.find_recipes(lab, paints)
            times.append(time.perf_counter() - start)
        rows.append(f"| {spec} | {len(table):,} | {build:.2f} s | " + " / ".join(f"{t:.2f} s" for t in times) + " |")
    return rows


def _free_mix(target, paints, starts: int = 24) -> float:
    """The least ΔE of any mix of ``paints`` in any proportions (no recipe rules): multi-start Nelder–Mead."""
    from scipy.optimize import minimize

    from assistant.color.mixing import mix_lab
    from assistant.color.spaces import delta_e2000

    rng = np.random.default_rng(0)
    best = np.inf
    for _ in range(starts):
        result = minimize(lambda x: float(delta_e2000(mix_lab(paints, np.abs(x) + 1e-9), target)),
                          rng.random(len(paints)), method="Nelder-Mead",
                          options={"maxiter": 3000, "xatol": 1e-5, "fatol": 1e-5})
        best = min(best, float(result.fun))
    return best


def physical_limit(worst: int = 6) -> list[str]:
    """Is what is left of the 7-tube error the search's or the paints'? For the worst colours, the
    best mix of the 7 paints in any proportions, with no limit on parts or paints."""
    from assistant.color.mixing import find_recipes
    from assistant.color.paints import parse_paints

    paints = parse_paints("limited-7")
    targets, errors = [], []
    for name in PHOTOS:
        lab = _palette_lab(name, "limited-7")
        targets.extend(lab)
        errors.extend(r.delta_e for r in find_recipes(lab, paints))
    rows = ["| palette colour (L*, a*, b*) | recipe ΔE | any mix of the 7 paints, any proportions |", "|---|---|---|"]
    relaxed = list(errors)
    for i in np.argsort(errors)[::-1][:worst]:
        free = _free_mix(targets[i], paints)
        relaxed[i] = min(relaxed[i], free)
        rows.append(f"| {', '.join(f'{v:.1f}' for v in targets[i])} | {errors[i]:.2f} | {free:.2f} |")
    rows += ["", f"p90 of the 36 recipes: {np.percentile(errors, 90):.2f}; with the {worst} worst replaced by the "
             f"best mix in any proportions: {np.percentile(relaxed, 90):.2f} (goal <= 5.0)."]
    return rows


if __name__ == "__main__":
    print("### Recipe accuracy (CIEDE2000 between palette colour and predicted mix; mean / p90 / max)\n")
    print("\n".join(quality()))
    print("\n### Physical limit of the 7 tubes\n")
    print("\n".join(physical_limit()))
    print("\n### Speed\n")
    print("\n".join(speed()))
