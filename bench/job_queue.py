"""The job queue measured: overhead per job, a batch over 1 and 2 workers, page waits while jobs run.

    python bench/job_queue.py [--parts overhead batch load] [--append]

- overhead: a job that does nothing, from submit to the owner seeing it done, on the SQLite queue
  (the app's own) and on a local Redis; back to back and after the worker sat idle.
- batch: ``python -m assistant batch`` on 8 photos (default guide options, 512 px working size)
  with 1 and with 2 local workers; the throughput ratio.
- load: 8 browser sessions against a real ``streamlit run``; 2 of them paint 1000 brushstrokes while the
  other 6 upload, choose a palette, change it and open the steps; their page waits, with the jobs on
  the app's own worker process and (for comparison) in threads of the web server
  (``PAINTING_ASSISTANT_QUEUE=off``, as before issue 24).

Localhost only. Run it on an otherwise idle machine: timings are the point.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Not named queue.py: the bench folder is first on every bench script's path, and a queue.py there hides the
# standard library's queue module (multiprocessing, joblib and scikit-learn import it).
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import datetime as dt  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def _load_bench():
    """bench/load.py (its server and browser set-up), imported by path."""
    spec = importlib.util.spec_from_file_location("bench_load", HERE / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _workers(url: str, n: int, kinds: str, log: Path) -> list[subprocess.Popen]:
    processes = []
    for i in range(n):
        path = log.with_name(f"{log.stem}-{i}.log")
        processes.append(subprocess.Popen([sys.executable, "-m", "assistant", "worker", "--queue", url, "--kinds", kinds],
                                          cwd=ROOT, stdout=path.open("wb"), stderr=subprocess.STDOUT))
        while b"worker:" not in path.read_bytes():
            time.sleep(0.05)
    return processes


def _stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(30)


# --- overhead -----------------------------------------------------------------------------------


def _latency(queue, *, idle: float) -> float:
    from assistant.jobs import probe_request

    request = probe_request(0)
    time.sleep(idle)
    start = time.perf_counter()
    job = queue.submit(request.kind, request.inputs)
    while queue.status(job).state != "done":
        time.sleep(0.002)
    took = time.perf_counter() - start
    queue.forget(job)
    return took * 1000


def overhead(folder: Path, n: int = 30) -> str:
    from assistant.jobs import JobQueue, probe_request, run_task

    load = _load_bench()
    port = load._free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    request = probe_request(0)
    start = time.perf_counter()
    for _ in range(n):
        run_task(request.kind, request.inputs, lambda *a, **k: None)
    direct = (time.perf_counter() - start) / n * 1000
    rows = [f"| in this process (no queue) | {direct:.3f} | {direct:.3f} | – |"]
    try:
        for name, url in (("SQLite (the app's own)", f"sqlite://{folder / 'queue.sqlite'}"),
                          ("Redis, localhost", f"redis://127.0.0.1:{port}/0")):
            queue = JobQueue(url)
            workers = _workers(url, 1, "probe", folder / "overhead.log")
            try:
                _latency(queue, idle=0)  # warm
                back = [_latency(queue, idle=0) for _ in range(n)]
                idle = [_latency(queue, idle=3.0) for _ in range(8)]
            finally:
                _stop(workers)
            rows.append(f"| {name} | {statistics.median(back):.1f} | {np.percentile(back, 90):.1f} | "
                        f"{statistics.median(idle):.0f} |")
    finally:
        redis.terminate()
        redis.wait(10)
    return ("\n### Overhead per job (a job that does nothing: submit → the owner reads `done`)\n\n"
            f"{n} jobs back to back, 8 after the worker sat idle 3 s; milliseconds.\n\n"
            "| queue | median | 90th percentile | after idle, median |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")


# --- batch --------------------------------------------------------------------------------------


def _photos(folder: Path, n: int = 8) -> list[Path]:
    from skimage import data

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    paths = []
    for i in range(n):
        image = sources[i % len(sources)]
        if i >= len(sources):
            image = np.ascontiguousarray(image[:, ::-1])
        path = folder / f"photo{i}.jpg"
        Image.fromarray(image).save(path, quality=92)
        paths.append(path)
    return paths


def batch(folder: Path) -> str:
    photos = _photos(folder)
    rows, walls = [], {}
    for workers in (1, 2):
        out = folder / f"out-{workers}"
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "assistant", "batch", *map(str, photos), "-o", str(out),
                                 "--workers", str(workers), "--max-side", "512", "--quiet"],
                                cwd=ROOT, capture_output=True, text=True)
        walls[workers] = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(result.stdout + result.stderr)
        rows.append(f"| {workers} | {walls[workers]:.1f} | {len(photos) / walls[workers] * 60:.1f} | "
                    f"{result.stdout.splitlines()[0]} |")
        shutil.rmtree(out)
    return (f"\n### Batch of {len(photos)} photos (default guide options, `--max-side 512`)\n\n"
            f"{os.cpu_count()} CPU cores; each worker is its own process; wall time includes starting the workers.\n\n"
            "| workers | wall (s) | guides per minute | summary |\n|---|---|---|---|\n" + "\n".join(rows) +
            f"\n\nThroughput, 2 workers vs 1: **{walls[1] / walls[2]:.2f}×**.\n")


# --- load ---------------------------------------------------------------------------------------


async def _visit(browser, url: str, index: int, photo: Path, painter: bool, started: asyncio.Event,
                 painting: list, timeout_s: float) -> dict:
    page = await (await browser.new_context(viewport={"width": 1300, "height": 900})).new_page()
    page.set_default_timeout(timeout_s * 1000)
    waits: dict = {}

    async def timed(name, coroutine):
        begin = time.monotonic()
        await coroutine
        waits[name] = round(time.monotonic() - begin, 2)

    if not painter:
        await started.wait()  # the others come while the brushstrokes are painted
    await page.goto(url)
    await page.get_by_text("Upload a photo").first.wait_for()
    await page.locator("input[type=file]").set_input_files(str(photo))
    await timed("upload", page.get_by_text(f"{photo.name} ·").wait_for())
    await page.get_by_role("link", name=re.compile("Palette")).first.click()
    await timed("palette", page.get_by_text(re.compile(r"With \d+ paints")).wait_for())
    if painter:  # session 0 paints brushstrokes, session 1 refines its style with VGG19
        link, ready, button, done, name = (
            ("Brushstrokes", "No brushstrokes yet", "Paint with brushstrokes", r"\d+ strokes in \d+ layers",
             "strokes job") if index == 0 else
            ("Style", r"· instant", "Refine the texture", "texture refined", "style job"))
        await page.get_by_role("link", name=re.compile(link)).first.click()
        await page.get_by_text(re.compile(ready)).first.wait_for()
        await page.get_by_role("button", name=button).click()
        await page.get_by_text(re.compile("so far")).first.wait_for()
        begin = time.monotonic()
        painting.append(index)
        if len(painting) == 2:
            started.set()
        await page.get_by_text(re.compile(done)).first.wait_for(timeout=timeout_s * 4000)
        waits[name] = round(time.monotonic() - begin, 1)
    else:
        colours = 12 - (index % 5 + 1)
        slider = page.locator("[data-testid=stSlider]").filter(has_text="Number of paints").get_by_role("slider")
        await slider.focus()
        begin = time.monotonic()
        for _ in range(12 - colours):
            await slider.press("ArrowLeft")
        await page.get_by_text(f"With {colours} paints").wait_for()
        waits["re-palette"] = round(time.monotonic() - begin, 2)
        await page.get_by_role("link", name=re.compile("Steps")).first.click()
        await timed("steps", page.get_by_text(re.compile(r"Step 1 of \d+")).wait_for())
    await page.context.close()
    return {"index": index, "painter": painter, "waits": waits}


async def _sessions(load, url: str, photos: list[Path], timeout_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=load.CHROMIUM, args=load.BROWSER_ARGS)
        try:
            started, painting = asyncio.Event(), []
            visits = [_visit(browser, url, i, photo, i < 2, started, painting, timeout_s) for i, photo in
                      enumerate(photos)]
            # A session that fails is reported with the others' results, not lost with them.
            return await asyncio.wait_for(asyncio.gather(*visits, return_exceptions=True), timeout=timeout_s * 6)
        finally:
            await browser.close()


def _worker_peak_mb(sessions_dir: str, stop) -> list[float]:
    """Resident memory of the app's own worker, sampled while ``stop`` is unset."""
    peak = [0.0]

    def sample():
        while not stop.is_set():
            for status in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    words = status.read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"worker" in words and b"--embedded" in words and any(sessions_dir.encode() in w for w in words):
                    try:
                        for line in status.with_name("status").read_text().splitlines():
                            if line.startswith("VmRSS:"):
                                peak[0] = max(peak[0], int(line.split()[1]) / 1024)
                    except OSError:
                        pass
            time.sleep(0.5)

    import threading

    threading.Thread(target=sample, daemon=True).start()
    return peak


