import io
import struct
import zlib

import numpy as np
import pytest
from conftest import encode
from PIL import Image

from assistant.images import ImageError, decode_image, resize_longest, to_uint8


def gradient(width=64, height=48):
    x = np.linspace(0, 255, width, dtype=np.uint8)
    rgb = np.zeros((height, width, 3), np.uint8)
    rgb[..., 0] = x
    rgb[..., 1] = x[::-1]
    rgb[..., 2] = 128
    return rgb


def test_jpeg_decodes_to_float_rgb(astronaut_jpeg):
    decoded = decode_image(astronaut_jpeg)
    assert decoded.pixels.dtype == np.float32
    assert decoded.pixels.shape == (512, 512, 3)
    assert 0.0 <= decoded.pixels.min() and decoded.pixels.max() <= 1.0
    assert decoded.format == "JPEG"
    assert decoded.notes == ()


def test_large_jpeg_is_downscaled_while_decoding():
    big = Image.fromarray(gradient(64, 48)).resize((4000, 3000))
    decoded = decode_image(encode(big, "JPEG"), max_side=500)
    assert decoded.pixels.shape == (375, 500, 3)
    assert decoded.original_size == (4000, 3000)


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "empty"),
        (b"hello, this is text and not a picture at all", "not an image"),
        (b"%PDF-1.4\n1 0 obj\n", "not an image"),
    ],
)
def test_refuses_non_images(data, fragment):
    with pytest.raises(ImageError, match=fragment):
        decode_image(data)


