"""Paints and Kubelka–Munk mixing: physics, an independent check, recipe search, bad input."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from assistant.color import mixing
from assistant.color.paints import PRESETS, paints_from_file, parse_paints
from assistant.color.spaces import delta_e2000, rgb_to_lab


def _lab_of(paints, **parts):
    vector = np.zeros(len(paints))
    for name, amount in parts.items():
        vector[paints.names.index(name.replace("_", " "))] = amount
    return mixing.mix_lab(paints, vector)


def _hue(lab):
    return math.degrees(math.atan2(lab[2], lab[1])) % 360


@pytest.fixture(scope="module")
def golden():
    return parse_paints("golden-19")


@pytest.fixture(scope="module")
def seven():
    return parse_paints("limited-7")


def test_phthalo_blue_and_hansa_yellow_make_green(golden):
    green = _lab_of(golden, phthalo_blue_green_shade=1, hansa_yellow_opaque=1)
    assert 120 < _hue(green) < 200, green
    assert math.hypot(green[1], green[2]) > 15


def test_white_lightens_without_moving_hue_much(golden):
    for paint in ("ultramarine blue", "cadmium red light", "phthalo green blue shade", "quinacridone magenta"):
        parts = {paint.replace(" ", "_"): 1}
        mass = _lab_of(golden, **parts)
        tints = [_lab_of(golden, titanium_white=w, **parts) for w in (1, 3, 9)]
        lightness = [mass[0]] + [t[0] for t in tints]
        assert lightness == sorted(lightness), (paint, lightness)
        # Dark masstones of transparent paints read off-hue; from the first tint on, the hue holds.
        for lighter in tints[1:]:
            shift = abs((_hue(lighter) - _hue(tints[0]) + 180) % 360 - 180)
            assert shift < 15, (paint, shift)


def test_masstones_match_the_measured_paints(golden):
    expected = {  # what these tubes look like: lightness band and hue sector (degrees)
        "titanium white": ((95, 100), None),
        "bone black": ((5, 18), None),
        "hansa yellow opaque": ((78, 92), (80, 100)),
        "cadmium red light": ((42, 56), (30, 50)),
        "ultramarine blue": ((3, 15), (280, 320)),
        "phthalo green yellow shade": ((12, 26), (150, 190)),
    }
    for name, ((low, high), hue) in expected.items():
        lab = _lab_of(golden, **{name.replace(" ", "_"): 1})
        assert low <= lab[0] <= high, (name, lab)
        if hue:
            assert hue[0] <= _hue(lab) <= hue[1], (name, _hue(lab))


def _independent_lab(k_curves, s_curves, shares):
    """The same formulas, written per wavelength in plain Python, integrated by colour-science."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
    values = {}
    for band, wavelength in enumerate(range(380, 751, 10)):
        k = sum(c * curve[band] for c, curve in zip(shares, k_curves))
        s = sum(c * curve[band] for c, curve in zip(shares, s_curves))
        a = k / s
        body = 1 + a - math.sqrt(a * a + 2 * a)
        values[wavelength] = 0.97 * 0.35 * body / (1 - 0.65 * body)
    sd = colour.SpectralDistribution(values)
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science notes that it trims the CMFs to 380–750 nm
        xyz = colour.sd_to_XYZ(sd, cmfs, colour.SDS_ILLUMINANTS["D65"]) / 100
    white = colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D65"]
    return colour.XYZ_to_Lab(xyz, white)


def test_an_independent_implementation_agrees_within_delta_e_one(golden):
    rng = np.random.default_rng(3)
    k, s = golden.k, golden.s
    for _ in range(25):
        chosen = rng.choice(len(golden), size=rng.integers(1, 5), replace=False)
        parts = np.zeros(len(golden))
        parts[chosen] = rng.integers(1, 10, size=len(chosen))
        ours = mixing.mix_lab(golden, parts)
        shares = parts / parts.sum()
        theirs = _independent_lab(k, s, shares)
        assert float(delta_e2000(ours, theirs)) < 1.0, (golden.names, parts, ours, theirs)


def test_recipe_search_is_as_good_as_trying_every_combination(seven):
    table = mixing.mixing_table(seven)
    rng = np.random.default_rng(0)
    targets = np.column_stack([rng.uniform(5, 97, 40), rng.uniform(-50, 60, 40), rng.uniform(-60, 80, 40)])
    every = table.lab.astype(np.float64)
    for target, recipe in zip(targets, mixing.find_recipes(targets, seven)):
        brute = delta_e2000(every, target[None, :])
        best = float(brute.min())
        assert recipe.delta_e <= best + 1.0 + 1e-3
        # Within ΔE 1 of the best, nothing uses fewer paints than the recipe.
        assert len(recipe.parts) == int(table.count[brute <= best + 1.0].min()), (target, recipe)


