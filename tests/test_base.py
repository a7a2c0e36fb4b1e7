"""The leaf module: the one progress contract, cancellation, image checks."""

import numpy as np
import pytest

from assistant.base import Cancelled, check_image, no_progress, progress_span


def test_progress_span_maps_a_stage_onto_its_share():
    seen = []
    stage = progress_span(lambda f, m, preview=None: seen.append((f, m, preview)), 0.2, 0.5)
    picture = np.zeros((2, 2, 3), np.float32)
    stage(0.0, "start")
    stage(0.5, "half", picture)
    stage(1.5, "past the end")
    assert [f for f, _, _ in seen] == [0.2, 0.45, 0.7]
    assert seen[1][2] is picture and seen[0][2] is None
    progress_span(None, 0.0, 1.0)(0.5, "nobody listens")  # no callback: no error
    no_progress(0.1, "ignored", None)


def test_cancelled_raised_by_a_callback_reaches_the_caller():
    def cancel(fraction, message, preview=None):
        raise Cancelled()

    with pytest.raises(Cancelled):
        progress_span(cancel, 0.0, 1.0)(0.3, "working")


def test_check_image_accepts_rgb_and_refuses_the_rest():
    image = np.zeros((8, 9, 3), np.float32)
    assert check_image(image) is image
    with pytest.raises(ValueError, match=r"Expected photo as an \(H, W, 3\) array. Received: shape=\(8, 9\)"):
        check_image(np.zeros((8, 9)), "photo")
    with pytest.raises(ValueError, match="at least 16×16"):
        check_image(image, "target", min_side=16)
    with pytest.raises(ValueError, match="shape=None"):
        check_image([[1, 2, 3]])


def test_on_two_cores_keeps_order_and_runs_each_piece_once():
    import threading

    from assistant.base import on_two_cores

    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(index: int) -> int:
        with lock:
            seen.append((index, threading.current_thread().name))
        return index * index

    assert on_two_cores(work, 7) == [0, 1, 4, 9, 16, 25, 36]
    assert sorted(i for i, _ in seen) == list(range(7))
    assert {name for i, name in seen if i % 2} != {name for i, name in seen if not i % 2}  # two threads
    assert on_two_cores(work, 1) == [0] and on_two_cores(work, 0) == []

    def fails(index: int) -> int:
        if index == 3:
            raise ValueError("Expected a piece. Received: 3")
        return index

    with pytest.raises(ValueError, match="Received: 3"):
        on_two_cores(fails, 5)
