"""The palette's own k-means: the same centres as scikit-learn's KMeans for the same seed (issue 22: the
guide's process no longer pays a second to import scikit-learn, and no palette changes)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import photo_array

from assistant.color.kmeans import kmeans


def _photo_colours(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A photo's distinct binned colours in DIN99o and their pixel counts, as the palette clusters them."""
    from assistant.color import palette
    from assistant.color.spaces import lab_to_din99o, rgb_to_lab

    keys, index = palette._distinct_keys(palette._bin_keys(photo_array(name, 256)).ravel())
    din = lab_to_din99o(rgb_to_lab(palette._key_to_rgb(keys)).astype(np.float64))
    return din, np.bincount(index).astype(np.float64)


@pytest.mark.parametrize(("name", "k", "seed"), [("astronaut", 12, 0), ("coffee", 6, 3), ("chelsea", 20, 7)])
def test_same_centres_as_scikit_learn(name, k, seed):
    from sklearn.cluster import KMeans

    din, counts = _photo_colours(name)
    weights = counts * np.linspace(0.5, 3.0, len(counts))  # uneven, like the detail map's weights
    for w in (counts, weights):
        reference = KMeans(n_clusters=k, random_state=seed, n_init=4).fit(din, sample_weight=w).cluster_centers_
        np.testing.assert_allclose(kmeans(din, k, weights=w, seed=seed, n_init=4), reference, rtol=0, atol=1e-9)


def test_two_clear_groups_are_found_and_weights_pull_the_centre():
    points = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 10.0], [10.0, 11.0]])
    centres = kmeans(points, 2, seed=0)
    assert sorted(map(tuple, centres.round(6))) == [(0.0, 0.5), (10.0, 10.5)]
    heavy = kmeans(points, 2, weights=np.array([1.0, 3.0, 1.0, 1.0]), seed=0)
    assert sorted(map(tuple, heavy.round(6)))[0] == (0.0, 0.75)


def test_seeded_and_input_untouched():
    din, counts = _photo_colours("coffee")
    before = din.copy()
    first = kmeans(din, 8, weights=counts, seed=5)
    assert np.array_equal(din, before)
    assert np.array_equal(first, kmeans(din, 8, weights=counts, seed=5))
    assert not np.array_equal(first, kmeans(din, 8, weights=counts, seed=6))


def test_an_emptied_cluster_takes_the_farthest_point():
    from assistant.color.kmeans import _weighted_means

    data, weights = np.array([[0.0], [1.0], [10.0]]), np.array([1.0, 1.0, 2.0])
    moved = _weighted_means(data, weights, np.zeros(3, np.int32), np.array([[3.6], [100.0]]))
    assert np.allclose(moved.ravel(), [0.5, 10.0])  # cluster 1 lost every point; 10 was farthest from its centre


def test_more_clusters_than_distinct_points_still_gives_centres_on_the_data():
    centres = np.sort(kmeans(np.array([[0.0], [0.0], [0.0], [5.0], [9.0]]), 3, seed=0).ravel())
    assert np.allclose(centres, [0.0, 5.0, 9.0])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_clusters": 0}, "n_clusters=0"),
    ({"n_clusters": 9}, "n_clusters=9"),
    ({"n_clusters": 2, "n_init": 0}, "n_init=0"),
    ({"n_clusters": 2, "weights": np.zeros(5)}, "weights > 0"),
    ({"n_clusters": 2, "weights": np.ones(4)}, "weights > 0"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kmeans(np.arange(10.0).reshape(5, 2), **kwargs)
