"""The guide as files: a ZIP (bytes) for the browser, an output folder for the CLI.

Outputs are byte-for-byte reproducible: fixed ZIP timestamps and a fixed PDF date.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..images import encode_png
from ..pipeline import Guide
from .pdf import to_pdf
from .plan import _stroke_media, image_files, plan_json, stroke_files

__all__ = ["outline_files", "to_zip", "write_guide"]

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def png_files(guide: Guide) -> dict[str, bytes]:
    """Every image of the guide as PNG bytes under its file name (fast compression)."""
    return {name: encode_png(image, compression=1) for name, image in image_files(guide).items()}


def outline_files(guide: Guide, *, paper: str = "a4", grid: bool = False) -> dict[str, bytes]:
    """The real-size outline: ``outline.svg``, ``print/outline_tiles.pdf`` and ``print/outline_full.pdf``."""
    from .svg import to_svg
    from .tiles import full_size_pdf, tiles_pdf

    return {
        "outline.svg": to_svg(guide, grid=grid),
        "print/outline_tiles.pdf": tiles_pdf(guide, paper=paper, grid=grid),
        "print/outline_full.pdf": full_size_pdf(guide, grid=grid),
    }


def to_zip(
    guide: Guide, *, extra_files: dict[str, bytes] | None = None, stroke_media: dict[str, bytes] | None = None,
    outlines: dict[str, bytes] | None = None, pngs: dict[str, bytes] | None = None,
) -> bytes:
    """ZIP with every PNG, ``plan.json``, the real-size outline, the stroke files and ``extra_files`` (e.g. the PDF).

    ``stroke_media`` / ``outlines`` / ``pngs``: the results of :func:`stroke_files` /
    :func:`outline_files` / :func:`png_files` when the caller already has them.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = dict(png_files(guide) if pngs is None else pngs)
        entries["plan.json"] = plan_json(guide)
        entries.update(outline_files(guide) if outlines is None else outlines)
        entries.update(stroke_files(guide) if stroke_media is None else stroke_media)
        entries.update(extra_files or {})
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".png", ".gif")) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def write_guide(guide: Guide, outdir: str | Path, *, extra_files: dict[str, bytes] | None = None,
                paper: str = "a4", grid: bool = False) -> dict[str, Path]:
    """Write the guide to ``outdir`` (created if needed), plus ``extra_files`` (e.g. ``guide.project``).

    ``paper`` ("a4" or "letter") and ``grid`` (the grid method's lines) shape the real-size outline.
    Returns the paths written.
    """
    outdir = Path(outdir)
    pngs = png_files(guide)
    files: dict[str, bytes] = dict(pngs)
    files.update(extra_files or {})
    media, frames = _stroke_media(guide)
    files.update(media)
    if frames:
        from ..stroke_guide import encode_mp4

        mp4 = encode_mp4(frames)
        if mp4:
            files["timelapse.mp4"] = mp4
    pdf = to_pdf(guide, grid=grid)
    outlines = outline_files(guide, paper=paper, grid=grid)
    files.update(outlines)
    files.update(
        {"plan.json": plan_json(guide), "guide.pdf": pdf,
         "guide.zip": to_zip(guide, extra_files={"guide.pdf": pdf}, stroke_media=media, outlines=outlines,
                             pngs=pngs)}
    )
    written: dict[str, Path] = {}
    for name, data in files.items():
        path = outdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[name] = path
    return written
