"""Leaf module shared by every stage: cancellation, the progress contract, image checks.

Every long-running function in the core takes the same keyword argument::

    on_progress(fraction: float, message: str, preview: np.ndarray | None = None) -> None

``fraction`` rises from 0 to 1, ``message`` says in words what is happening, and
``preview`` (when a stage has one) is a float32 ``(H, W, 3)`` picture of the work so
far. The callback may raise :class:`Cancelled` to stop the run cleanly. Nothing here
imports anything heavier than NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["ZIP_TIME", "Cancelled", "ProgressFn", "check_image", "check_int", "check_number", "deterministic_zip",
           "no_progress", "one_line", "on_two_cores", "progress_span"]

T = TypeVar("T")

#: ``on_progress(fraction, message, preview=None)``: the one progress signature.
ProgressFn = Callable[..., None]


class Cancelled(Exception):
    """Raised (by a progress callback) to stop a run; nothing is left running."""


def no_progress(fraction: float, message: str, preview: np.ndarray | None = None) -> None:
    """The default callback: ignores every report."""


def progress_span(on_progress: ProgressFn | None, start: float, span: float) -> ProgressFn:
    """A callback that maps a stage's own 0–1 onto ``[start, start + span]`` of ``on_progress``.

    Lets a front end give each stage its share of one progress bar.
    """
    report = on_progress or no_progress

    def scaled(fraction: float, message: str, preview: np.ndarray | None = None) -> None:
        # Rounded so that the end of one span and the start of the next compare equal.
        report(round(start + span * min(1.0, max(0.0, fraction)), 9), message, preview)

    return scaled


def on_two_cores(work: Callable[[int], T], count: int) -> list[T]:
    """``[work(0), …, work(count - 1)]``, the even and odd ones on two threads.

    For pieces of NumPy and OpenCV work that do not depend on each other and let go of the interpreter (the
    step pictures, each paint's pixels): on two cores about half the wait, the same results in the same order.
    """
    if count < 2:
        return [work(index) for index in range(count)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="painting-assistant-odd") as pool:
        odd = pool.submit(lambda: [work(index) for index in range(1, count, 2)])
        even = [work(index) for index in range(0, count, 2)]
        results = odd.result()
    merged = even + results
    merged[0::2], merged[1::2] = even, results
    return merged


def check_image(image: object, name: str = "image", *, min_side: int = 8) -> np.ndarray:
    """Return ``image`` if it is an ``(H, W, 3)`` array of at least ``min_side`` px a side.

    Raises:
        ValueError: with the shape received, in the Keras "Expected … Received:" form.
    """
    shape = getattr(image, "shape", None)
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"Expected {name} as an (H, W, 3) array. Received: shape={shape}")
    if min(image.shape[:2]) < min_side:
        raise ValueError(f"Expected {name} of at least {min_side}×{min_side} pixels. Received: shape={shape}")
    return image


def check_int(name: str, value: object, low: int, high: int) -> int:
    """Return ``value`` if it is a whole number (a Python ``int``, not a bool) in ``[low, high]``.

    Options are written into ``plan.json`` and project files as they are, so 5.5 colours
    or a seed of 1e300 must be refused here rather than fail later or be written down.

    Raises:
        ValueError: in the Keras "Expected … Received:" form.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"Expected {name} to be a whole number from {low} to {high}. Received: {name}={value!r}")
    return value


def check_number(name: str, value: object, low: float, high: float) -> float:
    """Return ``value`` if it is a finite real number (int or float, not a bool) in ``[low, high]``.

    NaN and infinity never pass, so they never reach ``plan.json`` (where they are not JSON).
    """
    if (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            or not low <= value <= high):
        raise ValueError(f"Expected {name} to be a number from {low:g} to {high:g}. Received: {name}={value!r}")
    return value


#: The timestamp of every member of the ZIP files we write, so that the same content gives the same bytes.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def deterministic_zip(entries: dict[str, bytes], *, stored: tuple[str, ...] = (), mode: int | None = None) -> bytes:
    """``entries`` (name → bytes) as ZIP bytes that depend on the content only.

    Members are sorted by name, dated :data:`ZIP_TIME`, deflated, except names ending in one of
    ``stored`` (already compressed: PNG, GIF), which are stored; ``mode`` (e.g. ``0o644``) sets
    the Unix permissions recorded for each member (none when None).
    """
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if stored and name.endswith(stored) else zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 300 characters), without an OSError's file paths."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
