"""How long a painter waits for a guide (issue 22: ≤ 1.5 s in-process at 1 MP, ≤ 3 s for the whole CLI on a
12 MP JPEG), beside a baseline measured in the same run.

    python bench/guide_speed.py [--runs 3]

In-process: ``decode_image`` + ``make_guide`` of a 1 MP photo (the astronaut, enlarged), default options, warm
(the first guide of a process also pays its imports: reported apart), with ``--focus auto`` (the default: faces
looked for) and ``none``. Whole CLI: ``python -m assistant guide big.jpg -o OUT --quiet`` on a 12 MP JPEG
(4000 × 3000, quality 90), wall and CPU time of the process as the painter waits for it, and its peak memory.
Baseline: a fixed NumPy workload (sorting 8 × 1 M float32) in this process and ``python -c "import numpy"`` as a
process, so that a slower or busier machine shows as a higher baseline too. The load average is printed: run it
with the machine otherwise idle.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def numpy_baseline() -> float:
    """Seconds for a fixed NumPy workload (best of three)."""
    rng = np.random.default_rng(0)
    data = rng.random((8, 1_000_000), dtype=np.float32)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        np.sort(data, axis=1)
        best = min(best, time.perf_counter() - start)
    return best


def process(args: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of a child process (its own resource use, from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{' '.join(args)} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def photos(folder: Path) -> tuple[bytes, Path]:
    """A 1 MP PNG's bytes and a 12 MP JPEG's path, both from the astronaut."""
    import cv2
    from skimage import data

    from assistant.images import encode_png

    astronaut = data.astronaut()
    one = cv2.resize(astronaut, (1000, 1000), interpolation=cv2.INTER_CUBIC)
    twelve = cv2.resize(astronaut, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    big = folder / "big.jpg"
    cv2.imwrite(str(big), cv2.cvtColor(twelve, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return encode_png(one.astype(np.float32) / 255.0), big


def in_process(data: bytes, focus: str, runs: int) -> list[float]:
    from assistant import GuideOptions, decode_image, make_guide

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        make_guide(decode_image(data).pixels, GuideOptions(focus=focus))
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        one_mp, big = photos(Path(folder))
        base_numpy = numpy_baseline()
        base_process = min(process([sys.executable, "-c", "import numpy"])[0] for _ in range(3))
        print(f"baseline: NumPy workload {base_numpy:.3f} s; `python -c 'import numpy'` {base_process:.2f} s")
        start = time.perf_counter()
        first = in_process(one_mp, "none", 1)[0]
        print(f"first guide of a process (imports included), focus none: {first:.2f} s "
              f"(the process had run {time.perf_counter() - start:.2f} s)")
        print("| what | median s | runs (s) | ÷ NumPy baseline |")
        print("|---|---|---|---|")
        for focus in ("none", "auto"):
            in_process(one_mp, focus, 1)  # warm: this focus's models loaded
            times = in_process(one_mp, focus, args.runs)
            median = statistics.median(times)
            print(f"| 1 MP photo → guide in-process, focus {focus} | {median:.2f} | "
                  f"{', '.join(f'{t:.2f}' for t in times)} | {median / base_numpy:.1f} |")
        for focus in ("auto", "none"):
            results = [process([sys.executable, "-m", "assistant", "guide", str(big), "-o",
                                str(Path(folder) / f"out-{focus}-{i}"), "--quiet", "--focus", focus])
                       for i in range(args.runs)]
            wall = statistics.median(r[0] for r in results)
            cpu = statistics.median(r[1] for r in results)
            peak = max(r[2] for r in results)
            print(f"| whole CLI, 12 MP JPEG, focus {focus} (CPU {cpu:.1f} s, peak {peak:.0f} MB) | {wall:.2f} | "
                  f"{', '.join(f'{r[0]:.2f}' for r in results)} | {wall / base_numpy:.1f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
