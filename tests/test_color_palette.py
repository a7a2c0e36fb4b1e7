import numpy as np
import pytest
from conftest import photo_array

from assistant.color.palette import extract_palette, quantize
from assistant.color.spaces import color_name, delta_e2000, din99o_to_lab, lab_to_din99o, rgb_to_lab


def test_din99o_round_trip():
    lab = np.random.default_rng(1).uniform([0, -80, -80], [100, 80, 80], (500, 3))
    assert np.allclose(din99o_to_lab(lab_to_din99o(lab)), lab, atol=1e-8)


@pytest.mark.parametrize(
    "rgb, expected",
    [((0, 0, 0), "black"), ((255, 255, 255), "white"), ((230, 20, 20), "scarlet"), ((30, 60, 200), "royal blue"),
     ((90, 55, 30), "chocolate brown"), ((128, 128, 128), "grey"), ((195, 155, 110), "tan"),
     ((30, 122, 122), "teal"), ((210, 185, 140), "sand"), ((107, 29, 34), "maroon")],
)
def test_color_names_are_a_painters_words(rgb, expected):
    lab = rgb_to_lab(np.array(rgb, np.float32) / 255)
    assert color_name(lab) == expected


def test_far_colours_get_a_modifier_and_names_are_not_paints():
    from assistant.color.paints import catalogue
    from assistant.color.spaces import NAMED_COLOURS

    assert color_name(rgb_to_lab(np.array([0.05, 0.2, 0.2], np.float32))).startswith("dark")
    assert not set(NAMED_COLOURS) & set(catalogue())  # a colour's name is never a tube's name
    assert len(set(NAMED_COLOURS.values())) == len(NAMED_COLOURS) >= 70


def test_palette_on_tiny_array_is_sorted_and_covers_everything():
    image = np.zeros((8, 8, 3), np.float32)
    image[:4] = (0.9, 0.9, 0.1)
    image[4:, :4] = (0.1, 0.1, 0.5)
    image[4:, 4:] = (0.05, 0.05, 0.05)
    before = image.copy()
    palette, labels = extract_palette(image, 3, seed=0)
    assert len(palette) == 3
    assert [c.index for c in palette] == [1, 2, 3]
    lightness = [c.lab[0] for c in palette]
    assert lightness == sorted(lightness)
    assert sum(c.coverage for c in palette) == pytest.approx(100.0, abs=0.05)
    assert palette[2].coverage == pytest.approx(50.0)
    assert np.array_equal(image, before)
    assert np.allclose(quantize(labels, palette), image, atol=0.02)


def test_fewer_distinct_colours_than_requested():
    image = np.zeros((16, 16, 3), np.float32)
    image[:, 8:] = 1.0
    palette, labels = extract_palette(image, 8, seed=0)
    assert len(palette) == 2
    assert set(np.unique(labels)) == {0, 1}


@pytest.mark.parametrize("n_colors", [0, 1, 33])
def test_n_colors_is_validated(n_colors):
    with pytest.raises(ValueError, match=f"Received: n_colors={n_colors}"):
        extract_palette(np.zeros((8, 8, 3), np.float32), n_colors)


def test_rejects_wrong_shape():
    with pytest.raises(ValueError, match="Expected an \\(H, W, 3\\)"):
        extract_palette(np.zeros((8, 8), np.float32), 4)


def test_small_accent_survives():
    """A 1.5 % red accent on a busy green/brown scene keeps its own paint."""
    rng = np.random.default_rng(0)
    image = np.empty((120, 120, 3), np.float32)
    y, x = np.mgrid[0:120, 0:120] / 120.0
    image[..., 0] = 0.25 + 0.35 * x
    image[..., 1] = 0.35 + 0.35 * y
    image[..., 2] = 0.15 + 0.1 * x * y
    image += rng.normal(0, 0.02, image.shape).astype(np.float32)
    image[50:65, 50:62] = (0.85, 0.08, 0.1)  # the red nose
    image = np.clip(image, 0, 1)
    palette, labels = extract_palette(image, 6, seed=0)
    red = rgb_to_lab(np.array([0.85, 0.08, 0.1], np.float32))
    best = min(float(delta_e2000(red, np.array(c.lab))) for c in palette)
    assert best < 6.0


