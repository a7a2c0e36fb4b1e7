"""Generate the hostile inputs of issue 20 (nothing binary is committed: every file is made here).

Each case is a file the CLI (``python -m assistant guide FILE``) and the app's Upload page must
answer with a guide or one human line, within 2 GiB of memory and 60 s. The large ones cost
little disk: pictures of 100+ MP are made of repeated rows (a deflate stream of repeated
blocks, written without ever holding the pixels), inflating members the same way.

    python tests/hostile/make.py OUT_DIR     # write every case into OUT_DIR (to try them by hand)
"""

from __future__ import annotations

import functools
import io
import json
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Guide options for cases where they do not matter (keeps each run short).
QUICK = ("--max-side", "256", "--colors", "4")
BOMB = "too large|decompression bomb"


@dataclass(frozen=True)
class Case:
    """One hostile input.

    Attributes:
        file: the file name (its suffix is what a user would give it).
        build: writes the file at the given path.
        rc: the CLI's exit code: 0 (a guide is the right answer) or 2 (one ``error:`` line).
        words: a regular expression the error line (or, for rc 0, stdout) must match.
        args: extra CLI options.
        app: whether the Upload page gets it too (not for files a browser cannot upload).
        extra: other files the case needs (name → builder), e.g. the photo next to a paints file.
    """

    file: str
    build: Callable[[Path], None]
    rc: int
    words: str
    args: tuple[str, ...] = ()
    app: bool = True
    extra: dict[str, Callable[[Path], None]] = field(default_factory=dict)


# --- deflate streams of repeated blocks ----------------------------------------------------------


def _deflate_raw(pieces: list[tuple[bytes, int]], *, end: bool = True) -> bytes:
    """A raw deflate stream of each block repeated ``times`` (compressed once, then copied).

    After a full flush the compressor starts afresh, so one block's compressed bytes can be
    repeated; an empty final block ends the stream (left out when not ``end``: a cut stream).
    """
    out = bytearray()
    for block, times in pieces:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        out += (compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)) * times
    if end:
        out += b"\x03\x00"
    return bytes(out)


def _checksum(pieces: list[tuple[bytes, int]], function, start: int) -> int:
    value = start
    for block, times in pieces:
        for _ in range(times):
            value = function(block, value)
    return value


def _zlib(pieces: list[tuple[bytes, int]], *, end: bool = True) -> bytes:
    tail = struct.pack(">I", _checksum(pieces, zlib.adler32, 1)) if end else b""
    return b"\x78\xda" + _deflate_raw(pieces, end=end) + tail


