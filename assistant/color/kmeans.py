"""Weighted k-means in NumPy: greedy k-means++ seeding, then Lloyd's iterations.

The palette clusters a few thousand distinct colours into at most 32 paints, which takes
NumPy a few hundredths of a second; scikit-learn's ``KMeans`` does the same work as fast but
costs a guide's process over a second just to import (scipy.stats, pandas). This module
follows the same published method with the same choices, so that a seed gives the palette
``sklearn.cluster.KMeans(n_clusters=k, random_state=seed, n_init=n_init)`` would give
(``tests/test_color_kmeans.py`` compares the two):

- the points are centred on their mean first (distances stay accurate);
- seeding is greedy k-means++ (Arthur & Vassilvitskii 2007): the first centre drawn by
  weight, each next one the best of ``2 + ln k`` candidates drawn by weight × squared distance,
  from one ``numpy.random.RandomState(seed)`` shared by all restarts;
- Lloyd's iterations stop when no point changes cluster, or when the centres' total squared
  shift falls to ``tol`` × the mean variance of the coordinates, after at most ``max_iter``;
  a cluster left empty takes the point farthest from its centre;
- of ``n_init`` restarts the one with the least weighted squared error is kept.
"""

from __future__ import annotations

import numpy as np

from ..base import on_two_cores

__all__ = ["kmeans"]


def kmeans(points: np.ndarray, n_clusters: int, *, weights: np.ndarray | None = None, seed: int = 0,
           n_init: int = 4, max_iter: int = 300, tol: float = 1e-4) -> np.ndarray:
    """Cluster ``points`` into ``n_clusters``; returns the centres, float64 ``(n_clusters, D)``.

    Args:
        points: ``(N, D)`` coordinates, N ≥ ``n_clusters``; not modified.
        n_clusters: how many centres, ≥ 1.
        weights: ``(N,)`` how much each point counts, > 0; None = all alike.
        seed: seeds the k-means++ draws (one generator for all restarts).
        n_init: restarts; the one with the least weighted squared error wins.
        max_iter: Lloyd iterations per restart at most.
        tol: convergence threshold relative to the coordinates' mean variance.

    Raises:
        ValueError: too few points, a bad ``n_clusters``/``n_init``, or bad weights.
    """
    data = np.array(points, dtype=np.float64)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"Expected an (N, D) array of points. Received: shape={np.shape(points)}")
    if not 1 <= n_clusters <= len(data):
        raise ValueError(f"Expected 1 <= n_clusters <= {len(data)} (the number of points). "
                         f"Received: n_clusters={n_clusters}")
    if n_init < 1:
        raise ValueError(f"Expected n_init >= 1. Received: n_init={n_init}")
    weight = np.ones(len(data)) if weights is None else np.asarray(weights, np.float64)
    if weight.shape != (len(data),) or not np.isfinite(weight).all() or (weight <= 0).any():
        raise ValueError(f"Expected {len(data)} weights > 0. Received: shape={weight.shape}")

    mean = data.mean(axis=0)
    data -= mean
    threshold = float(np.var(data, axis=0).mean()) * tol
    norms = np.einsum("ij,ij->i", data, data)
    draws = np.random.RandomState(seed)
    # Lloyd's iterations draw nothing, so every restart's seeding comes first (the same draws in the same
    # order) and the restarts run on two cores.
    starts = [_seed_centres(data, norms, weight, n_clusters, draws) for _ in range(n_init)]
    runs = on_two_cores(lambda run: _lloyd(data, weight, starts[run], max_iter=max_iter, threshold=threshold), n_init)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for centres, labels in runs:
        error = _squared_error(data, weight, centres, labels)
        # A restart replaces the best only when it is better *and* groups the points differently:
        # the same grouping with relabelled clusters can differ in the last bits of its error.
        if best is None or (error < best[0] and not _same_grouping(labels, best[2], n_clusters)):
            best = (error, centres, labels)
    assert best is not None
    return best[1] + mean