def test_same_seed_same_palette_on_real_photo():
    photo = photo_array("coffee", 200)
    first = extract_palette(photo, 10, seed=3)
    second = extract_palette(photo, 10, seed=3)
    assert first[0] == second[0]
    assert np.array_equal(first[1], second[1])


def test_beats_plain_rgb_kmeans_on_real_photo():
    """The point of the palette: lower CIEDE2000 than RGB k-means with the same k and seed."""
    from sklearn.cluster import KMeans

    photo = photo_array("astronaut", 256)
    palette, labels = extract_palette(photo, 12, seed=0)
    ours = delta_e2000(rgb_to_lab(photo), rgb_to_lab(quantize(labels, palette)))
    pixels = photo.reshape(-1, 3)
    sample = pixels[np.random.default_rng(0).choice(len(pixels), 10000, replace=False)]
    km = KMeans(12, random_state=0, n_init=4).fit(sample)
    base = delta_e2000(rgb_to_lab(photo), rgb_to_lab(km.cluster_centers_[km.predict(pixels)].reshape(photo.shape).astype(np.float32)))
    assert ours.mean() < base.mean()
    assert np.percentile(ours, 95) < 0.85 * np.percentile(base, 95)


def test_a_small_saturated_accent_keeps_a_paint_of_its_own():
    """Issue 21: k-means spends paints by pixel count; a few red dots on a long grey-green ramp lost their red."""
    from assistant.color.palette import extract_palette
    from assistant.color.spaces import delta_e2000

    rng = np.random.default_rng(0)
    image = np.broadcast_to(np.linspace(0.05, 0.8, 300)[None, :, None] * np.array([0.9, 1.0, 0.8]), (200, 300, 3))
    image = image + rng.normal(0, 0.03, (200, 300, 3))
    image[90:96, 10:290:10] = [0.9, 0.1, 0.1]  # red dots, 0.5 % of the picture
    image = np.clip(image, 0, 1).astype(np.float32)
    palette, labels = extract_palette(image, 6, seed=0)
    red = np.array([[53.2, 72.0, 55.0]])  # about the dots' colour in Lab
    assert delta_e2000(palette.lab, red).min() < 10
    assert labels[92, 10] == labels[93, 20]  # the dots share that paint


def test_a_face_skin_colour_the_caller_keeps_gets_a_paint_of_its_own():
    """Issue 21: a small face on a big grey ramp was painted in the ramp's greys (no skin paint)."""
    from assistant.color.palette import KEY_KEEP_DISTANCE

    image = np.broadcast_to(np.linspace(0.05, 0.95, 400)[None, :, None], (200, 400, 3)).astype(np.float32).copy()
    skin_rgb = np.array([0.85, 0.66, 0.55], np.float32)
    image[90:102, 190:202] = skin_rgb  # about 0.2 % of the picture
    skin = rgb_to_lab(skin_rgb[None, None])[0, 0]
    plain, _ = extract_palette(image, 5, seed=0)
    kept, labels = extract_palette(image, 5, seed=0, keep=[skin])
    assert delta_e2000(plain.lab, skin[None]).min() > KEY_KEEP_DISTANCE  # lost without being asked
    assert delta_e2000(kept.lab, skin[None]).min() < 2.0 and len(kept) == 5
    assert delta_e2000(kept.lab[labels[95, 195]][None], skin[None])[0] < 2.0  # the patch is painted with it
    assert image[95, 195, 0] == np.float32(0.85)  # not modified
    small, _ = extract_palette(image, 3, seed=0, keep=[skin])  # too few paints to give one away
    assert np.allclose(small.lab, extract_palette(image, 3, seed=0)[0].lab)


def test_key_colours_leave_a_picture_without_them_alone():
    from assistant.color.palette import _keep_key_colours

    lab = np.array([[20.0, 0, 0], [50.0, 0, 0], [80.0, 0, 0]])
    centres = lab.copy()
    assert np.array_equal(_keep_key_colours(lab, np.ones(3), centres), centres)