# --- pictures --------------------------------------------------------------------------------------


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png(width: int, height: int, color_type: int, depth: int, bands: list[tuple[bytes, int]],
         extra: bytes = b"", *, end: bool = True) -> bytes:
    """A PNG whose rows are given as (row pixels, number of rows) bands; the IHDR says ``width`` × ``height``."""
    pieces = []
    for row, count in bands:
        block = (b"\x00" + row) * min(count, 16)
        pieces += [(block, count // 16), ((b"\x00" + row) * (count % 16), 1)] if count >= 16 else [(block, 1)]
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + extra + _chunk(b"IDAT", _zlib(pieces, end=end))
            + _chunk(b"IEND", b""))


def _segments(width: int, values: list[bytes]) -> bytes:
    """A row of ``len(values)`` equal segments, each one pixel value repeated."""
    edges = np.linspace(0, width, len(values) + 1).round().astype(int)
    return b"".join(value * int(b - a) for value, a, b in zip(values, edges[:-1], edges[1:]))


def big_rgba_png(path: Path, width: int = 10920, height: int = 10900) -> None:
    """119 MP RGBA in 460 kB: three bands (opaque, half transparent, transparent) of four colours."""
    colours = [(200, 40, 30), (30, 90, 200), (240, 210, 60), (20, 20, 20)]
    bands = []
    for alpha, share in ((255, 0.4), (128, 0.3), (0, 0.3)):
        row = _segments(width, [bytes((*c, alpha)) for c in colours])
        bands.append((row, int(height * share)))
    bands[-1] = (bands[-1][0], height - sum(n for _, n in bands[:-1]))
    path.write_bytes(_png(width, height, 6, 8, bands))


def big_grey16_png(path: Path, side: int = 10000) -> None:
    """100 MP of 16-bit grey (Pillow holds it as 32-bit integers: 400 MB decoded)."""
    levels = [struct.pack(">H", v) for v in (1000, 20000, 45000, 65000)]
    bands = [(_segments(side, levels), side // 2), (_segments(side, levels[::-1]), side - side // 2)]
    path.write_bytes(_png(side, side, 0, 16, bands))


def big_palette_png(path: Path, width: int = 10920, height: int = 10900) -> None:
    """119 MP palette picture with a transparent entry (tRNS)."""
    palette = bytes([255, 255, 255, 200, 40, 30, 30, 90, 200, 240, 210, 60, 20, 20, 20])
    extra = _chunk(b"PLTE", palette) + _chunk(b"tRNS", bytes([0, 255, 255, 255, 255]))
    bands = [(_segments(width, [bytes([i]) for i in (1, 2, 0, 3)]), height // 2),
             (_segments(width, [bytes([i]) for i in (4, 3, 2, 1)]), height - height // 2)]
    path.write_bytes(_png(width, height, 3, 8, bands, extra))


def png_lying_size(path: Path) -> None:
    """The header says 10000 × 10000 RGB; the data holds three rows and stops."""
    path.write_bytes(_png(10000, 10000, 2, 8, [(b"\x80" * 30000, 3)], end=False))


def png_short_data(path: Path) -> None:
    """The header says 10000 × 10000 RGB; the data is a complete stream of three rows (Pillow leaves the rest black)."""
    path.write_bytes(_png(10000, 10000, 2, 8, [(bytes(range(250)) * 120, 3)]))


def png_bomb_header(path: Path) -> None:
    """The header says 60000 × 60000 (3.6 GP)."""
    path.write_bytes(_png(60000, 60000, 2, 8, [(b"\x00" * 30, 1)]))


def png_bomb_real(path: Path) -> None:
    """A real decompression bomb: 16000 × 16000 RGB of zeros (768 MB of pixels) in under a megabyte."""
    path.write_bytes(_png(16000, 16000, 2, 8, [(b"\x00" * 48000, 16000)]))


def _small_picture(fmt: str, **params) -> bytes:
    from PIL import Image

    y, x = np.mgrid[0:64, 0:64]
    rgb = np.stack([x * 4, y * 4, (x + y) * 2], axis=2).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def small_png(path: Path) -> None:
    path.write_bytes(_small_picture("PNG"))


def _jpeg_sized(width: int, height: int) -> bytes:
    data = bytearray(_small_picture("JPEG", quality=90))
    at = data.index(b"\xff\xc0")  # SOF0: length (2), precision (1), height (2), width (2)
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_lying_size(path: Path) -> None:
    """A 64 × 64 JPEG whose frame header says 9000 × 9000 (81 MP, under the limit)."""
    path.write_bytes(_jpeg_sized(9000, 9000))


def jpeg_bomb_header(path: Path) -> None:
    path.write_bytes(_jpeg_sized(60000, 60000))


def gif_huge_screen(path: Path) -> None:
    data = bytearray(_small_picture("GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)  # the logical screen
    path.write_bytes(bytes(data))


def sparse(size: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        with path.open("wb") as handle:
            handle.truncate(size)  # a hole: no disk used
    return build


def text(payload: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(payload)


# --- project files ---------------------------------------------------------------------------------


@functools.cache
def _base_files(painted: bool) -> tuple[tuple[str, bytes], ...]:
    """The members of a real, small project (a 96 px photo, 4 paints; with 40 brushstrokes when ``painted``)."""
    from skimage import data as samples

    from assistant import GuideOptions, make_guide
    from assistant.images import resize_longest
    from assistant.project import project_files, project_from_guide

    photo = resize_longest(samples.coffee().astype(np.float32) / 255.0, 96)
    guide = make_guide(photo, GuideOptions(n_colors=4, max_side=256, seed=1))
    if painted:
        from assistant.strokes.painter import PainterOptions, paint
        from assistant.work import attach_painting

        painting = paint(guide.target, guide.palette.rgb, PainterOptions(n_strokes=40, max_side=64, refine_steps=0),
                         renderer=None)
        guide = attach_painting(guide, painting)
    return tuple(sorted(project_files(project_from_guide(guide, photo_name="coffee.png")).items()))


def _files(painted: bool = False) -> dict[str, bytes]:
    return dict(_base_files(painted))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npy_header(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    """Just the header of an ``.npy`` file announcing ``shape`` (no data behind it)."""
    from numpy.lib import format as npy

    buffer = io.BytesIO()
    npy.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Raw:
    """A ZIP member written by hand: its deflate bytes and the CRC and size its headers claim."""

    deflated: bytes
    crc: int
    size: int


def _zip_raw(members: dict[str, bytes | _Raw]) -> bytes:
    """A ZIP whose members may lie about their size (``_Raw``); plain bytes are deflated honestly."""
    out, central = bytearray(), bytearray()
    for name, member in members.items():
        if isinstance(member, bytes):
            member = _Raw(_deflate_raw([(member, 1)]), zlib.crc32(member), len(member))
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, member.crc, len(member.deflated), member.size)
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                    + struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded)
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(encoded), 0) + encoded + member.deflated
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + b"PK\x05\x06" + end)


def _write_project(files: dict[str, bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(_zip(files))


def _with(name: str, payload: bytes, painted: bool = False) -> Callable[[Path], None]:
    """A real project with one member replaced."""
    def build(path: Path) -> None:
        path.write_bytes(_zip({**_files(painted), name: payload}))
    return build


def _meta(change: Callable[[dict], None], painted: bool = False) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        files = _files(painted)
        meta = json.loads(files["project.json"])
        change(meta)
        text = json.dumps(meta).replace('"DEEP"', "[" * 900 + "]" * 900)
        path.write_bytes(_zip({**files, "project.json": text.encode()}))
    return build


def project_many_members(path: Path, count: int = 300_000) -> None:
    """A ZIP of 300,000 empty members (27 MB): its directory parsed costs 170 MB more; 256 MB of them, 1.8 GB."""
    local, central = [], []
    offset = 0
    for i in range(count):
        name = b"%07d" % i
        fields = struct.pack("<HHHHHIII", 20, 0, 0, 0, 0x21, 0, 0, 0)
        central.append(b"PK\x01\x02" + struct.pack("<H", 20) + fields
                       + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset) + name)
        local.append(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name)
        offset += len(local[-1])
    directory = b"".join(central)
    end = struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, len(directory), offset, 0)
    path.write_bytes(b"".join(local) + directory + b"PK\x05\x06" + end)


def project_deep_json(path: Path) -> None:
    path.write_bytes(_zip({"project.json": b"[" * 100_000 + b"]" * 100_000}))


def project_inflating_json(path: Path) -> None:
    """project.json of 200 MB (``[[],[],…]``) in a 200 kB file."""
    pieces = [(b"[", 1), (b"[]," * 65536, 1066), (b"[]]", 1)]
    data = _Raw(_deflate_raw(pieces), _checksum(pieces, zlib.crc32, 0), sum(len(b) * n for b, n in pieces))
    path.write_bytes(_zip_raw({"project.json": data, "photo.npy": _files()["photo.npy"]}))


def project_huge_npy_shape(path: Path) -> None:
    _with("photo.npy", _npy_header((100_000, 100_000, 3)) + b"\x00" * 1000)(path)


def project_npy_short(path: Path) -> None:
    """A photo whose header announces 2048 × 2048 (allowed) but holds a few bytes."""
    _with("photo.npy", _npy_header((2048, 2048, 3)) + b"\x00" * 1000)(path)


def project_member_lies_small(path: Path) -> None:
    """photo.npy's ZIP headers say 50 MB (the size its npy header announces); it inflates to 1 GB."""
    header = _npy_header((2048, 2048, 3))
    pieces = [(header, 1), (b"\x00" * 2**20, 1024)]
    announced = len(header) + 2048 * 2048 * 3 * 4
    member = _Raw(_deflate_raw(pieces), 0x1234567, announced)
    files = _files()
    path.write_bytes(_zip_raw({"project.json": files["project.json"], "photo.npy": member}))


def project_member_lies_large(path: Path) -> None:
    """photo.npy's ZIP headers say 200 MB; the data is a few kB."""
    files = _files()
    real = files["photo.npy"]
    member = _Raw(_deflate_raw([(real, 1)]), zlib.crc32(real), 200 * 2**20)
    path.write_bytes(_zip_raw({"project.json": files["project.json"], "photo.npy": member}))


def project_big_photo(path: Path) -> None:
    """A 4096 × 4096 photo (200 MB as floats) in a 200 kB project."""
    files = _files()
    header = _npy_header((4096, 4096, 3))
    value = np.float32(0.5).tobytes() * (2**18)
    pieces = [(header, 1), (value, 4096 * 4096 * 3 * 4 // len(value))]
    member = _Raw(_deflate_raw(pieces), _checksum(pieces, zlib.crc32, 0), sum(len(b) * n for b, n in pieces))
    path.write_bytes(_zip_raw({"project.json": files["project.json"], "photo.npy": member}))


def _stroke_rows(count: int, *, layers: int = 1, colors: int = 2, layer_of=None, width: float = 6.0) -> np.ndarray:
    """``count`` strokes over the base painting, the paint changing at every stroke."""
    files = _files(painted=True)
    h, w = np.load(io.BytesIO(files["painting.npy"])).shape[:2]
    rng = np.random.default_rng(0)
    index = np.arange(count)
    layer = index * layers // count + 1 if layer_of is None else layer_of(index)
    points = rng.random((count, 6)) * np.array([w, h] * 3)
    return np.column_stack([layer, index % colors + 1, points, np.full((count, 2), width)]).astype(np.float64)


def _strokes(rows: np.ndarray) -> Callable[[Path], None]:
    return lambda path: _with("strokes.npy", _npy(rows), painted=True)(path)


def _strokes_case(count: int, **kw) -> Callable[[Path], None]:
    return lambda path: _strokes(_stroke_rows(count, **kw))(path)


def paints_deep(path: Path) -> None:
    path.write_bytes(b"[" * 2000 + b"]" * 2000)


def paints_big(path: Path) -> None:
    path.write_bytes(b'["titanium white", ' + b'"burnt umber", ' * 20000 + b'"ivory black"]')


def _seed(meta: dict) -> None:
    meta["options"]["seed"] = 1e300


def _deep_settings(meta: dict) -> None:
    meta["settings"] = {"deep": "DEEP"}


#: Every hostile case by name.
CASES: dict[str, Case] = {
    # pictures
    "png-119mp-rgba": Case("huge.png", big_rgba_png, 0, r"Wrote \d+ files", QUICK),
    "png-100mp-grey16": Case("grey16.png", big_grey16_png, 0, r"Wrote \d+ files", QUICK),
    "png-119mp-palette-alpha": Case("palette.png", big_palette_png, 0, r"Wrote \d+ files", QUICK),
    "png-header-lies": Case("lying.png", png_lying_size, 2, "damaged or truncated", QUICK),
    "png-data-short": Case("short.png", png_short_data, 0, r"Wrote \d+ files", QUICK),
    "png-bomb-header": Case("bomb.png", png_bomb_header, 2, BOMB, QUICK),
    "png-bomb-768mb": Case("zeros.png", png_bomb_real, 2, BOMB, QUICK),
    "jpeg-header-lies": Case("lying.jpg", jpeg_lying_size, 0, r"Wrote \d+ files", QUICK),
    "jpeg-bomb-header": Case("bomb.jpg", jpeg_bomb_header, 2, BOMB, QUICK),
    "gif-huge-screen": Case("screen.gif", gif_huge_screen, 2, BOMB, QUICK),
    "not-an-image": Case("notes.png", text(b"hello, this is text and not a picture"), 2, "not an image", QUICK),
    "sparse-3gb-photo": Case("sparse.jpg", sparse(3 * 2**30), 2, "too large", QUICK, app=False),
    # project files
    "sparse-3gb-project": Case("sparse.project", sparse(3 * 2**30), 2, "too large", app=False),
    "project-300k-members": Case("many.project", project_many_members, 2, "too many members"),
    "project-json-100k-deep": Case("deep.project", project_deep_json, 2, "nested more than"),
    "project-settings-900-deep": Case("settings.project", _meta(_deep_settings), 2, "nested more than"),
    "project-json-inflates-200mb": Case("inflate.project", project_inflating_json, 2, "larger than 4 MB"),
    "project-npy-shape-100000": Case("shape.project", project_huge_npy_shape, 2, "not a picture"),
    "project-npy-data-short": Case("short.project", project_npy_short, 2, "does not hold the data"),
    "project-zip-size-lies-small": Case("small.project", project_member_lies_small, 2, "damaged"),
    # Headers that claim more than the data holds: the data itself is a valid project.
    "project-zip-size-lies-large": Case("large.project", project_member_lies_large, 0, r"Wrote \d+ files"),
    "project-photo-4096": Case("big.project", project_big_photo, 2, "not a picture.*at most 2048"),
    "project-seed-1e300": Case("seed.project", _meta(_seed), 2, "seed"),
    "project-not-a-zip": Case("plain.project", text(b"just text"), 2, "not a ZIP"),
    # brushstrokes
    "strokes-300-alternating": Case("s300.project", _strokes_case(300), 0, r"300 brushstrokes in 2 stroke steps"),
    "strokes-5000-alternating": Case("s5000.project", _strokes_case(5000, layers=4, colors=4), 0,
                                     r"5000 brushstrokes in 16 stroke steps"),
    "strokes-20000": Case("s20000.project", _strokes_case(20000), 2, "not a stroke table"),
    "strokes-layers-alternate": Case("layers.project", _strokes_case(300, layer_of=lambda i: i % 2 + 1), 2,
                                     "layer order"),
    "strokes-huge-widths": Case("wide.project", _strokes_case(300, width=1e30), 0, r"300 brushstrokes"),
    # --paints files
    "paints-2000-deep": Case("photo.png", small_png, 2, "nested too deeply", ("--paints", "deep.json"),
                             app=False, extra={"deep.json": paints_deep}),
    "paints-300kb": Case("photo.png", small_png, 2, "256 kB", ("--paints", "big.json"), app=False,
                         extra={"big.json": paints_big}),
}


def build(name: str, folder: Path) -> Path:
    """Write case ``name`` (and the files it needs) into ``folder``; returns the input's path."""
    case = CASES[name]
    folder.mkdir(parents=True, exist_ok=True)
    for extra, builder in case.extra.items():
        builder(folder / extra)
    path = folder / case.file
    case.build(path)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    for case_name in CASES:
        print(build(case_name, out / case_name))
