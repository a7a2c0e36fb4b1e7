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
    network = features.build_feature_extractor("auto")
    assert network.name == "vgg19-imagenet-8bit" and network.pretrained
    assert network.description == "ImageNet VGG19, 8-bit weights"
    monkeypatch.setenv(features.WEIGHTS_ENV, str(tmp_path / "missing.h5"))
    with pytest.raises(ValueError, match="Received: weights="):
        features.build_feature_extractor("auto")
    with pytest.raises(ValueError, match="Expected weights"):
        features.build_feature_extractor(3)


def test_8bit_reader_converts_checks_and_caches(tmp_path):
    from assistant.style.features import _CONV_SHAPES, bundled_8bit_file, load_8bit_weights

    source = bundled_8bit_file()
    weights = load_8bit_weights(source, cache_dir=tmp_path)
    assert list(weights) == list(_CONV_SHAPES) and len(weights) == 16
    kernel, bias = weights["block1_conv1"]
    assert kernel.shape == (3, 3, 3, 64) and kernel.dtype == np.float32 and bias.shape == (64,)
    # ImageNet first-layer filters are not random: a few hundred distinct values (8-bit), zero-centred-ish.
    assert len(np.unique(kernel)) <= 256 and abs(float(kernel.mean())) < 0.1
    cached = list(tmp_path.glob("vgg19_imagenet_8bit_*.npz"))
    assert len(cached) == 1
    again = load_8bit_weights(source, cache_dir=tmp_path)
    assert all(np.array_equal(again[n][0], weights[n][0]) for n in weights)


def test_8bit_reader_refuses_tampered_truncated_and_hostile_files(tmp_path):
    from assistant.style.features import bundled_8bit_file, load_8bit_weights
    from assistant.style.torch_legacy import TorchFileError, read_tensors

    data = bundled_8bit_file().read_bytes()
    tampered = tmp_path / "tampered.bin"
    tampered.write_bytes(data[:-10] + b"0123456789")
    with pytest.raises(ValueError, match=r"Expected the 8-bit VGG19 file with sha256 .* Received"):
        load_8bit_weights(tampered, cache_dir=tmp_path)
    for cut in (len(data) // 2, 5000, 100, 3):
        with pytest.raises(TorchFileError) as info:
            read_tensors(data[:cut])
        assert "\n" not in str(info.value)
    # A pickle that would run a command if unpickled naively: refused, nothing runs.
    marker = tmp_path / "ran"
    hostile = data[:137] + b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    with pytest.raises(TorchFileError, match="os.system"):
        read_tensors(hostile)
    assert not marker.exists()
    with pytest.raises(TorchFileError, match="magic number"):
        read_tensors(b"\x80\x02K\x01.")


def test_a_truncated_or_altered_weights_cache_is_rebuilt_and_style_works(monkeypatch, tmp_path):
    from assistant.models import keras_cache_dir
    from assistant.style import features

    source = features.bundled_8bit_file()
    weights = features.load_8bit_weights(source, cache_dir=tmp_path)
    (cache,) = tmp_path.glob("vgg19_imagenet_8bit_*.npz")
    zeros = {f"{n}/{part}": np.zeros_like(a) for n, (k, b) in weights.items() for part, a in (("kernel", k), ("bias", b))}
    for damage in ("truncated", "zeros", "missing layer", "not a zip"):
        if damage == "truncated":
            cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 3])
        elif damage == "zeros":  # the right names and shapes, the wrong content
            np.savez(cache, **zeros)
        elif damage == "missing layer":
            np.savez(cache, **{k: v for k, v in zeros.items() if not k.startswith("block5_conv4")})
        else:
            cache.write_bytes(b"\x00" * 1000)
        again = features.load_8bit_weights(source, cache_dir=tmp_path)
        assert all(np.array_equal(again[n][0], weights[n][0]) and np.array_equal(again[n][1], weights[n][1])
                   for n in weights), damage
        assert features._read_cache(cache) is not None, damage  # rebuilt, and good
        assert sorted(p.name for p in tmp_path.iterdir()) == [cache.name], damage  # no temporary file left
    # The network the style pages use, from a truncated cache in the Keras cache folder.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    keras_cache_dir().mkdir(parents=True)
    (keras_cache_dir() / cache.name).write_bytes(cache.read_bytes()[:5000])
    network = features._vgg19_8bit()
    assert network.name == "vgg19-imagenet-8bit"
    assert np.array_equal(network.base.get_layer("block1_conv1").get_weights()[0], weights["block1_conv1"][0])
    out = network.extractor(["block1_conv1"])(features.preprocess(photo_array("chelsea", 32))[None])
    assert np.isfinite(out["block1_conv1"]).all() and float(np.abs(out["block1_conv1"]).mean()) > 1