def test_search_bounds_never_exceed_the_true_difference(golden):
    # The search skips rows and blocks by these bounds; one that overshot would lose the best recipe.
    # Targets span deep darks, greys and saturated blues (where CIEDE2000's rotation term is largest).
    table = mixing.mixing_table(golden)
    rng = np.random.default_rng(5)
    targets = [[3.0, 7.0, 4.0], [30.0, 20.0, -70.0], [45.0, 0.0, -40.0], [60.0, -2.0, 1.0], [85.0, 40.0, 90.0]]
    targets += np.column_stack([rng.uniform(0, 100, 15), rng.uniform(-80, 80, 15), rng.uniform(-90, 90, 15)]).tolist()
    rows = rng.choice(len(table), 20_000, replace=False)
    block = np.searchsorted(table.block_rows, rows, side="right") - 1  # the block of each sampled row
    for target in np.array(targets):
        exact = delta_e2000(table.lab[rows].astype(np.float64), target[None, :]) ** 2
        low = mixing._lower_bound(table.lab[rows], table.chroma[rows], target)
        assert (low <= exact * (1 + 1e-5) + 1e-6).all(), target
        block_low = mixing._block_bound(table, target)
        assert (block_low[block] <= exact * (1 + 1e-5) + 1e-6).all(), target
        assert (block_low[block] <= low * (1 + 1e-5) + 1e-6).all(), target  # a block bounds all its rows


@pytest.mark.slow
def test_recipe_search_is_exhaustive_in_the_dense_darks_and_blues(golden):
    # Most of the 2.5 million 19-paint recipes are dark, and blues are where the bounds are loosest.
    table = mixing.mixing_table(golden)
    targets = np.array([[2.9, 3.1, 2.8], [9.5, 4.5, 7.8], [15.6, 30.7, 21.9], [25.0, 15.0, -55.0], [40.0, -30.0, -30.0]])
    every = table.lab.astype(np.float64)
    for target in targets:
        brute = delta_e2000(every, target[None, :])
        row, error = mixing._best_row(table, target, gamut_only=False)
        eligible = brute <= brute.min() + 1.0
        assert error <= brute.min() + 1.0 + 1e-3
        assert table.count[row] == table.count[eligible].min(), target


def test_search_finds_the_exhaustive_best_when_paint_counts_tie(golden):
    table = mixing.mixing_table(golden)
    target = np.array([55.0, -20.0, 30.0])
    brute = delta_e2000(table.lab.astype(np.float64), target[None, :])
    row, error = mixing._best_row(table, target, gamut_only=False)
    eligible = brute <= brute.min() + 1.0
    fewest = table.count[eligible].min()
    assert table.count[row] == fewest
    assert error == pytest.approx(float(brute[eligible & (table.count == fewest)].min()), abs=1e-3)


def test_recipes_on_a_real_palette_read_like_a_painter_writes(seven):
    from skimage import data

    from assistant.color.palette import extract_palette

    palette, _ = extract_palette(data.chelsea().astype(np.float32) / 255, 12, seed=0)
    recipes = mixing.find_recipes(palette.lab, seven)
    assert len(recipes) == len(palette)
    for recipe in recipes:
        assert 1 <= len(recipe.parts) <= 4
        whole = [n for _, n in recipe.parts if n >= 1]
        assert all(isinstance(n, int) for n in whole) and sum(whole) <= 12
        assert recipe.verdict in ("close", "noticeable", "far")
        assert (recipe.reason is not None) == (recipe.verdict == "far" or recipe.at_limit)
        assert recipe.hex.startswith("#") and len(recipe.hex) == 7
        record = recipe.plan_dict()
        assert set(record) >= {"paints", "hex", "delta_e"}
    assert np.mean([r.delta_e for r in recipes]) < 3.0
    text = " / ".join(r.text() for r in recipes)
    assert "part" in text and "titanium white" in text


def test_a_touch_is_under_a_twelfth_and_written_as_a_touch(seven):
    cream = np.array([[95.0, 0.5, 12.0]])
    recipe = mixing.find_recipes(cream, seven)[0]
    touches = [n for _, n in recipe.parts if n < 1]
    assert touches and all(0 < n < 1 / 12 for n in touches)
    assert "a touch of" in recipe.text()


