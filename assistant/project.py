"""Project files: save a guide's inputs and expensive results, reopen them later.

A project (``guide.project``) is a ZIP holding everything needed to rebuild a guide
without running style transfer or the brushstroke painter again::

    project.json   {"format": "painting-assistant/project", "version": 1, "photo": {...},
                    "options": {...} | null, "style": {...} | null, "style_source": {...} | null,
                    "painting": {...} | null, "settings": {...}}
    photo.npy      float32 (H, W, 3) working photo, exact
    target.npy     the stylised picture (when a style was used)
    style.npy      the user's own style picture (when one was uploaded)
    painting.npy   the brushstroke painting at full size; strokes.npy: one row a stroke
    plan.json      the plan the guide had when saved (for people and other tools)

Arrays are stored as ``.npy`` (read with ``allow_pickle=False``) so that a reopened
project rebuilds a byte-identical ``plan.json``. :func:`load_project` treats the
bytes as hostile: size, member and shape limits first, one-line :class:`ProjectError`.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import __version__
from .base import deterministic_zip

if TYPE_CHECKING:
    from .pipeline import Guide, GuideOptions
    from .strokes.painter import Painting
    from .style.transfer import StyleRecord

__all__ = ["FORMAT", "VERSION", "Project", "ProjectError", "is_project", "load_project", "project_arrays",
           "project_files", "project_from_files", "project_from_guide", "project_json", "save_project"]

FORMAT = "painting-assistant/project"
VERSION = 1
_ARRAYS = ("photo", "target", "style", "painting")
#: Largest project accepted, compressed and uncompressed (a 2048 px photo, target, style and painting fit).
MAX_BYTES = 256 * 2**20
#: Longest side of a picture in a project: a guide rebuilt at 2048 px stays within 2 GiB and a minute.
_MAX_SIDE = 2048  # the largest working size a guide may have (pipeline.MAX_SIDE)
#: Most strokes (the painter paints at most 5000).
_MAX_STROKES = 5000
_MAX_JSON_BYTES = 4 * 2**20
_MAX_PLAN_BYTES = 32 * 2**20
_MAX_JSON_DEPTH = 32
_MAX_NPY_HEADER = 4096
_MAX_MEMBERS = 16
_MAX_DIRECTORY = 64 * 1024  # bytes of ZIP central directory (16 members need about 1 kB)
#: Each array member: its dtype, its number of dimensions and its largest shape.
_NPY_SHAPES = {
    "photo.npy": (np.float32, (_MAX_SIDE, _MAX_SIDE, 3)),
    "target.npy": (np.float32, (_MAX_SIDE, _MAX_SIDE, 3)),
    "style.npy": (np.float32, (_MAX_SIDE, _MAX_SIDE, 3)),
    "painting.npy": (np.float32, (_MAX_SIDE, _MAX_SIDE, 3)),
    "strokes.npy": (np.float64, (_MAX_STROKES, 10)),
}


class ProjectError(ValueError):
    """A project file that cannot be opened (corrupt, foreign, too new, too large)."""


@dataclass(frozen=True)
class Project:
    """What a project file holds. Arrays are float32 (H, W, 3) in [0, 1].

    Attributes:
        photo: the working photo.
        photo_name: what the user called it (file name or sample).
        photo_notes: notes from decoding (e.g. "scaled from 4000 px").
        options: the guide options (None before a palette was chosen).
        target: the stylised picture, or None.
        style: the :class:`assistant.style.transfer.StyleRecord` of ``target``.
        style_source: which style pictures made it: ``{"styles": [ids]}`` for bundled
            ones, ``{"image": "style.npy"}`` for an uploaded one (then ``style_image``).
        style_image: the uploaded style picture, or None.
        painting: the :class:`assistant.strokes.painter.Painting`, or None.
        settings: the app's control values (plain JSON), so a reopened project
            shows the controls as they were.
        plan: the ``plan.json`` bytes stored with it (b"" when none).
    """

    photo: np.ndarray
    photo_name: str = ""
    photo_notes: tuple[str, ...] = ()
    options: GuideOptions | None = None
    target: np.ndarray | None = None
    style: StyleRecord | None = None
    style_source: dict | None = None
    style_image: np.ndarray | None = None
    painting: Painting | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    plan: bytes = b""


def is_project(data: bytes) -> bool:
    """True when ``data`` looks like a project (a ZIP with ``project.json``), without opening it fully."""
    if not data.startswith(b"PK\x03\x04") or not _directory_fits(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "project.json" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def project_from_guide(guide: Guide, *, photo_name: str = "", photo_notes: tuple[str, ...] = (), style_source: dict | None = None,
                       style_image: np.ndarray | None = None, settings: dict | None = None,
                       with_plan: bool = True) -> Project:
    """The project of a finished :class:`assistant.Guide`."""
    from .export.plan import plan_json

    has_target = guide.is_stylised
    return Project(
        photo=guide.photo if guide.source_photo is None else guide.source_photo, photo_name=photo_name,
        photo_notes=tuple(photo_notes), options=guide.options,
        target=(guide.target if guide.source_target is None else guide.source_target) if has_target else None, style=guide.style if has_target else None,
        style_source=style_source if has_target else None, style_image=style_image if has_target else None,
        painting=None if guide.strokes is None else guide.strokes.painting,
        settings=dict(settings or {}), plan=plan_json(guide) if with_plan else b"",
    )


# --- writing ------------------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def project_json(project: Project) -> bytes:
    """The ``project.json`` member: everything but the arrays (small; the app rewrites it on every change)."""
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"painting-assistant {__version__}",
        "photo": {"name": project.photo_name, "notes": list(project.photo_notes)},
        "options": None if project.options is None else project.options.to_dict(),
        "style": None,
        "style_source": None,
        "painting": None if project.painting is None else project.painting.to_dict(),
        "settings": project.settings,
    }
    if project.target is not None:
        meta["style"] = None if project.style is None else project.style.to_dict()
        meta["style_source"] = project.style_source
    return (json.dumps(meta, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def project_arrays(project: Project) -> dict[str, bytes]:
    """The array members (``.npy``) of a project."""
    files = {"photo.npy": _npy(project.photo.astype(np.float32))}
    if project.target is not None:
        files["target.npy"] = _npy(project.target.astype(np.float32))
        if project.style_image is not None:
            files["style.npy"] = _npy(project.style_image.astype(np.float32))
    if project.painting is not None:
        files["painting.npy"] = _npy(project.painting.image.astype(np.float32))
        files["strokes.npy"] = _npy(project.painting.stroke_table())
    return files


def project_files(project: Project) -> dict[str, bytes]:
    """The members of a project, name → bytes (also what the app keeps per session)."""
    files = project_arrays(project)
    files["project.json"] = project_json(project)
    if project.plan:
        files["plan.json"] = project.plan
    return files


#: Members stored, not deflated: pictures as float32 deflate by only about a fifth, and deflating a 768 × 1024
#: photo costs about 0.27 s, the longest part of writing a guide after the PDF (bench/guide_speed.py).
_STORED = ("photo.npy", "target.npy", "style.npy", "painting.npy")


def save_project(project: Project) -> bytes:
    """The project as ZIP bytes (fixed timestamps: the same project gives the same bytes)."""
    return deterministic_zip(project_files(project), stored=_STORED)


# --- reading ------------------------------------------------------------------


def load_project(data: bytes, *, max_bytes: int = MAX_BYTES) -> Project:
    """Open project bytes. Raises :class:`ProjectError` (one line) for anything that is not a usable project."""
    if len(data) > max_bytes:
        raise ProjectError(f"This project file is too large ({len(data) / 2**20:.0f} MB; at most {max_bytes / 2**20:.0f} MB).")
    if not data.startswith(b"PK\x03\x04"):
        raise ProjectError("This is not a Painting Assistant project file (it is not a ZIP archive).")
    if not _directory_fits(data):  # before zipfile parses it: a million members cost gigabytes
        raise ProjectError("This project file holds more than a project can (too many members).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_MEMBERS or sum(i.file_size for i in infos) > max_bytes:
                raise ProjectError("This project file holds more than a project can (too many or too large members).")
            names = {i.filename for i in infos}
            if len(names) < len(infos):
                raise ProjectError("This project file is damaged (it holds a member twice).")
            if "project.json" not in names:
                raise ProjectError("This ZIP is not a Painting Assistant project (no project.json inside).")
            # Sizes in ZIP headers are not trusted: each member is read with its own hard cap.
            files, total = {}, 0
            for info in infos:
                if info.filename in _KNOWN:
                    files[info.filename] = _read_member(archive, info)
                    total += len(files[info.filename])
                    if total > max_bytes:
                        raise ProjectError("This project file holds more than a project can (too large members).")
    except ProjectError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError, MemoryError) as exc:
        raise ProjectError(f"This project file is damaged and cannot be opened ({type(exc).__name__}).") from exc
    return project_from_files(files)


def _directory_fits(data: bytes) -> bool:
    """Whether the ZIP's end record announces a central directory a project can have (at most 16 members, no ZIP64).

    The end record is found as :mod:`zipfile` finds it; an archive without one is left to zipfile to refuse.
    """
    if len(data) >= 22 and data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\x00\x00":
        at = len(data) - 22
    else:
        at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
        if at < 0 or at + 22 > len(data):
            return True
    entries, size = struct.unpack_from("<HI", data, at + 10)
    zip64 = at >= 20 and data[at - 20 : at - 16] == b"PK\x06\x07"
    return entries <= _MAX_MEMBERS and size <= _MAX_DIRECTORY and not zip64


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One member's bytes, never more than a project can hold: an array's header is checked before its data."""
    name = info.filename
    with archive.open(info) as stream:
        if name in _NPY_SHAPES:
            seen = _Recorder(stream)
            shape, dtype = _npy_header(seen, name)
            size = int(np.prod(shape, dtype=object)) * dtype.itemsize
            body = stream.read(size + 1)
            if len(body) != size:
                raise ProjectError(f"This project file is damaged ({name} does not hold the data its header announces).")
            return bytes(seen.data) + body
        cap = _MAX_JSON_BYTES if name == "project.json" else _MAX_PLAN_BYTES
        data = stream.read(cap + 1)
        if len(data) > cap:
            raise ProjectError(f"This project file is damaged ({name} is larger than {cap // 2**20} MB).")
        return data