def test_repeated_names_are_told_apart():
    from assistant.color.palette import told_apart

    lab = np.array([[30.0, -20, 5], [50.0, -20, 5], [40.0, 0, 0], [31.0, -10, 20], [30.0, -30, -5]])
    names = told_apart(["dark green", "dark green", "grey", "olive", "olive"], lab)
    assert names == ["dark green (darker)", "dark green (lighter)", "grey", "olive (warmer)", "olive (cooler)"]
    assert told_apart(["a", "a", "a"], np.array([[3.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0]])) == \
        ["a (lightest)", "a (darkest)", "a (middle)"]


def test_a_palette_never_repeats_a_name():
    from assistant.color.palette import extract_palette

    palette, _ = extract_palette(photo_array("chelsea", 128), 16, seed=0)
    names = [c.name for c in palette]
    assert len(set(names)) == len(names), names


def test_colours_with_the_same_recipe_become_one_paint():
    from assistant import GuideOptions, make_guide

    # Two greens, clearly different, that blue and white can only answer with the same mix.
    image = np.zeros((60, 90, 3), np.float32)
    image[:, :45] = (0.2, 0.7, 0.3)
    image[:, 45:] = (0.3, 0.75, 0.2)
    guide = make_guide(image, GuideOptions(max_side=90, n_colors=2, paints="titanium white, ultramarine blue",
                                           focus="none"))
    assert len(guide.palette) == len(guide.recipes) == 1 and len(guide.regions) == 1
    assert any("mixed exactly like another" in note for note in guide.notes)
    both = make_guide(image, GuideOptions(max_side=90, n_colors=2, focus="none"))  # the default paints tell them apart
    assert len(both.palette) == 2


def test_refining_keeps_the_fixed_paints_and_moves_the_others_to_what_they_paint():
    from assistant.color.palette import _refine_centres

    lab = np.array([[30.0, 0, 0], [40.0, 0, 0], [70.0, 20, 20]])
    centres = np.array([[70.0, 20, 20], [30.0, 0, 0]])
    refined = _refine_centres(lab, np.ones(3), centres, steps=4, fixed=np.array([True, False]))
    assert np.allclose(refined[0], centres[0], atol=1e-6)  # the kept paint stays
    assert 31.0 < refined[1][0] < 39.0  # the free paint now serves both greys


def test_paints_settle_around_a_kept_skin_paint():
    """Issue 21: a kept skin colour took a paint's place and left its colours to a paint that did not move
    (whole-picture ΔE00 up by about a paint's worth); the free paints now settle around the kept one."""
    greys = [0.2, 0.27, 0.6, 0.85]  # two dark greys close together, a mid and a light grey
    image = np.zeros((100, 400, 3), np.float32)
    for k, value in enumerate(greys):
        image[:, 100 * k:100 * (k + 1)] = value
    skin_rgb = np.array([0.85, 0.6, 0.45], np.float32)
    image[45:55, 345:355] = skin_rgb
    skin = rgb_to_lab(skin_rgb[None, None])[0, 0]
    palette, labels = extract_palette(image, 4, seed=0, keep=[skin])
    dark = palette.lab[labels[50, 50]]
    assert labels[50, 50] == labels[50, 150]  # the two dark greys share a paint ...
    grey_lab = rgb_to_lab(image[50:51, [50, 150]])[0]
    spread = delta_e2000(grey_lab[0][None], grey_lab[1][None])[0]
    assert delta_e2000(grey_lab, dark[None]).max() < spread  # ... which sits between them, not on one
    assert delta_e2000(palette.lab, skin[None]).min() < 2.0


