"""Image input and output at the edges of the core.

Inside the core every image is a float32 array of shape ``(H, W, 3)`` with values in
[0, 1] (sRGB). This module turns untrusted bytes into such an array, safely and with
bounded memory, and turns arrays back into PNG/JPEG bytes.

Safety rules for decoding (untrusted uploads):

* the format is sniffed from the content, never from the file name;
* only a short list of raster decoders is allowed (no PostScript, no exotic plugins);
* the pixel count is read from the header and refused *before* decoding when it is a
  decompression bomb;
* large JPEGs are downscaled while decoding (DCT scaling), so memory stays bounded;
* truncated files, empty files and non-images raise :class:`ImageError` with a short,
  human sentence.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
from PIL import Image, ImageCms

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "ALLOWED_FORMATS",
    "DecodedImage",
    "ImageError",
    "MAX_FILE_BYTES",
    "decode_image",
    "encode_jpeg",
    "encode_png",
    "resize_longest",
    "to_uint8",
]

#: Raster formats we accept. Everything else (EPS, PSD, ICO, …) is refused.
ALLOWED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "TIFF", "BMP")

_EXIF_ORIENTATION = 0x0112
# Signatures of the formats we read: such a file that will not open is damaged, not "not an image".
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"II*\x00", b"MM\x00*", b"BM")

#: Smallest accepted side in pixels: below this there is nothing to paint.
MIN_SIDE = 32
#: Largest accepted file (a 120 MP photo as an uncompressed TIFF is 360 MB; cameras write far less).
MAX_FILE_BYTES = 256 * 2**20


class ImageError(ValueError):
    """Raised for input that is not a usable image. The message is one human sentence."""


@dataclass(frozen=True)
class DecodedImage:
    """A decoded photo.

    Attributes:
        pixels: float32 ``(H, W, 3)`` sRGB array in [0, 1], at working size.
        original_size: ``(width, height)`` of the file before any downscaling,
            after EXIF rotation.
        format: the sniffed file format, e.g. ``"JPEG"``.
        notes: short sentences about conversions that were applied (shown to the user).
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    format: str
    notes: tuple[str, ...] = ()


def decode_image(
    data: bytes,
    *,
    max_side: int = 1024,
    max_pixels: int = 120_000_000,
) -> DecodedImage:
    """Decode untrusted image bytes into a float32 RGB array at working size.

    Args:
        data: the raw file content.
        max_side: longest side of the returned image in pixels; larger images are
            downscaled (aspect ratio kept), smaller ones are left as they are.
        max_pixels: refuse files whose header announces more pixels than this
            (decompression-bomb guard). 120 MP covers every consumer camera.

    Returns:
        A :class:`DecodedImage`.

    Raises:
        ImageError: empty, not an image, unsupported format, truncated, too small,
            or too many pixels.
        ValueError: for invalid options.
    """
    if max_side < MIN_SIDE:
        raise ValueError(f"Expected max_side >= {MIN_SIDE}. Received: max_side={max_side}")
    if max_pixels < MIN_SIDE * MIN_SIDE:
        raise ValueError(f"Expected max_pixels >= {MIN_SIDE * MIN_SIDE}. Received: max_pixels={max_pixels}")
    if not data:
        raise ImageError("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"The file is too large ({len(data) / 2**20:.0f} MB; at most {MAX_FILE_BYTES // 2**20} MB).")

    notes: list[str] = []
    image = _open_header(data)
    file_format = str(image.format)
    width, height = image.size
    if width * height > max_pixels:
        raise ImageError(
            f"The image is too large ({width}×{height} = {width * height / 1e6:.0f} MP); "
            f"the limit is {max_pixels / 1e6:.0f} MP."
        )
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"The image is too small ({width}×{height}); it needs at least {MIN_SIDE} px on each side.")

    n_frames = getattr(image, "n_frames", 1)
    if n_frames > 1:
        image.seek(0)
        notes.append(f"Animated image: used the first of {n_frames} frames.")

    # JPEG only: let the decoder scale by 1/2, 1/4 or 1/8 so a 12 MP photo never sits
    # in memory at full size. The result is still >= the requested size.
    if image.format in ("JPEG", "MPO") and max(width, height) > max_side:
        image.draft("RGB", _draft_target(width, height, max_side))

    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"The image file is damaged or truncated ({_short(exc)}).") from None

    orientation = 1
    try:
        orientation = int(image.getexif().get(_EXIF_ORIENTATION) or 1)
    except Exception:  # a broken EXIF block must not lose the photo
        notes.append("Could not read the EXIF orientation; the photo is shown as stored.")
    if orientation in (5, 6, 7, 8):  # quarter turns swap the sides
        width, height = height, width

    # Shrink first, convert after: alpha, CMYK, palettes and floats are handled strip by strip
    # and averaged down at once, so memory follows the working size, not the file's pixel count.
    pixels = _shrunk_float_rgb(image, max_side, notes)
    pixels = _orient(pixels, orientation)
    pixels = resize_longest(pixels, max_side)
    return DecodedImage(
        pixels=pixels,
        original_size=(width, height),
        format=file_format,
        notes=tuple(notes),
    )


def _open_header(data: bytes) -> Image.Image:
    """Open lazily (reads the header only) with the allowed decoders."""
    # We do our own bomb check against max_pixels, so switch Pillow's global one off
    # for this call only, and turn its warning into nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            Image.init()  # register every plugin, then allow only ours
            formats = [name for name in ALLOWED_FORMATS if name in Image.OPEN]
            return Image.open(io.BytesIO(data), formats=formats)
        except Image.DecompressionBombError:
            raise ImageError("The image announces an absurd number of pixels (decompression bomb).") from None
        except Image.UnidentifiedImageError:
            if data.startswith(_MAGIC):
                raise ImageError("The image file is damaged or truncated (its header is unreadable).") from None
            raise ImageError(
                "This file is not an image we can read (JPEG, PNG, WebP, GIF, TIFF or BMP)."
            ) from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"The image file is damaged ({_short(exc)}).") from None


