"""The fast style engine: the converted networks, any size, strength, the manifest check, the look."""

import shutil

import numpy as np
import pytest
from conftest import photo_array

from assistant.style.fast import (
    DEFAULT_STRENGTH,
    FastStyleFileError,
    FastStyleOptions,
    default_model_dir,
    load_fast_style,
    stylize_fast,
)


@pytest.fixture(scope="module")
def networks():
    return load_fast_style()


@pytest.fixture(scope="module")
def impasto():
    from assistant.style.assets import load_style

    return load_style("impasto_oil", max_side=256)[0]


def test_converted_networks_reproduce_the_stored_reference(networks):
    reference = np.load(default_model_dir() / "fast_style_reference.npz")
    picture = networks.paint(reference["photo"], reference["vector"])
    assert picture.shape == reference["picture"].shape
    assert np.abs(picture - reference["picture"]).max() < 1e-4


def test_any_size_and_the_range(networks, impasto):
    for shape in ((37, 53), (200, 120), (9, 300)):
        photo = np.random.default_rng(0).random((*shape, 3), dtype=np.float32)
        result = stylize_fast(photo, [(impasto, 1.0)], networks=networks, options=FastStyleOptions(max_side=256))
        assert result.image.shape == photo.shape and result.image.dtype == np.float32
        assert 0.0 <= result.image.min() and result.image.max() <= 1.0


def test_strength_blends_the_style_vector_with_the_photos_own(networks, impasto):
    photo = photo_array("coffee", 128)
    style = networks.style_vector(impasto)
    full = stylize_fast(photo, [(impasto, 1.0)], networks=networks, options=FastStyleOptions(strength=1.0))
    none = stylize_fast(photo, [(impasto, 1.0)], networks=networks, options=FastStyleOptions(strength=0.0))
    assert np.allclose(full.vector, style, atol=1e-6) and np.allclose(full.style_vector, style)
    assert np.allclose(none.vector, networks.style_vector(photo), atol=1e-5)
    assert np.abs(none.image - photo).mean() < np.abs(full.image - photo).mean()  # strength 0 stays nearer
    # A blend of two styles by weight is the weighted mean of their vectors; vectors are accepted as they are.
    other = networks.style_vector(photo_array("chelsea", 128))
    mixed = stylize_fast(photo, [(impasto, 3.0), (other, 1.0)], networks=networks,
                         options=FastStyleOptions(strength=1.0))
    assert np.allclose(mixed.style_vector, 0.75 * style + 0.25 * other, atol=1e-5)


def test_the_same_inputs_give_the_same_picture(networks, impasto):
    photo = photo_array("chelsea", 96)
    a = stylize_fast(photo, [(impasto, 1.0)], networks=networks).image
    b = stylize_fast(photo, [(impasto, 1.0)], networks=networks).image
    assert np.array_equal(a, b)


def test_the_default_look_shows_brushwork_and_keeps_the_subject(networks, impasto):
    """Issue 25's look numbers at the default strength (the bench measures them on the full photos)."""
    import cv2

    from assistant.color.spaces import delta_e2000, rgb_to_lab
    from assistant.style.measures import measure_change

    for name in ("astronaut", "chelsea"):
        photo = photo_array(name, 256)
        image = stylize_fast(photo, [(impasto, 1.0)], networks=networks,
                             options=FastStyleOptions(max_side=256)).image
        change = float(np.abs(image - photo).mean())

        def blur(x):
            return rgb_to_lab(cv2.GaussianBlur(np.ascontiguousarray(x), (0, 0), 4))

        drift = float(delta_e2000(blur(photo), blur(image)).mean())
        assert change >= 0.06 and measure_change(photo, image).edges_kept >= 0.6 and drift <= 12, (name, change, drift)


def test_options_are_checked():
    assert FastStyleOptions().strength == DEFAULT_STRENGTH
    for bad in ({"strength": 1.5}, {"strength": float("nan")}, {"max_side": 10}, {"max_side": 512.5},
                {"preserve_colors": "yes"}):
        with pytest.raises(ValueError, match="Received"):
            FastStyleOptions(**bad).validate()


def test_altered_or_missing_files_are_one_line(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(default_model_dir(), folder, ignore=shutil.ignore_patterns("stroke_*"))
    weights = folder / "fast_style_transform.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(FastStyleFileError, match="altered"):
        load_fast_style(folder)
    weights.unlink()
    with pytest.raises(FastStyleFileError, match="missing"):
        load_fast_style(folder)
    with pytest.raises(FastStyleFileError, match="not installed"):
        load_fast_style(tmp_path / "nowhere")


def test_cli_fast_engine_by_default_records_it_and_reopens_identically(tmp_path, capsys):
    import json

    from assistant.cli import main
    from assistant.images import encode_png

    photo = tmp_path / "cat.png"
    photo.write_bytes(encode_png(photo_array("chelsea", 160)))
    assert main(["guide", str(photo), "-o", str(tmp_path / "a"), "--style", "impasto_oil:0.7,palette_knife:0.3",
                 "--strength", "strong", "--colors", "5", "--quiet"]) == 0
    style = json.loads((tmp_path / "a" / "plan.json").read_text())["style"]
    assert style["engine"] == "fast" and style["strength"] == 0.8 and "Apache-2.0" in style["weights"]
    assert main(["guide", str(tmp_path / "a" / "guide.project"), "-o", str(tmp_path / "b"), "--quiet"]) == 0
    assert (tmp_path / "a" / "plan.json").read_bytes() == (tmp_path / "b" / "plan.json").read_bytes()
    from assistant.project import load_project

    kept = load_project((tmp_path / "a" / "guide.project").read_bytes()).style
    assert kept.engine == "fast" and len(kept.vector) == 100  # the project keeps the style vector
    capsys.readouterr()
    for argv in (["--strength", "1.5"], ["--style-weight", "1"]):
        assert main(["guide", str(photo), "-o", str(tmp_path / "c"), "--style", "impasto_oil", "--quiet", *argv]) == 2
        assert capsys.readouterr().err.count("\n") == 1
