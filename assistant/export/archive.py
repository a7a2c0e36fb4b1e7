"""The guide as files: a ZIP (bytes) for the browser, an output folder for the CLI.

Outputs are byte-for-byte reproducible: fixed ZIP timestamps and a fixed PDF date.

The output folder is replaced as a whole: the guide is written into a fresh hidden sibling
(``.OUT.tmp-PID-XXXX``) and moved into place, so ``OUT`` is always either the old guide or the
complete new one, never a mix, and no file of an earlier run stays behind.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from ..base import deterministic_zip
from ..images import encode_png
from ..pipeline import Guide
from .pdf import to_pdf
from .plan import _stroke_media, image_files, plan_json, stroke_files

__all__ = ["check_output_dir", "outline_files", "to_zip", "write_guide"]



def png_files(guide: Guide) -> dict[str, bytes]:
    """Every image of the guide as PNG bytes under its file name (fast compression and filtering)."""
    return {name: encode_png(image, compression=1, fast=True) for name, image in image_files(guide).items()}


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
    entries = dict(png_files(guide) if pngs is None else pngs)
    entries["plan.json"] = plan_json(guide)
    entries.update(outline_files(guide) if outlines is None else outlines)
    entries.update(stroke_files(guide) if stroke_media is None else stroke_media)
    entries.update(extra_files or {})
    # Already compressed inside (PNG, GIF, PDF streams, MP4): deflating them again saves under 5 % and
    # costs a 12 MP guide about a tenth of a second.
    return deterministic_zip(entries, stored=(".png", ".gif", ".pdf", ".mp4"), mode=0o644)


def write_guide(guide: Guide, outdir: str | Path, *,
                extra_files: Mapping[str, bytes | Callable[[], bytes]] | None = None,
                paper: str = "a4", grid: bool = False) -> dict[str, Path]:
    """Write the guide to ``outdir``, plus ``extra_files`` (e.g. ``guide.project``): bytes, or a function
    that makes them, which runs beside the PDF (a project deflates its photo without the interpreter).

    ``outdir`` must pass :func:`check_output_dir`; a guide already there is replaced as a whole
    (atomically: see the module's docstring). ``paper`` ("a4" or "letter") and ``grid`` (the grid
    method's lines) shape the real-size outline. Returns the paths written.
    """
    from concurrent.futures import ThreadPoolExecutor

    outdir = check_output_dir(outdir)
    # The PNGs are encoded beside the PDF and the outlines: OpenCV lets go of the interpreter while it
    # compresses, so on two cores the painter waits for the longer of the two, not their sum.
    extra = dict(extra_files or {})
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="painting-assistant-png") as pool:
        encoding = pool.submit(png_files, guide)
        making = {name: pool.submit(make) for name, make in extra.items() if callable(make)}
        media, frames = _stroke_media(guide)
        mp4 = None
        if frames:
            from ..export.media import encode_mp4

            mp4 = encode_mp4(frames)
        pdf = to_pdf(guide, grid=grid)
        outlines = outline_files(guide, paper=paper, grid=grid)
        pngs = encoding.result()
        extra.update({name: future.result() for name, future in making.items()})
    files: dict[str, bytes] = dict(pngs)
    files.update({name: data for name, data in extra.items() if isinstance(data, bytes)})
    files.update(media)
    if mp4:
        files["timelapse.mp4"] = mp4
    files.update(outlines)
    files.update(
        {"plan.json": plan_json(guide), "guide.pdf": pdf,
         "guide.zip": to_zip(guide, extra_files={"guide.pdf": pdf}, stroke_media=media, outlines=outlines,
                             pngs=pngs)}
    )
    return _write_folder(outdir, files)


# ---------------------------------------------------------------------------------------------
# The output folder

_PLAN_FORMAT = "painting-assistant/plan"
_MAX_PLAN_BYTES = 64 << 20
_AT_FDCWD = -100  # Linux
_RENAME_EXCHANGE = 2


def check_output_dir(path: str | Path) -> Path:
    """The guide folder ``path`` as an absolute path, checked before any work is done.

    Accepted: a folder that does not exist yet (it is created, with missing parents, in a writable
    folder), an empty folder, or a painting guide folder written earlier (replaced as a whole).
    Raises ValueError (one line) for an empty name, the current folder, a file, a symbolic link, a
    folder that cannot be written into, and a non-empty folder that is not a painting guide: that
    one is never deleted.
    """
    text = str(path)
    if not text.strip():
        raise ValueError("Expected an output folder. Received: -o ''")
    out = Path(os.path.abspath(text))
    cwd = Path(os.getcwd())
    if not out.name or out == cwd or out in cwd.parents:
        raise ValueError(f"{text} is the current folder or holds it; choose another folder")
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ValueError(f"Cannot use {text} as the output folder ({exc.strerror}); choose another folder") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ValueError(f"{text} is a symbolic link; choose another folder")
        if not stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{text} is a file, not a folder; choose another folder")
        if not _is_guide_folder(out):
            raise ValueError(f"{text} is not empty and is not a painting guide folder; choose another folder")
    parent = out.parent
    while not os.path.lexists(parent):
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"{parent} is not a folder; choose another output folder than {text}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"Cannot write into {parent}; choose another output folder than {text}")
    return out


def _is_guide_folder(folder: Path) -> bool:
    """True for an empty folder or one holding a guide of ours (its plan.json or guide.project)."""
    try:
        with os.scandir(folder) as scan:
            entries = {entry.name: entry for entry in scan}
    except OSError:
        return False
    if not entries:
        return True
    plan = entries.get("plan.json")
    if plan is not None and plan.is_file(follow_symlinks=False):
        try:
            content = json.loads(_read_small(plan.path) or b"null")
        except (ValueError, UnicodeDecodeError):
            content = None
        if isinstance(content, dict) and content.get("format") == _PLAN_FORMAT:
            return True
    project = entries.get("guide.project")
    if project is not None and project.is_file(follow_symlinks=False):
        from ..project import is_project

        return is_project(_read_small(project.path))
    return False


def _read_small(path: str) -> bytes:
    """The bytes of a regular file (not followed as a link), or b"" when it is large or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(_MAX_PLAN_BYTES + 1)
    return b"" if len(data) > _MAX_PLAN_BYTES else data


def _sibling(out: Path, kind: str) -> Path:
    """A fresh hidden name next to ``out``: ``.OUT.KIND-PID-XXXXXXXX``."""
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _write_folder(out: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write ``files`` into a fresh sibling of ``out`` and move it into place; on failure ``out`` is untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(out)
    while True:
        temp = _sibling(out, "tmp")
        try:
            os.mkdir(temp, 0o777)  # the usual permissions (umask applies), unlike mkdtemp's 0700
            break
        except FileExistsError:
            continue
    try:
        for name, data in files.items():
            path = temp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as handle:
                handle.write(data)
        check_output_dir(out)  # still ours: nothing replaced it meanwhile
        _move_into_place(temp, out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)  # the new guide when it failed, else the old one or nothing
    return {name: out / name for name in files}


def _move_into_place(temp: Path, out: Path) -> None:
    """Make the folder ``temp`` become ``out``; an earlier ``out`` ends up at ``temp`` (deleted by the caller)."""
    try:
        os.rename(temp, out)  # no folder (or an empty one) there yet
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if _exchange(temp, out):
        return
    old = _sibling(out, "old")  # without an atomic swap: two renames, undone on failure
    os.rename(out, old)
    try:
        os.rename(temp, out)
    except BaseException:
        os.rename(old, out)
        raise
    os.rename(old, temp)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where that is unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _sweep_stale(out: Path) -> None:
    """Remove the temporary siblings of ``out`` left by runs that were killed; restore a guide set aside.

    Only folders named by this module whose process is gone are touched (POSIX only).
    """
    if os.name != "posix":
        return
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(tmp|old)-(\d+)-[0-9a-f]{{8}}")
    try:
        with os.scandir(out.parent) as scan:
            stale = [(entry, match[1]) for entry in scan if (match := pattern.fullmatch(entry.name))
                     and entry.is_dir(follow_symlinks=False) and not _alive(int(match[2]))]
    except OSError:
        return
    for entry, kind in sorted(stale, key=lambda item: item[0].name):
        if kind == "old" and not os.path.lexists(out):
            try:  # killed between setting the old guide aside and moving the new one in
                os.rename(entry.path, out)
                continue
            except OSError:
                pass
        shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (this process: yes; another user's: yes)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