def load(folder: Path, n: int = 8, timeout_s: float = 300) -> str:
    import threading

    bench = _load_bench()
    photos = bench._photos(folder, n)
    lines = []
    for mode in ("worker", "off"):
        os.environ["PAINTING_ASSISTANT_QUEUE"] = "" if mode == "worker" else "off"
        sessions = str(folder / f"sessions-{mode}")
        server = bench.Server(sessions)
        stop = threading.Event()
        worker_peak = _worker_peak_mb(sessions, stop)
        try:
            begin = time.monotonic()
            results = asyncio.run(_sessions(bench, server.url, photos, timeout_s))
            wall = time.monotonic() - begin
        finally:
            stop.set()
            server.stop()
        failed = [f"session {i}: {type(r).__name__}: {str(r).splitlines()[0][:160] if str(r) else ''}"
                  for i, r in enumerate(results) if isinstance(r, BaseException)]
        results = [r for r in results if not isinstance(r, BaseException)]
        others = [r["waits"] for r in results if not r["painter"]] or [dict.fromkeys(
            ("upload", "palette", "re-palette", "steps"), float("nan"))]
        jobs = [r["waits"].get(kind, float("nan")) for kind in ("strokes job", "style job")
                for r in results if r["painter"] and kind in r["waits"]]
        where = ("the app's own worker process (one job at a time)" if mode == "worker"
                 else "threads of the web server (`PAINTING_ASSISTANT_QUEUE=off`)")
        row = " | ".join(f"{statistics.median(w[k] for w in others):.1f} / {max(w[k] for w in others):.1f}"
                         for k in ("upload", "palette", "re-palette", "steps"))
        lines.append(f"| {where} | {row} | {' / '.join(f'{j:.0f}' for j in jobs)} | "
                     f"{server.peak_mb:.0f} | {worker_peak[0]:.0f} | {wall:.0f} |")
        print(lines[-1], *failed, sep="\n", flush=True)  # each mode as soon as it is measured
        if failed:
            lines.append("\nFailed in that mode: " + "; ".join(failed) + "\n")
    os.environ.pop("PAINTING_ASSISTANT_QUEUE", None)
    return (f"\n### {n} browser sessions while one paints 1000 brushstrokes and one refines its style with VGG19\n\n"
            f"{os.cpu_count()} CPU cores; real `streamlit run`, headless Chromium. The other {n - 2} sessions start "
            "once both jobs run; their waits in seconds, median / worst.\n\n"
            "| jobs run in | upload | palette | re-palette | steps | strokes / style job (s) | server peak MB | worker peak MB "
            "| wall (s) |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["overhead", "batch", "load"],
                        choices=["overhead", "batch", "load"])
    parser.add_argument("--append", action="store_true", help="append the tables to bench/RESULTS.md")
    args = parser.parse_args(argv)
    text = f"\n## Job queue ({dt.date.today()}, `python bench/job_queue.py --parts {' '.join(args.parts)}`)\n"
    with tempfile.TemporaryDirectory(prefix="painting-assistant-queue-bench-") as folder:
        for part in args.parts:
            section = {"overhead": overhead, "batch": batch, "load": load}[part](Path(folder))
            print(section, flush=True)
            text += section
    if args.append:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as stream:
            stream.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