def _squared_distances(centres: np.ndarray, data: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """``(C, N)`` squared distances by ‖c‖² − 2 c·x + ‖x‖² (clipped at 0: rounding can dip below)."""
    out = -2.0 * (centres @ data.T)
    out += np.einsum("ij,ij->i", centres, centres)[:, None]
    out += norms[None, :]
    return np.maximum(out, 0.0, out=out)


def _seed_centres(data: np.ndarray, norms: np.ndarray, weight: np.ndarray, n_clusters: int,
                  draws: np.random.RandomState) -> np.ndarray:
    """Greedy k-means++: each new centre is the best of a few candidates drawn by weight × distance²."""
    trials = 2 + int(np.log(n_clusters))
    centres = np.empty((n_clusters, data.shape[1]))
    first = draws.choice(len(data), p=weight / weight.sum())
    centres[0] = data[first]
    closest = _squared_distances(centres[:1], data, norms)[0]
    potential = closest @ weight
    for c in range(1, n_clusters):
        targets = draws.uniform(size=trials) * potential
        candidates = np.searchsorted(np.cumsum(weight * closest), targets)
        np.minimum(candidates, len(data) - 1, out=candidates)
        with_candidate = np.minimum(closest, _squared_distances(data[candidates], data, norms))
        potentials = with_candidate @ weight
        pick = int(np.argmin(potentials))
        potential, closest = potentials[pick], with_candidate[pick]
        centres[c] = data[candidates[pick]]
    return centres


def _assign(data_t: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each point's nearest centre, from the points as columns ``(D, N)``: ‖c‖² − 2 c·x (the point's own ‖x‖²
    does not change the order), scored ``(C, N)`` so that the minimum runs down short columns."""
    score = centres @ data_t
    score *= -2.0
    score += np.einsum("ij,ij->i", centres, centres)[:, None]
    return score.argmin(axis=0).astype(np.int32)


def _lloyd(data: np.ndarray, weight: np.ndarray, start: np.ndarray, *, max_iter: int,
           threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's iterations from ``start``; returns the centres and every point's cluster."""
    centres, data_t = start, np.ascontiguousarray(data.T)
    previous = np.full(len(data), -1, np.int32)
    settled = False
    for _ in range(max_iter):
        labels = _assign(data_t, centres)
        moved = _weighted_means(data, weight, labels, centres)
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        if np.array_equal(labels, previous):
            settled = True
            break
        if shift <= threshold:
            break
        previous = labels
    if not settled:
        labels = _assign(data_t, centres)
    return centres, labels


def _weighted_means(data: np.ndarray, weight: np.ndarray, labels: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Each cluster's weighted mean; an empty cluster moves onto the point farthest from its centre."""
    k, dims = old.shape
    total = np.bincount(labels, weights=weight, minlength=k)
    sums = np.stack([np.bincount(labels, weights=weight * data[:, d], minlength=k) for d in range(dims)], axis=1)
    empty = np.flatnonzero(total == 0)
    if len(empty):
        far = ((data - old[labels]) ** 2).sum(axis=1)
        if far.max() > 0:
            farthest = np.argsort(far, kind="stable")[::-1][:len(empty)]
            for cluster, point in zip(empty, farthest):
                sums[labels[point]] -= data[point] * weight[point]
                total[labels[point]] -= weight[point]
                sums[cluster] = data[point] * weight[point]
                total[cluster] = weight[point]
    means = np.empty_like(sums)
    filled = total > 0
    means[filled] = sums[filled] / total[filled, None]
    # A cluster still empty (more clusters than distinct points) sits on the biggest one.
    means[~filled] = means[int(np.argmax(total))]
    return means


def _squared_error(data: np.ndarray, weight: np.ndarray, centres: np.ndarray, labels: np.ndarray) -> float:
    return float((((data - centres[labels]) ** 2).sum(axis=1) * weight).sum())


def _same_grouping(labels: np.ndarray, other: np.ndarray, n_clusters: int) -> bool:
    """True when ``labels`` and ``other`` group the points alike, up to renaming the clusters."""
    pairs = np.unique(labels.astype(np.int64) * n_clusters + other)
    return len(np.unique(pairs // n_clusters)) == len(pairs)