def test_refuses_truncated_file():
    data = encode(Image.fromarray(gradient(200, 150)), "JPEG")
    with pytest.raises(ImageError, match="damaged or truncated"):
        decode_image(data[: len(data) // 2])


def test_refuses_truncated_png():
    data = encode(Image.fromarray(gradient(200, 150)), "PNG")
    with pytest.raises(ImageError, match="damaged"):
        decode_image(data[: len(data) - 40])


def test_refuses_tiny_image():
    with pytest.raises(ImageError, match="too small"):
        decode_image(encode(Image.fromarray(gradient(20, 60)), "PNG"))


def _png_with_header_size(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height but holds only a tiny payload (a bomb)."""
    raw = b"".join(b"\x00" + b"\x00" * 3 for _ in range(1))
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_refuses_decompression_bomb_from_header():
    with pytest.raises(ImageError, match="too large|decompression bomb"):
        decode_image(_png_with_header_size(60000, 60000))


def test_pixel_limit_is_configurable():
    data = encode(Image.fromarray(gradient(200, 150)), "PNG")
    with pytest.raises(ImageError, match="too large"):
        decode_image(data, max_pixels=10_000)


def test_exif_rotation_is_applied():
    image = Image.fromarray(gradient(80, 40))  # landscape as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    decoded = decode_image(encode(image, "JPEG", exif=exif.tobytes()))
    assert decoded.pixels.shape[:2] == (80, 40)  # portrait once shown
    assert decoded.original_size == (40, 80)


def test_sixteen_bit_greyscale():
    values = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    image = Image.frombytes("I;16", (64, 64), values.astype("<u2").tobytes())
    decoded = decode_image(encode(image, "PNG"))
    assert decoded.pixels.shape == (64, 64, 3)
    assert decoded.pixels[0, 0, 0] == pytest.approx(0.0, abs=1e-3)
    assert decoded.pixels[-1, -1, 0] == pytest.approx(1.0, abs=1e-3)
    assert any("bit-depth" in note for note in decoded.notes)


def test_cmyk_jpeg_converted():
    cmyk = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # pure red ink mix
    decoded = decode_image(encode(cmyk, "JPEG"))
    red, green, blue = decoded.pixels[32, 32]
    assert red > 0.8 and green < 0.2 and blue < 0.2
    assert any("CMYK" in note for note in decoded.notes)


def test_rgba_is_composited_on_white():
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[:, :32, 3] = 255  # left half opaque red, right half transparent
    decoded = decode_image(encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert np.allclose(decoded.pixels[10, 5], [1, 0, 0], atol=0.01)
    assert np.allclose(decoded.pixels[10, 60], [1, 1, 1], atol=0.01)
    assert any("white" in note for note in decoded.notes)


def test_greyscale_and_palette_images():
    grey = decode_image(encode(Image.fromarray(gradient()[..., 0], "L"), "PNG"))
    assert np.allclose(grey.pixels[..., 0], grey.pixels[..., 2])
    pal = Image.fromarray(gradient()).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    decoded = decode_image(encode(pal, "PNG"))
    assert decoded.pixels.shape == (48, 64, 3)
    assert len(np.unique(decoded.pixels.reshape(-1, 3), axis=0)) <= 16


def test_animated_gif_uses_first_frame():
    frames = [Image.new("RGB", (40, 40), color) for color in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    decoded = decode_image(data)
    assert decoded.pixels[20, 20, 0] > 0.9 and decoded.pixels[20, 20, 2] < 0.1
    assert any("first of 3 frames" in note for note in decoded.notes)


def test_content_is_sniffed_not_extension(tmp_path):
    # PNG bytes are PNG whatever the name; decode_image never sees a name at all.
    data = encode(Image.fromarray(gradient()), "PNG")
    decoded = decode_image(data)
    assert decoded.format == "PNG"


def test_bad_options_raise_value_error():
    with pytest.raises(ValueError, match="max_side"):
        decode_image(b"x", max_side=4)


def test_resize_longest_keeps_input_and_aspect():
    image = np.random.default_rng(0).random((100, 50, 3)).astype(np.float32)
    before = image.copy()
    out = resize_longest(image, 40)
    assert out.shape == (40, 20, 3)
    assert np.array_equal(image, before)
    assert to_uint8(np.array([[[0.0, 0.5, 1.0]]])).tolist() == [[[0, 128, 255]]]


def _smooth(width, height, bands=3):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    layers = [x / width, y / height, (x + y) / (width + height), 1 - x / width][:bands]
    return (np.stack(layers, axis=2) * 255).round().astype(np.uint8)


def _reference(image: Image.Image, max_side: int) -> np.ndarray:
    """Issue 20: what decoding did before it shrank in strips (convert everything at full size, then resize)."""
    from PIL import ImageOps

    from assistant.images import _to_float_rgb

    return resize_longest(_to_float_rgb(ImageOps.exif_transpose(image), []), max_side)


@pytest.mark.parametrize("kind", ["rgb", "rgba", "palette-transparent", "grey16", "cmyk", "la", "exif6", "exif7"])
def test_large_images_shrink_in_strips_like_a_full_conversion(kind, monkeypatch):
    """Issue 20: a large picture is converted strip by strip and averaged down (memory follows the working size)."""
    import assistant.images as images

    monkeypatch.setattr(images, "_STRIP_PIXELS", 40_000)  # many strips, and a last one of other height
    width, height = 701, 333
    params = {}
    if kind == "rgba":
        rgba = _smooth(width, height, 4)
        rgba[:, : width // 3, 3] = 0
        image = Image.fromarray(rgba, "RGBA")
    elif kind == "palette-transparent":
        image = Image.fromarray(_smooth(width, height)).convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
        params["transparency"] = 0
    elif kind == "grey16":
        values = (_smooth(width, height)[..., 0].astype(np.uint16) * 200).astype("<u2")
        image = Image.frombytes("I;16", (width, height), values.tobytes())
    elif kind == "cmyk":
        image = Image.fromarray(_smooth(width, height, 4), "CMYK")
    elif kind == "la":
        image = Image.fromarray(_smooth(width, height, 4)[..., 1:3].copy(), "LA")
    else:
        image = Image.fromarray(_smooth(width, height))
    if kind.startswith("exif"):
        exif = Image.Exif()
        exif[0x0112] = int(kind[-1])
        params["exif"] = exif.tobytes()
    data = encode(image, "TIFF" if kind in ("cmyk",) else "PNG", **params)
    decoded = decode_image(data, max_side=100)
    expected = _reference(Image.open(io.BytesIO(data)), 100)
    assert decoded.pixels.shape == expected.shape and decoded.pixels.dtype == np.float32
    assert 0.0 <= decoded.pixels.min() and decoded.pixels.max() <= 1.0
    assert np.abs(decoded.pixels - expected).max() < 1e-4  # the same area averaging, up to float rounding
    small = decode_image(data, max_side=1024)  # no shrinking: the same notes, once each
    assert decoded.notes == small.notes and len(set(decoded.notes)) == len(decoded.notes)
    if kind.startswith("exif"):
        assert decoded.original_size == (height, width)


def test_decoded_white_stays_within_one():
    """Issue 20: area averaging of pure white gives 1.0000002, which st.image refuses."""
    white = encode(Image.new("RGB", (1500, 977), (255, 255, 255)), "PNG")
    for side in (100, 333, 1024):
        assert decode_image(white, max_side=side).pixels.max() <= 1.0
    assert resize_longest(np.ones((977, 1500, 3), np.float32), 333).max() <= 1.0


def test_white_photos_of_many_sizes_stay_within_one_after_every_resize():
    """Issue 20: 59 of 192 white sizes gave values above 1 after resizing; none may."""
    rng = np.random.default_rng(20)
    sizes = [(int(h), int(w)) for h, w in rng.integers(33, 1700, size=(60, 2))]
    for height, width in sizes:
        white = np.ones((height, width, 3), np.float32)
        for side in (64, 257, 512, 1023):
            out = resize_longest(white, side)
            assert out.max() <= 1.0 and out.min() >= 0.0, (height, width, side)
    for height, width in sizes[:8]:  # the decoder's own path (strips into the working size) too
        data = encode(Image.new("RGB", (width, height), (255, 255, 255)), "PNG")
        assert decode_image(data, max_side=97).pixels.max() <= 1.0


def test_fast_png_keeps_every_pixel_and_stays_about_as_small(chelsea_small):
    """The guide's PNGs filter every row one way (issue 22): the same pixels, at most a few per cent more bytes."""
    import cv2

    from assistant.images import encode_png
    from assistant.plan.regions import outline_image

    labels = np.zeros((200, 300), np.int32)
    labels[50:150, 80:220] = 1
    for image in (chelsea_small, outline_image(labels)):
        fast, thorough = encode_png(image, compression=1, fast=True), encode_png(image, compression=1)
        back = cv2.cvtColor(cv2.imdecode(np.frombuffer(fast, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        assert np.array_equal(back, to_uint8(image))
        assert len(fast) <= 1.1 * len(thorough)


def test_to_uint8_rounds_half_to_even_and_clips_at_any_size():
    """Whole pictures go through OpenCV, small arrays through NumPy: the same bytes, at the halves between two
    levels, below 0 and above 1 included."""
    from assistant.images import to_uint8

    levels = np.arange(-3, 259, dtype=np.float64)
    near = np.concatenate([levels / 255, (levels + 0.5) / 255]).astype(np.float32)
    values = np.concatenate([np.nextafter(near, np.float32(-1)), near, np.nextafter(near, np.float32(2)),
                             np.float32([-0.0, -7.0, 3.0])])
    values = np.resize(values, 3 * 4096)
    for image in (values.reshape(64, 64, 3), values.reshape(-1, 3), values[:30].reshape(10, 3),
                  values.reshape(64, 192)[:, ::2], values.reshape(-1, 1, 1).astype(np.float64)):
        expected = np.clip(np.rint(np.asarray(image, np.float32) * 255), 0, 255).astype(np.uint8)
        got = to_uint8(image)
        assert got.shape == expected.shape and np.array_equal(got, expected)
    assert to_uint8(np.float32([[0.5 / 255, 1.5 / 255]])).tolist() == [[0, 2]]


def test_every_8_bit_level_decodes_to_level_over_255():
    """The float conversion looks each level up: all 256 levels in every channel give exactly level / 255."""
    import cv2

    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    rgb = np.tile(np.stack([levels, levels.T, levels[::-1]], axis=2), (3, 3, 1))  # at least 32 px a side
    ok, png = cv2.imencode(".png", rgb[..., ::-1])
    pixels = decode_image(png.tobytes()).pixels
    assert pixels.dtype == np.float32 and np.array_equal(pixels, rgb.astype(np.float32) / 255.0)