def test_with_weights_a_kept_colour_takes_the_place_of_the_paint_missed_least():
    """Issue 21: the skin paint replaced "the paint most like another", often one of two blues that each paint a
    large part of a sky; with the detail map's weights it now replaces the paint whose colours lose least."""
    image = np.zeros((100, 500, 3), np.float32)
    image[:, :200] = (0.25, 0.35, 0.6)  # two blues 4.5 ΔE00 apart, 40 % of the picture each
    image[:, 200:400] = (0.3, 0.4, 0.65)
    image[:, 400:480] = 0.5  # a grey, and a dark grey 15 ΔE00 from it on 4 %
    image[:, 480:] = 0.35
    skin_rgb = np.array([0.85, 0.6, 0.45], np.float32)
    image[45:55, 430:440] = skin_rgb
    skin = rgb_to_lab(skin_rgb[None, None])[0, 0]
    lab = rgb_to_lab(image)

    def mean_error(palette, labels):
        return float(delta_e2000(lab, rgb_to_lab(quantize(labels, palette))).mean())

    alike, alike_labels = extract_palette(image, 4, seed=0, keep=[skin])
    cheap, cheap_labels = extract_palette(image, 4, seed=0, keep=[skin], weights=np.ones(image.shape[:2]))
    assert alike_labels[0, 0] == alike_labels[0, 300]  # without weights (focus="none") the blues share a paint
    assert cheap_labels[0, 0] != cheap_labels[0, 300] and cheap_labels[0, 450] == cheap_labels[0, 490]
    assert delta_e2000(cheap.lab, skin[None]).min() < 2.0
    assert mean_error(cheap, cheap_labels) < 0.6 * mean_error(alike, alike_labels)


def test_the_background_counts_by_area_and_the_focal_area_by_its_weight():
    """Issue 21: weighting the background by what stands out (0.4–2.1 ×) cost the whole picture its colours;
    only weights above FOCAL_WEIGHT (a face, the focal point) change the palette."""
    from assistant.color.palette import FOCAL_WEIGHT

    photo = photo_array("chelsea", 96)
    background = np.random.default_rng(0).uniform(0.4, FOCAL_WEIGHT, photo.shape[:2])
    weighted, weighted_labels = extract_palette(photo, 8, seed=0, weights=background)
    plain, plain_labels = extract_palette(photo, 8, seed=0)
    assert np.array_equal(weighted.lab, plain.lab) and np.array_equal(weighted_labels, plain_labels)

    ramp = np.broadcast_to(np.linspace(0.1, 0.9, 400)[None, :, None], (200, 400, 3)).astype(np.float32).copy()
    patch = np.array([0.62, 0.5, 0.42], np.float32)  # a muted brown on 1.1 % of a grey ramp: no key colour
    ramp[80:110, 180:210] = patch
    patch_lab = rgb_to_lab(patch[None, None])[0, 0]
    focal = np.ones(ramp.shape[:2])
    focal[80:110, 180:210] = 12.0  # the detail map's finest detail
    assert delta_e2000(extract_palette(ramp, 5, seed=0)[0].lab, patch_lab[None]).min() > 10.0
    assert delta_e2000(extract_palette(ramp, 5, seed=0, weights=focal)[0].lab, patch_lab[None]).min() < 3.0


def test_the_focal_area_counts_at_most_its_share_of_the_palette():
    """Issue 21: a big face at full weight took paints the whole picture paid for; the focal area counts by the
    square root of its weight, together at most FOCAL_SHARE of the palette's attention, never less than its area."""
    from assistant.color.palette import FOCAL_SHARE, FOCAL_WEIGHT, _palette_weights

    weights = np.full((100, 100), 0.5)
    weights[:2, :] = 12.0  # a small face: 2 % of the picture
    counts = _palette_weights(weights)
    assert np.allclose(counts[:2], np.sqrt(12.0)) and np.all(counts[2:] == 1.0)

    weights[:5, :] = 12.0  # a big face: 5 % of the picture, 15 % of the attention at √12
    counts = _palette_weights(weights)
    focal = weights > FOCAL_WEIGHT
    assert counts[focal].sum() / counts.sum() == pytest.approx(FOCAL_SHARE)
    assert np.all(counts[~focal] == 1.0) and np.all(counts[focal] > 1.0)

    weights[:50, :] = 12.0  # half the picture: counts by its area, no less
    assert np.all(_palette_weights(weights) == 1.0)