def test_legacy_reader_allow_list_cannot_be_changed_by_a_file():
    import struct

    from assistant.style.torch_legacy import TorchFileError, _SafeUnpickler, read_tensors

    def text(value):
        return b"X" + struct.pack("<I", len(value)) + value.encode()

    before = dict(_SafeUnpickler._ALLOWED)
    crafted = [  # GLOBAL of an allowed name, then BUILD with a state dict (or a (None, slots) pair)
        b"\x80\x02ctorch\nByteStorage\n}" + text("dtype") + text("junk") + b"sb.",
        b"\x80\x02ctorch\nFloatStorage\nN}" + text("dtype") + text("junk") + b"s\x86b.",
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n}" + text("__code__") + text("junk") + b"sb.",
        b"\x80\x02ccollections\nOrderedDict\n}" + text("x") + text("junk") + b"sb.",
    ]
    for pickle_bytes in crafted:
        with pytest.raises(TorchFileError, match="change the reader"):
            read_tensors(pickle_bytes)
    assert dict(_SafeUnpickler._ALLOWED) == before
    assert _SafeUnpickler._ALLOWED[("torch", "ByteStorage")].dtype == np.uint8
    assert _SafeUnpickler._ALLOWED[("torch", "FloatStorage")].dtype == np.float32
    with pytest.raises(TypeError):
        _SafeUnpickler._ALLOWED[("os", "system")] = print


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside Keras' save_weights
def test_networks_load_once_per_process_and_truncate(monkeypatch, tmp_path):
    from assistant.style import features

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv(features.WEIGHTS_ENV, raising=False)
    first = features.build_feature_extractor("8bit")
    again = features.build_feature_extractor("auto")
    assert again is first  # the very network: nothing was loaded or built again
    # Only what the chosen layers need is computed: nothing after block4_conv2.
    model = first.extractor(["block1_conv1", "block4_conv2"])
    assert model.layers[-1].name == "block4_conv2" and "block5_conv1" not in [layer.name for layer in model.layers]
    assert first.extractor(["block4_conv2", "block1_conv1"]) is model
    with pytest.raises(ValueError, match="Expected layers among"):
        first.extractor(["block9_conv9"])
    # A weights file is checked and loaded once too, and comes first; an untrained network is always fresh.
    path = tmp_path / "vgg19.weights.h5"
    features.build_feature_extractor(None).base.save_weights(path)
    from_file = features.build_feature_extractor(str(path))
    assert from_file.name == "vgg19-file" and features.build_feature_extractor(str(path)) is from_file
    monkeypatch.setenv(features.WEIGHTS_ENV, str(path))
    assert features.build_feature_extractor("auto") is from_file
    assert features.build_feature_extractor(None) is not features.build_feature_extractor(None)


@pytest.fixture(scope="module")
def trunk():
    from assistant.style.features import build_feature_extractor

    return build_feature_extractor("8bit")


@pytest.fixture(scope="module")
def style_image():
    from assistant.style.assets import load_style

    return load_style("impasto_oil", max_side=128)[0]


@pytest.mark.slow
def test_real_vgg19_adds_texture_and_keeps_the_photo(trunk, style_image):
    from assistant.style.measures import measure_change
    from assistant.style.transfer import preset, stylize

    photo = photo_array("chelsea", 128)
    result = stylize(photo, [(style_image, 1.0)], network=trunk,
                     options=preset("medium", max_side=128, scales=(1.0,), iterations=(20,)))
    history = np.array(result.history)
    assert result.image.shape == photo.shape and result.network == "vgg19-imagenet-8bit"
    assert history[-1, 2] < 0.88 * history[0, 2]  # the style loss falls (0.57 → 0.47 measured): texture arrives...
    change = measure_change(photo, result.image)
    assert change.change > 2.0  # ...visibly,
    assert change.edges_kept > 0.85 and change.colour_drift < 8.0  # while the cat stays the cat

    strong = stylize(photo, [(style_image, 1.0)], network=trunk,
                     options=preset("strong", max_side=128, scales=(1.0,), iterations=(20,)))
    assert measure_change(photo, strong.image).change > change.change  # stronger means more painted


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
    from assistant.color.spaces import rgb_to_lab
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


def test_a_run_stopped_by_the_time_limit_says_so_and_can_be_continued(trunk, style_image):
    """Issue 20: a run that hit the limit looked like a normal result; its progress said '1:18 left'."""
    from assistant.style.transfer import StyleOptions, stylize

    photo = photo_array("coffee", 96)
    fractions = []

    def record_progress(fraction, message, preview=None):
        fractions.append((fraction, message))

    options = StyleOptions(max_side=96, scales=(0.5, 1.0), iterations=(4, 4), time_budget_s=1e-6)
    stopped = stylize(photo, [(style_image, 1.0)], network=trunk, options=options, on_progress=record_progress)
    assert stopped.stopped_early and stopped.stopped_at_level == 1
    record = stopped.record(["Impasto oil"])
    assert record.stopped_at_level == 1 and "level 1 of 2" in record.unfinished
    assert record.plan_dict()["stopped_at_level"] == 1
    # Progress is work done, not iterations done: a half-size iteration is worth much less than a full-size one.
    from assistant.style.transfer import _ITERATION_OVERHEAD_PX as fixed
    from assistant.style.transfer import _LEVEL_SETUP_ITERATIONS as setup

    half, full = 48 * 32 + fixed, 96 * 64 + fixed
    first = [f for f, m in fractions if m.startswith("Level 1")][0]
    assert first == pytest.approx((1 + setup) * half / ((4 + setup) * (half + full)), rel=0.01)

    finished = stylize(photo, [(style_image, 1.0)], network=trunk,
                       options=StyleOptions(max_side=96, scales=(0.5, 1.0), iterations=(4, 4)),
                       resume_from=(stopped.image, stopped.stopped_at_level), on_progress=record_progress)
    assert not finished.stopped_early and finished.stopped_at_level == 0
    assert finished.record(["Impasto oil"]).unfinished == "" and "stopped_at_level" not in finished.record(["x"]).plan_dict()
    assert len(finished.history) == 8  # both levels, from the interrupted one on
    with pytest.raises(ValueError, match="resume"):
        stylize(photo, [(style_image, 1.0)], network=trunk, options=options, resume_from=(stopped.image, 3))