@pytest.mark.parametrize("lab", [(65.8, 3.1, 2.9), (76.8, 2.5, 4.3), (92.8, 1.9, 8.8)])
def test_warm_greys_and_creams_take_two_touches(seven, lab):
    """White (and black) with touches of red and yellow: the limited palette reaches them within ΔE 2."""
    recipe = mixing.find_recipes(np.array([lab]), seven)[0]
    touches = [name for name, n in recipe.parts if n < 1]
    assert recipe.delta_e < 2.0 and len(touches) == 2, recipe.text()
    assert recipe.text().count("a touch of") == 2
    # The predicted colour is the mix of exactly these shares: rebuild it independently.
    # Touch shares are written rounded to 4 places: snap them back to the exact touch.
    shares = {name: n if n >= 1 else min(mixing.TOUCHES, key=lambda t, n=n: abs(t - n)) for name, n in recipe.parts}
    whole = sum(n for n in shares.values() if n >= 1)
    rest = 1.0 - sum(n for n in shares.values() if n < 1)
    weights = np.array([shares.get(p.name, 0.0) if shares.get(p.name, 0.0) < 1 else shares[p.name] / whole * rest
                        for p in seven])
    assert weights.sum() == pytest.approx(1.0)
    assert np.allclose(mixing.mix_lab(seven, weights), recipe.lab, atol=0.05)


def test_unreachable_colours_say_why():
    only_blue = parse_paints("ultramarine blue, bone black")
    recipe = mixing.find_recipes(np.array([[92.0, 0.0, 0.0]]), only_blue)[0]
    assert recipe.verdict == "far" and recipe.reason == "no white"
    vivid = mixing.find_recipes(np.array([[55.0, 0.0, 90.0]]), parse_paints("titanium white, bone black"))[0]
    assert vivid.reason == "too saturated for these paints"


def test_mixable_search_keeps_to_colours_a_screen_shows(golden):
    deep = np.array([[8.0, 40.0, -55.0]])  # ultramarine-like, outside sRGB
    recipe = mixing.find_recipes(deep, golden, gamut_only=True)[0]
    shown = rgb_to_lab(np.array([[int(recipe.hex[i : i + 2], 16) / 255 for i in (1, 3, 5)]], np.float32))[0]
    assert float(delta_e2000(shown, np.array(recipe.lab))) < 1.0


def test_presets_and_lists_parse(golden):
    assert len(golden) == 19 and golden.spec == "golden-19"
    seven = parse_paints("limited-7")
    assert seven.names == PRESETS["limited-7"][1]
    mixed = parse_paints(" Titanium White,ultramarine  blue, burnt umber ,titanium white")
    assert mixed.names == ("titanium white", "ultramarine blue", "burnt umber")
    assert [p.source for p in mixed] == ["measured", "measured", "approximate"]
    assert parse_paints(mixed.spec) == mixed
    earth = parse_paints("earth")
    assert sum(p.approximate for p in earth) == 5


def test_a_paint_added_by_colour_is_approximate_and_mixes_to_its_colour():
    paints = parse_paints("titanium white, my olive=#5b5b2a*0.6")
    olive = paints.paints[1]
    assert olive.approximate and olive.strength == 0.6
    mass = _lab_of(paints, my_olive=1)
    target = rgb_to_lab(np.array([[0x5B / 255, 0x5B / 255, 0x2A / 255]], np.float32))[0]
    assert float(delta_e2000(mass, target)) < 1.0
    assert parse_paints(paints.spec) == paints


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("titanium white, ultramarin blue", "unknown paint 'ultramarin blue'; did you mean 'ultramarine blue'"),
        ("cadmium yelow medium", "did you mean 'cadmium yellow medium'"),
        ("", "at least one paint"),
        (" , ,", "at least one paint"),
        ("mine=#12345", "Expected a colour like #8a3b1f"),
        ("mine=#123456*0", "tinting strength between 0.1 and 10"),
        ("mine=#123456*lots", "tinting strength number"),
        ("titanium white=#ffffff", "already in the catalogue"),
        ("x" * 5000, "at most 4000 characters"),
    ],
)
def test_bad_paint_specs_get_one_clear_line(spec, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("*", r"\*")) as info:
        parse_paints(spec)
    assert "\n" not in str(info.value)


def test_paint_files(tmp_path):
    good = tmp_path / "paints.json"
    good.write_text(json.dumps({"paints": ["titanium white", {"name": "Burnt Umber"},
                                           {"name": "my teal", "hex": "#1f6f6a", "tinting_strength": 2}]}))
    spec = paints_from_file(good)
    assert parse_paints(spec).names == ("titanium white", "burnt umber", "my teal")
    for text, message in [("{", "cannot read paint file"), ('{"paints": 3}', "Expected a JSON list"),
                          ('[{"hex": "#000000"}]', "Expected each paint"), ('["unobtainium"]', "unknown paint")]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(ValueError, match=message):
            paints_from_file(bad)
    with pytest.raises(ValueError, match="cannot read paint file"):
        paints_from_file(tmp_path / "missing.json")