def test_what_the_painter_asks_to_simplify_gets_fewer_paints():
    """Issue 21: a "simplify here" mark lowers the detail map below anything it gives on its own, and those pixels
    count less in the palette (in proportion), so the paints go where the painter wants them."""
    from assistant.color.palette import SIMPLIFY_WEIGHT, _palette_weights
    from assistant.plan.focus import Mark, detail_map, importance

    rng = np.random.default_rng(1)
    ramp = np.linspace(0.1, 0.9, 200)[None, :, None]
    blues = np.broadcast_to(ramp * np.array([0.3, 0.5, 1.0]), (120, 200, 3))
    greens = np.broadcast_to(ramp * np.array([0.3, 1.0, 0.3]), (120, 200, 3))
    picture = np.clip(np.concatenate([blues, greens], axis=0) + rng.normal(0, 0.01, (240, 200, 3)), 0, 1)
    picture = picture.astype(np.float32)
    plain = detail_map(picture, focus="auto")
    simplified = detail_map(picture, focus="auto", marks=[Mark(0.5, 0.25, 0.6, keep=False)])  # the blue half
    assert _palette_weights(importance(plain.detail)).min() == 1.0  # the map alone never goes below the floor
    counts = _palette_weights(importance(simplified.detail))
    assert counts[:60].mean() < 0.5 and counts[180:].min() == 1.0 and counts.min() >= 1 / 12 / SIMPLIFY_WEIGHT - 1e-9

    def blue_paints(weights):
        palette, _ = extract_palette(picture, 8, seed=0, weights=importance(weights))
        lab = palette.lab.astype(np.float64)
        return int(np.sum(lab[:, 2] < -5))  # b* < -5: blue

    assert blue_paints(simplified.detail) < blue_paints(plain.detail)


def test_recentring_keeps_a_kept_skin_paint_near_the_skin():
    """Issue 21: a small figure's skin paint also paints a pale grey wall; recentred on all its pixels it drifted
    8 ΔE00 towards the grey and her face read grey. With ``keep`` it stops KEY_HOLD_DISTANCE from the skin."""
    from assistant.color.palette import KEY_HOLD_DISTANCE, palette_from_colors, recentre_palette

    skin_rgb, grey_rgb, dark_rgb = (0.93, 0.78, 0.70), (0.80, 0.80, 0.80), (0.15, 0.12, 0.10)
    image = np.empty((60, 100, 3), np.float32)
    image[:, :20] = skin_rgb  # the face: a fifth of what the skin paint paints
    image[:, 20:80] = grey_rgb  # the wall, painted with the same paint
    image[:, 80:] = dark_rgb
    skin = rgb_to_lab(np.array([[skin_rgb]], np.float32))[0, 0].astype(np.float64)
    dark = rgb_to_lab(np.array([[dark_rgb]], np.float32))[0, 0].astype(np.float64)
    palette, _ = palette_from_colors(image, np.array([skin, dark]))
    labels = np.zeros((60, 100), np.int32)
    labels[:, 80:] = 1 if palette.lab[1, 0] < palette.lab[0, 0] else 0
    labels[:, :80] = 1 - labels[0, 80]
    skin_paint = int(labels[0, 0])

    drifted, _ = recentre_palette(palette, labels, image)
    held, _ = recentre_palette(palette, labels, image, keep=[skin])

    def nearest(p):
        return float(delta_e2000(p.lab.astype(np.float64), skin[None]).min())

    assert nearest(drifted) > 2 * KEY_HOLD_DISTANCE  # the wall pulls it to the grey
    assert KEY_HOLD_DISTANCE - 0.1 <= nearest(held) <= KEY_HOLD_DISTANCE  # held at the distance, towards the wall
    assert np.allclose(held.lab[1 - skin_paint], drifted.lab[1 - skin_paint])  # the other paint moves as before


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_distance_to_is_numpys_norm_bit_for_bit(dtype):
    """The clean-up and recentring sum millions of these: the fast form must give the very same numbers."""
    from assistant.color.spaces import distance_to

    rng = np.random.default_rng(3)
    points = (rng.normal(0, 40, (10_000, 3))).astype(dtype)
    kept = points.copy()
    one = np.array([50.0, -3.5, 12.25], dtype)
    each = rng.normal(0, 40, (10_000, 3)).astype(dtype)
    for centre in (one, each):
        ours = distance_to(points, centre)
        assert ours.dtype == dtype and np.array_equal(ours, np.linalg.norm(points - centre, axis=-1))
    assert np.array_equal(points, kept)  # not modified
    assert distance_to(points[:0], one).shape == (0,)