class _Recorder:
    """A read-only stream that keeps what was read from it (the header of an array member)."""

    def __init__(self, stream) -> None:
        self.stream, self.data = stream, bytearray()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.data += chunk
        return chunk


def _npy_header(stream, name: str) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an ``.npy`` member announces, checked against what a project holds (nothing allocated)."""
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(stream)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"npy format {version}")
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, _, dtype = read(stream, max_header_size=_MAX_NPY_HEADER)
    except (ValueError, OSError, EOFError, TypeError, SyntaxError) as exc:
        raise ProjectError(f"This project file is damaged ({name} cannot be read).") from exc
    want, largest = _NPY_SHAPES[name]
    fits = (dtype == want and len(shape) == len(largest) and all(0 <= n <= m for n, m in zip(shape, largest))
            and (len(shape) != 3 or (shape[2] == 3 and min(shape[:2]) >= 8)))
    if not fits:
        what = "is not a picture" if len(largest) == 3 else "is not a stroke table"
        raise ProjectError(f"This project file is damaged ({name} {what}: {dtype} {shape}; "
                           f"at most {' × '.join(map(str, largest))}).")
    return shape, dtype


_KNOWN = {"project.json", "plan.json", "photo.npy", "target.npy", "style.npy", "painting.npy", "strokes.npy"}


def _read_array(files: dict[str, bytes], name: str, *, image: bool = True) -> np.ndarray:
    if name not in files:
        raise ProjectError(f"This project file is incomplete ({name} is missing).")
    raw = files[name]
    buffer = io.BytesIO(raw)
    shape, dtype = _npy_header(buffer, name)  # shape and size checked before anything is allocated
    if len(raw) != buffer.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize:
        raise ProjectError(f"This project file is damaged ({name} does not hold the data its header announces).")
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ProjectError(f"This project file is damaged ({name} cannot be read).") from exc
    if not image:
        return array
    if (array.dtype != np.float32 or array.ndim != 3 or array.shape[2] != 3
            or not 8 <= min(array.shape[:2]) <= max(array.shape[:2]) <= _MAX_SIDE):
        raise ProjectError(f"This project file is damaged ({name} is not a picture: {array.dtype} {array.shape}).")
    if not np.isfinite(array).all() or array.min() < -1e-3 or array.max() > 1 + 1e-3:  # resampling may overshoot a hair
        raise ProjectError(f"This project file is damaged ({name} has values outside 0-1).")
    return array


def project_from_files(files: dict[str, bytes]) -> Project:
    """Rebuild a :class:`Project` from its members (see :func:`project_files`)."""
    try:
        meta = _parse_json(files["project.json"])
    except ProjectError:
        raise
    except (KeyError, ValueError, RecursionError, MemoryError) as exc:  # UnicodeDecodeError, JSONDecodeError
        raise ProjectError("This project file is damaged (project.json cannot be read).") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ProjectError("This is not a Painting Assistant project (its project.json has another format).")
    version = meta.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectError(f"This project file has no valid format version (found {version!r}).")
    if version > VERSION:
        raise ProjectError(
            f"This project was saved by a newer Painting Assistant (format {version}; this one reads {VERSION}). "
            "Please update the app."
        )
    try:
        return _project(meta, files)
    except ProjectError:
        raise
    except (LookupError, TypeError, ValueError, AttributeError, OverflowError, RecursionError, MemoryError) as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
        raise ProjectError(f"This project file is damaged (project.json: {type(exc).__name__} {detail}).") from exc


# A JSON string, with its escapes; possessive, so a long or unterminated string costs no backtracking.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)


def _parse_json(raw: bytes):
    """``project.json`` parsed, after its size and nesting depth were checked (no recursion on hostile input)."""
    if len(raw) > _MAX_JSON_BYTES:
        raise ProjectError(f"This project file is damaged (project.json is larger than {_MAX_JSON_BYTES // 2**20} MB).")
    text = raw.decode("utf-8")
    syntax = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8"), np.uint8)
    nesting = np.cumsum(np.isin(syntax, (ord("["), ord("{"))).astype(np.int32)
                        - np.isin(syntax, (ord("]"), ord("}"))).astype(np.int32))
    if nesting.size and nesting.max() > _MAX_JSON_DEPTH:
        raise ProjectError(f"This project file is damaged (project.json is nested more than {_MAX_JSON_DEPTH} deep).")
    return json.loads(text)


def _project(meta: dict, files: dict[str, bytes]) -> Project:
    from .pipeline import GuideOptions
    from .style.transfer import StyleRecord

    photo = _read_array(files, "photo.npy")
    options = None
    if meta.get("options") is not None:
        options = GuideOptions.from_dict(meta["options"])
    target = style = source = style_image = None
    if "target.npy" in files:
        target = _read_array(files, "target.npy")
        if target.shape != photo.shape:
            raise ProjectError("This project file is damaged (the stylised picture and the photo differ in size).")
        style = None if meta.get("style") is None else StyleRecord.from_dict(meta["style"])
        source = meta.get("style_source")
        if "style.npy" in files:
            style_image = _read_array(files, "style.npy")
    painting = None
    if meta.get("painting") is not None:
        # The painting covers the canvas: the photo fitted (cropped or padded) to the canvas's proportions.
        size = photo.shape[:2] if options is None else options.fitted_shape(*photo.shape[:2])
        painting = _painting(meta["painting"], files, size)
    info = meta.get("photo") or {}
    settings = meta.get("settings") or {}
    if not isinstance(settings, dict):
        raise ProjectError("This project file is damaged (its settings are not a table).")
    return Project(
        photo=photo, photo_name=str(info.get("name", "")), photo_notes=tuple(map(str, info.get("notes", ()))),
        options=options, target=target, style=style, style_source=source, style_image=style_image,
        painting=painting, settings=settings, plan=files.get("plan.json", b""),
    )


def _painting(data: dict, files: dict[str, bytes], size: tuple[int, int]):
    from .strokes.painter import Painting

    image = _read_array(files, "painting.npy")
    if image.shape[:2] != tuple(size) or tuple(data["size"]) != tuple(size):
        raise ProjectError(
            "This project file is damaged (the brushstroke painting does not fit the canvas: "
            f"{image.shape[1]}×{image.shape[0]} px, expected {size[1]}×{size[0]})."
        )
    table = _read_array(files, "strokes.npy", image=False)
    if table.dtype != np.float64 or table.ndim != 2 or table.shape[1] != 10 or len(table) > _MAX_STROKES:
        raise ProjectError("This project file is damaged (strokes.npy is not a stroke table).")
    if not np.isfinite(table).all():
        raise ProjectError("This project file is damaged (strokes.npy has invalid numbers).")
    return Painting.from_dict(data, image=image, table=table)