def test_find_recipes_refuses_malformed_targets(seven):
    with pytest.raises(ValueError, match=r"Expected finite CIELAB colours of shape \(n, 3\)"):
        mixing.find_recipes(np.zeros((2, 2)), seven)
    with pytest.raises(ValueError, match="finite"):
        mixing.find_recipes(np.array([[np.nan, 0, 0]]), seven)


def test_a_lighter_colour_is_offered_as_a_darker_one_plus_white():
    """Issue 21: 'mix 2 from 1 + white' where it applies."""
    from assistant.color.mixing import Recipe, tints

    def recipe(*parts):
        return Recipe(parts=parts, hex="#000000", lab=(0.0, 0.0, 0.0), delta_e=0.0)

    dark = recipe(("ultramarine blue", 3), ("burnt umber", 1), ("titanium white", 1))  # white 1/5
    light = recipe(("titanium white", 6), ("ultramarine blue", 3), ("burnt umber", 1))  # white 6/10
    other = recipe(("titanium white", 6), ("cadmium red light", 3), ("burnt umber", 1))
    touch = recipe(("titanium white", 6), ("ultramarine blue", 3), ("burnt umber", 1), ("bone black", 0.05))
    found = tints([dark, light, other, touch])
    assert set(found) == {2}
    tint = found[2]
    assert tint.base == 1 and tint.white == "titanium white"
    share = (tint.colour_parts * 0.2 + tint.white_parts) / (tint.colour_parts + tint.white_parts)
    assert abs(share - 0.6) <= 0.05
    assert tint.text() == "or: 1 part of colour 1 + 1 part titanium white"
    assert tints([light, dark]) == {1: type(tint)(2, 1, 1, "titanium white")}


def test_a_photos_black_is_bone_black_straight_not_a_far_match():
    """A painter's walk-through: the palette flagged bone black straight from the tube as a "far match" in red.
    A photo's black (L* 0) is darker than any paint dries; nothing mixes closer, so it reads as close and says
    why, while its true ΔE00 is still recorded."""
    paints = parse_paints("limited-7")
    black = mixing.find_recipes(np.array([[0.3, 0.0, 0.0]]), paints)[0]
    assert black.text() == "bone black straight from the tube"
    assert black.delta_e > mixing.FAR and black.at_limit and black.verdict == "close"
    assert black.reason.startswith("as dark as your paints go") and black.plan_dict()["at_limit"] is True
    brown = mixing.find_recipes(np.array([[5.3, 5.2, 5.1]]), paints)[0]  # darker, but a colour black misses
    assert not brown.at_limit and brown.verdict == "far"
    white = mixing.find_recipes(np.array([[92.0, 0.0, 0.0]]), parse_paints("ultramarine blue, bone black"))[0]
    assert white.text() == "bone black straight from the tube"  # the only grey there is ...
    assert not white.at_limit and white.verdict == "far" and white.reason == "no white"  # ... is no white
    # In words: not "close match" above "Out of reach" (the PDF said both of the black), nor "close" beside a
    # difference twice that of a "noticeable" one (the app's palette).
    assert black.match == "as near as your paints go" and black.note().startswith("As dark as your paints go: bone")
    assert "Out of reach" not in black.note() and "close" not in black.match
    assert white.match == "far match" and white.note() == "Out of reach: no white. Mix the nearest and adjust by eye."
    assert brown.match == "far match"
    near = mixing.find_recipes(np.array([[50.0, 0.0, 0.0]]), paints)[0]
    assert near.match == f"{near.verdict} match" and near.note() == ""


def test_the_ticked_tubes_make_a_spec_the_preset_name_when_they_are_its_paints():
    from assistant.color.paints import parse_paints, tubes_spec

    limited = parse_paints("limited-7").names
    assert tubes_spec(limited, preset="limited-7") == "limited-7"
    spec = tubes_spec(("titanium white", "my green"), colours={"my green": "#3a6b35"}, preset="limited-7")
    assert spec == "titanium white, my green=#3a6b35" and parse_paints(spec).names == ("titanium white", "my green")
    with pytest.raises(ValueError, match="Expected at least one tube"):
        tubes_spec(())
    with pytest.raises(ValueError):
        tubes_spec(("unobtainium",))


def test_the_written_observer_table_is_colour_sciences_own():
    """Issue 22: the guide reads CIE 1931 2° × D65 from ``observer_table.py`` instead of importing colour-science
    (about a second a process); the table must stay exactly what colour-science gives, or every colour would move."""
    from assistant.color.optics import _observer, observer_from_colour

    cmfs, d65 = observer_from_colour()
    weights = cmfs * d65[:, None]
    weights /= weights[:, 1].sum()
    table, white = _observer()
    assert np.array_equal(table, weights)
    assert np.array_equal(white, weights.sum(axis=0))
    assert np.allclose(white, [0.95047, 1.0, 1.08883], atol=2e-3)  # the D65 white point, Y = 1