def test_delta_e2000_matrix_is_scikit_images_ciede2000_column_by_column():
    """Same numbers (bit for bit) as scikit-image's CIEDE2000, greys, hue wrap-round and Sharma's pairs included."""
    from skimage.color import deltaE_ciede2000

    from assistant.color.spaces import delta_e2000_matrix

    rng = np.random.default_rng(7)
    lab = np.column_stack([rng.uniform(0, 100, 500), rng.uniform(-90, 90, 500), rng.uniform(-90, 90, 500)])
    lab[:20, 1:] = 0.0  # greys: no hue
    lab[20:30, 1] = 0.0
    # Sharma, Wu & Dalal (2005), pairs 1 and 7 (hue across the 0/360 line) and 25.
    pairs = np.array([[50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], [50.0, -1.3802, -84.2814],
                      [50.0, 0.0, 0.0], [50.0, 2.5, 0.0], [60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387]])
    lab = np.vstack([lab, pairs])
    centres = np.vstack([pairs, lab[rng.choice(len(lab), 5)], [[50.0, 0.0, 0.0]]])
    ours = delta_e2000_matrix(lab, centres)
    theirs = np.stack([deltaE_ciede2000(lab, np.broadcast_to(c, lab.shape)) for c in centres], axis=1)
    assert ours.shape == (len(lab), len(centres)) and np.array_equal(ours, theirs)
    assert ours[-7, 1] == pytest.approx(2.0425, abs=1e-4)  # Sharma's pair 1
    assert ours[-4, -1] == 0.0 and ours[-3, 4] == 0.0  # a colour to itself
    assert delta_e2000_matrix(lab[:3], centres[:0]).shape == (3, 0)
    assert np.all(lab[-1] == [60.4626, -34.1751, 39.4387])  # inputs untouched


def test_delta_e2000_is_scikit_images_ciede2000_pair_by_pair():
    """Our pairwise CIEDE2000 (no scikit-image import in a guide) gives scikit-image's numbers bit for bit, with
    broadcasting, greys on either side, hues on the 0/360 line and at 180°, and a colour against itself."""
    from skimage.color import deltaE_ciede2000

    from assistant.color.spaces import delta_e2000

    rng = np.random.default_rng(11)
    first = np.column_stack([rng.uniform(0, 100, 4000), rng.uniform(-110, 110, 4000), rng.uniform(-110, 110, 4000)])
    second = np.column_stack([rng.uniform(0, 100, 4000), rng.uniform(-110, 110, 4000), rng.uniform(-110, 110, 4000)])
    first[:200, 1:] = 0.0
    second[100:300, 1:] = 0.0
    second[300:400, 2] = 0.0
    first[400:500, 1], first[400:500, 2] = -rng.uniform(1, 60, 100), 0.0  # hue exactly 180°
    second[500:600] = first[500:600]
    assert np.array_equal(delta_e2000(first, second), deltaE_ciede2000(first, second))
    grid, row = first[:60].reshape(4, 15, 3), second[:15].reshape(1, 15, 3)
    assert np.array_equal(delta_e2000(grid, row), deltaE_ciede2000(*np.broadcast_arrays(grid, row)))
    assert delta_e2000(first[0], second[0]).shape == () and np.all(delta_e2000(first[500:600], second[500:600]) == 0)
    assert delta_e2000(np.float32([[50, 2.6772, -79.7751]]), [[50.0, 0.0, -82.7485]])[0] == pytest.approx(2.0425,
                                                                                                       abs=1e-4)