def _draft_target(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = max_side / max(width, height)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


#: Pixels converted at a time when a large image is shrunk (a strip of full-size rows).
_STRIP_PIXELS = 4_000_000
_HIGH_DEPTH = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
# EXIF orientation → the array operation that shows the photo upright (as ImageOps.exif_transpose).
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    turn = _ORIENT.get(orientation)
    return pixels if turn is None else np.ascontiguousarray(turn(pixels))


def _high_depth_top(image: Image.Image) -> float:
    """The value that maps to white in a 16-bit, 32-bit integer or float greyscale image."""
    # A one-band image (the modes of _HIGH_DEPTH): its extrema are (low, high), not a pair per band.
    _, high = cast("tuple[float, float]", image.getextrema())
    if image.mode == "F":
        return max(1.0, float(high))
    return 65535.0 if image.mode.startswith("I;16") or high > 255 else 255.0


def _shrunk_float_rgb(image: Image.Image, max_side: int, notes: list[str]) -> np.ndarray:
    """Float32 sRGB of ``image`` at working size (longest side ``max_side``), made strip by strip.

    The decoded image stays as the file stored it (1 to 4 bytes a pixel). When it is larger than the
    working size and more than one strip, strips of about ``_STRIP_PIXELS`` are converted to float
    one after the other and area-averaged into the result, exactly as :func:`resize_longest` would
    average the whole picture, so a 120 MP picture never exists as floats.
    """
    width, height = image.size
    longest = max(width, height)
    if longest <= max_side or width * height <= _STRIP_PIXELS:
        return _to_float_rgb(image, notes)
    scale = max_side / longest
    out_w, out_h = max(1, round(width * scale)), max(1, round(height * scale))
    across, down = _area_matrix(width, out_w), _area_matrix(height, out_h).tocsc()
    top = _high_depth_top(image) if image.mode in _HIGH_DEPTH else None
    rows = max(1, _STRIP_PIXELS // width)
    out = np.zeros((out_h, out_w * 3), np.float32)
    seen: list[str] = []
    for y in range(0, height, rows):
        part = _to_float_rgb(image.crop((0, y, width, min(height, y + rows))), seen, top)
        r = part.shape[0]
        narrow = across @ part.transpose(1, 0, 2).reshape(width, r * 3)  # (out_w, r * 3)
        del part
        out += down[:, y : y + r] @ narrow.reshape(out_w, r, 3).transpose(1, 0, 2).reshape(r, out_w * 3)
    notes.extend(dict.fromkeys(seen))  # each note once, in order
    return out.reshape(out_h, out_w, 3)


def _area_matrix(n_in: int, n_out: int) -> sparse.csr_matrix:
    """Sparse (n_out, n_in) weights of area averaging (as OpenCV's INTER_AREA) from n_in pixels to n_out <= n_in."""
    from scipy import sparse

    scale = n_in / n_out
    source = np.arange(n_in)
    first = np.minimum((source / scale).astype(np.int64), n_out - 1)  # the output pixel each input pixel starts in
    share = np.clip((first + 1) * scale - source, 0.0, 1.0)  # the part of it inside that output pixel
    spill = share < 1.0 - 1e-9
    rows = np.concatenate([first, first[spill] + 1])
    cols = np.concatenate([source, source[spill]])
    weights = np.concatenate([share, 1.0 - share[spill]]) / scale
    return sparse.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(n_out, n_in))


def _to_float_rgb(image: Image.Image, notes: list[str], top: float | None = None) -> np.ndarray:
    """Convert any Pillow mode to float32 sRGB in [0, 1].

    ``top``: the white of a high bit-depth greyscale image (default: from this image's values).
    """
    mode = image.mode
    if mode in _HIGH_DEPTH:
        array: np.ndarray = np.asarray(image, dtype=np.float32 if top is not None else np.float64)
        if top is None:
            top = 65535.0 if mode.startswith("I;16") or array.max() > 255 else 255.0
            if mode == "F":
                top = max(1.0, float(array.max()))
        gray = np.clip(array / top, 0.0, 1.0).astype(np.float32)
        notes.append("High bit-depth greyscale image: converted to RGB.")
        return np.repeat(gray[:, :, None], 3, axis=2)
    if mode == "CMYK":
        image = _cmyk_to_rgb(image)
        notes.append("CMYK image: converted to RGB.")
    elif mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        if cast("tuple[tuple[int, int], ...]", rgba.getextrema())[3][0] < 255:  # a pair per band: R, G, B, A
            notes.append("Transparent areas were placed on a white background.")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    elif mode in ("L", "1"):
        image = image.convert("RGB")
        notes.append("Greyscale image: the palette will be shades of grey.")
    elif mode != "RGB":
        image = image.convert("RGB")
    import cv2

    # Each of the 256 levels divided once; OpenCV looks them up (the numbers of astype(float32) / 255, 2.5× faster).
    return cv2.LUT(np.asarray(image, dtype=np.uint8), _LEVELS)


_LEVELS = np.arange(256, dtype=np.float32) / np.float32(255.0)


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    """Use the embedded ICC profile when there is one; otherwise a plain conversion."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(image, source, target, outputMode="RGB")
            if converted is not None:  # None only for a conversion in place, which this is not
                return converted
        except Exception:  # a bad profile falls back to the plain conversion
            pass
    return image.convert("RGB")


def resize_longest(image: np.ndarray, max_side: int) -> np.ndarray:
    """Return ``image`` scaled so its longest side is at most ``max_side`` (area averaging).

    The input is never modified; an image already small enough is returned as a copy. Every
    value of the result lies in [0, 1]: area averaging of pure white can give 1.0000002.
    """
    import cv2

    height, width = image.shape[:2]
    longest = max(height, width)
    out: np.ndarray
    if longest <= max_side:
        out = np.array(image, dtype=np.float32, copy=True)
    else:
        scale = max_side / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        out = cv2.resize(np.asarray(image, dtype=np.float32), size, interpolation=cv2.INTER_AREA)
    return np.clip(out, 0.0, 1.0, out=out)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] → uint8 in [0, 255] (rounded half to even, clipped)."""
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.size < 4096 or pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] > 4):
        return np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8)
    import cv2

    # OpenCV scales in float32 and rounds half to even, as NumPy does, 20 times faster on a whole picture; its
    # absolute value is harmless once the negatives are 0.
    return cv2.convertScaleAbs(np.maximum(pixels, 0.0), alpha=255.0).reshape(pixels.shape)


def encode_png(image: np.ndarray, *, compression: int = 3, fast: bool = False) -> bytes:
    """Encode a float ``(H, W, 3)`` [0, 1] image or a uint8 image as PNG bytes.

    ``fast``: every row filtered one way (Up, the row above) instead of trying all five filters per row:
    on a guide's pictures (flat areas of paint) 2.5 times faster for about 1 % more bytes, the same pixels.
    """
    import cv2

    array = image if image.dtype == np.uint8 else to_uint8(image)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_PNG_COMPRESSION, compression]
    if fast:
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    ok, buffer = cv2.imencode(".png", array, params)
    if not ok:  # pragma: no cover - OpenCV only fails on impossible shapes
        raise ValueError(f"Could not encode an image of shape {image.shape} as PNG.")
    return buffer.tobytes()


def encode_jpeg(image: np.ndarray, *, quality: int = 90) -> bytes:
    """Encode a float ``(H, W, 3)`` [0, 1] image as JPEG bytes."""
    import cv2

    array = image if image.dtype == np.uint8 else to_uint8(image)
    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".jpg", array, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover
        raise ValueError(f"Could not encode an image of shape {image.shape} as JPEG.")
    return buffer.tobytes()

