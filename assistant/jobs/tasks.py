"""The tasks: each a pure function ``task(inputs, on_progress) -> result`` of the inputs it is given.

A worker runs them (:mod:`assistant.jobs.worker`) with nothing but the inputs that travelled
through the queue: the networks come from the worker's own install, never from the app. The
``*_request`` functions build those inputs, so what a job needs is written down once.

==========  =========================================================  ==================================
kind        inputs                                                     result
==========  =========================================================  ==================================
strokes     target, palette, painter options, detail map               :class:`~assistant.strokes.painter.Painting`
style       photo, styles and weights, style options, labels, start    (picture, StyleRecord, source, own)
guide       photo bytes and name, ``guide`` command options            {file name: bytes} of a guide folder
probe       steps, pause, result, fail                                 the given result (health checks, benches)
==========  =========================================================  ==================================
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..base import ProgressFn
from .queue import MAX_PAYLOAD_BYTES

if TYPE_CHECKING:
    from ..pipeline import Guide
    from ..strokes.painter import PainterOptions, Painting
    from ..style.transfer import StyleOptions, StyleRecord

__all__ = ["TASKS", "Request", "guide_request", "probe_request", "run_task",
           "strokes_request", "style_request"]


@dataclass(frozen=True)
class Request:
    """A job to run: its kind, its inputs, and small facts (JSON) about what its result belongs to."""

    kind: str
    inputs: dict
    meta: dict = field(default_factory=dict)


def run_task(kind: str, inputs: dict, on_progress: ProgressFn) -> object:
    """Run the task of ``kind`` here, in this process."""
    return TASKS[kind](inputs, on_progress)


# --- probe: waits and reports; the health check and the benchmarks' job ---------------------------


def probe_request(steps: int = 0, pause: float = 0.0, *, result: object = None, fail: str = "",
                  preview: bool = False) -> Request:
    return Request("probe", {"steps": int(steps), "pause": float(pause), "result": result, "fail": fail,
                             "preview": bool(preview)})


def probe(inputs: dict, on_progress: ProgressFn) -> object:
    steps = inputs["steps"]
    for step in range(steps):
        picture = np.full((8, 8, 3), step / steps, np.float32) if inputs["preview"] else None
        on_progress(step / steps, f"step {step + 1} of {steps}", picture)
        time.sleep(inputs["pause"])
    if inputs["fail"]:
        raise ValueError(inputs["fail"])
    on_progress(1.0, "Done")
    return inputs["result"]


# --- strokes: the brushstroke painting of a guide -----------------------------------------------


def strokes_request(guide: Guide, options: PainterOptions) -> Request:
    """Paint ``guide`` with brushstrokes (``options``: :class:`~assistant.strokes.painter.PainterOptions`)."""
    from ..work import guide_key, painter_inputs

    target, palette_rgb, options, detail = painter_inputs(guide, options)
    return Request("strokes", {"target": target, "palette": palette_rgb, "options": options, "detail": detail},
                   {"guide": guide_key(guide)})


def paint_strokes(inputs: dict, on_progress: ProgressFn) -> Painting:
    from ..models import import_tensorflow_quietly
    from ..strokes.painter import paint
    from ..strokes.renderer import load_renderer

    import_tensorflow_quietly()
    return paint(inputs["target"], inputs["palette"], inputs["options"], renderer=load_renderer(),
                 on_progress=on_progress, detail=inputs["detail"])


# --- style: the VGG19 refinement ----------------------------------------------------------------


def style_request(photo: np.ndarray, styles: Iterable[tuple[np.ndarray, float]], options: StyleOptions,
                  labels: Iterable[str], *, preset: str = "", start: tuple[np.ndarray, int] | None = None,
                  instant: StyleRecord | None = None, weights: str | None = "auto", source: dict | None = None,
                  own: bool = False) -> Request:
    """Repaint ``photo`` with ``styles`` ([(picture, weight)]) by VGG19 optimisation.

    ``start``: (picture, first level) to carry on from; ``instant``: the fast engine's
    :class:`~assistant.style.transfer.StyleRecord` the start picture came from (the record says so);
    ``source``: what the page chose (kept with the result); ``own``: the first style picture is the
    painter's own (it comes back with the result, to be kept in the project).
    """
    provenance = None
    if instant is not None and start is not None:
        provenance = {"fast_strength": instant.fast_strength, "vector": instant.vector, "weights": instant.weights,
                      "colour_anchor": instant.colour_anchor}
    return Request("style", {"photo": photo, "styles": list(styles), "options": options, "labels": list(labels),
                             "preset": preset, "start": start, "instant": provenance, "weights": weights,
                             "source": dict(source or {}), "own": bool(own)})


def refine_style(inputs: dict, on_progress: ProgressFn
                 ) -> tuple[np.ndarray, StyleRecord, dict, np.ndarray | None]:
    from ..models import device_description, import_tensorflow_quietly
    from ..style.features import WeightsUnavailable, build_feature_extractor
    from ..style.transfer import stylize

    import_tensorflow_quietly()
    try:
        network = build_feature_extractor(inputs["weights"])
    except WeightsUnavailable as exc:  # this worker has no VGG19 weights: one line, as for any bad setting
        raise ValueError(str(exc)) from None
    result = stylize(inputs["photo"], inputs["styles"], network=network, options=inputs["options"],
                     on_progress=on_progress, resume_from=inputs["start"])
    record = result.record(inputs["labels"], device=device_description(), preset=inputs["preset"])
    if inputs["instant"] is not None:
        record = dataclasses.replace(record, engine="fast+vgg19", **inputs["instant"])
    own = inputs["styles"][0][0] if inputs["own"] else None
    return result.image, record, inputs["source"], own


# --- guide: one photo's whole guide folder (the batch command) ------------------------------------


def guide_request(photo: bytes, name: str, options: dict) -> Request:
    """The guide folder of one photo; ``options``: the ``guide`` command's options by name (``colors``: 8, …)."""
    return Request("guide", {"photo": photo, "name": Path(name).name, "options": dict(options)})


def guide_folder(inputs: dict, on_progress: ProgressFn) -> dict[str, bytes]:
    """The ``guide`` command's work for one photo or project (:func:`assistant.work.open_bytes`), as its folder's files."""
    import tempfile

    from ..work import GuideRequest, open_bytes, write_folder

    request = GuideRequest.from_flags(inputs["options"])
    work = open_bytes(inputs["photo"], inputs["name"], request, on_progress=on_progress)
    with tempfile.TemporaryDirectory(prefix="painting-assistant-guide-") as folder:
        out = Path(folder) / "guide"
        write_folder(work, out, paper=request.paper, grid=request.grid, on_progress=on_progress)
        files, size = {}, 0
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            files[path.relative_to(out).as_posix()] = data = path.read_bytes()
            size += len(data)
            if size > MAX_PAYLOAD_BYTES:
                raise ValueError(f"The guide folder is larger than the queue takes ({MAX_PAYLOAD_BYTES // 2**20} MB).")
        return files


TASKS = {"strokes": paint_strokes, "style": refine_style, "guide": guide_folder, "probe": probe}
