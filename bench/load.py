"""Load test: N real browser sessions at once against a real ``streamlit run`` (localhost only).

Each session uploads its own photo, picks its own number of paints (so that
cross-talk would show), opens the Palette and Steps pages; two sessions also run a
style repaint at 256 px. Checks that every session sees only its own photo and
palette, and that no page shows an error. Records the server's peak memory and each
session's waits. Bounded: every wait has a timeout and the server is always stopped.

    python bench/load.py --sessions 4 8 [--style-sessions 2] [--append]

Run it on an otherwise idle machine (timings are the point).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``streamlit run app.py`` on a free localhost port, with its resident memory sampled."""

    def __init__(self, sessions_dir: str):
        self.port = _free_port()
        env = dict(os.environ, PAINTING_ASSISTANT_SESSION_DIR=sessions_dir, TF_CPP_MIN_LOG_LEVEL="2")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError("streamlit did not start within 60 s")
        self._sampler.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self.rss_mb())
            time.sleep(0.25)

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _photos(folder: Path, n: int) -> list[Path]:
    from skimage import data

    sources = [data.astronaut(), data.coffee(), data.chelsea()]
    paths = []
    for i in range(n):
        image = sources[i % 3]
        if i >= 3:  # distinct pictures for every session
            image = np.ascontiguousarray(image[:, ::-1] if i % 2 else image[::-1])
        path = folder / f"photo{i}.png"
        Image.fromarray(image).save(path)
        paths.append(path)
    return paths


async def _session(browser, url: str, index: int, photo: Path, style: bool, timeout_s: float) -> dict:
    """One person's visit; returns the waits (s) and what the pages showed; a failure says where."""
    page = await (await browser.new_context(viewport={"width": 1300, "height": 900})).new_page()
    page.set_default_timeout(timeout_s * 1000)
    waits: dict = {}
    try:
        return await _visit(page, index, photo, style, waits, url)
    except Exception as exc:
        shot = Path(tempfile.gettempdir()) / f"load-session-{index}.png"
        await page.screenshot(path=str(shot))
        raise RuntimeError(f"session {index} at {waits.get('stage')}: {str(exc).splitlines()[0]} "
                           f"(screenshot {shot})") from exc


async def _visit(page, index: int, photo: Path, style: bool, waits: dict, url: str) -> dict:
    colours = 12 - index % 6

    async def timed(name, coroutine):
        start = time.monotonic()
        waits["stage"] = name
        await coroutine
        waits[name] = round(time.monotonic() - start, 2)

    await timed("open", page.goto(url))
    await page.get_by_text("Upload a photo").first.wait_for()
    await page.locator("input[type=file]").set_input_files(str(photo))
    await timed("upload", page.get_by_text(f"{photo.name} ·").wait_for())
    if style:
        await page.get_by_role("link", name=re.compile("Style")).first.click()
        await page.get_by_text("No style yet").wait_for()
        waits["stage"] = "style settings"
        await _set_working_size(page, "256")
        await page.wait_for_timeout(1500)
        await page.get_by_role("button", name="Repaint in this style").click()
        await timed("style", page.get_by_text(re.compile(r"Impasto oil · medium · \d+ s")).first.wait_for())
    await page.get_by_role("link", name=re.compile("Palette")).first.click()
    await timed("palette", page.get_by_text(re.compile(r"With \d+ paints")).wait_for())
    slider = page.locator("[data-testid=stSlider]").filter(has_text="Number of paints").get_by_role("slider")
    await slider.focus()
    start = time.monotonic()
    for _ in range(12 - colours):
        await slider.press("ArrowLeft")
    await page.get_by_text(f"With {colours} paints").wait_for()
    waits["repalette"] = round(time.monotonic() - start, 2)
    await page.get_by_role("link", name=re.compile("Steps")).first.click()
    await timed("steps", page.get_by_text(re.compile(r"Step 1 of \d+")).wait_for())
    # The sidebar summary is drawn after the page: wait for it, then read what it says.
    sidebar_box = page.locator("[data-testid=stSidebar]")
    try:
        await sidebar_box.get_by_text(f"{colours} colours").wait_for(timeout=30_000)
    except Exception:
        pass
    sidebar = await sidebar_box.inner_text()
    body = await page.content()
    own_photo = f"Photo: {photo.name}" in sidebar
    own_palette = f"{colours} colours" in sidebar
    errors = body.count("Traceback") + body.count("stException")
    await page.context.close()
    waits.pop("stage", None)
    return {"index": index, "style": style, "waits": waits, "own_photo": own_photo, "own_palette": own_palette,
            "errors": errors}


async def _set_working_size(page, value: str, tries: int = 8) -> None:
    """Open Advanced and set the working size; under load a rerun can close the section: try again."""
    size = page.locator("[data-testid=stSlider]").filter(has_text="Working size").get_by_role("slider")
    for _ in range(tries):
        try:
            if not await page.get_by_text("Working size (px)").is_visible():
                await page.get_by_text("Advanced").click(timeout=10_000)
                await page.get_by_text("Working size (px)").wait_for(timeout=10_000)
            await size.focus(timeout=10_000)
            await size.press("Home", timeout=10_000)
            await size.press("ArrowRight", timeout=10_000)
            await page.wait_for_timeout(1500)
            if await size.get_attribute("aria-valuetext", timeout=10_000) == value:
                return
        except Exception:
            continue
    raise RuntimeError(f"could not set the working size to {value}")


async def _run(url: str, photos: list[Path], style_sessions: int, timeout_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            tasks = [_session(browser, url, i, photo, i < style_sessions, timeout_s) for i, photo in enumerate(photos)]
            return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=timeout_s * 3)
        finally:
            await browser.close()


def run_load(n: int, style_sessions: int, timeout_s: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="painting-assistant-load-") as folder:
        photos = _photos(Path(folder), n)
        server = Server(str(Path(folder) / "sessions"))
        try:
            idle_mb = server.rss_mb()
            started = time.monotonic()
            results = asyncio.run(_run(server.url, photos, style_sessions, timeout_s))
            wall = time.monotonic() - started
            peak = server.peak_mb
        finally:
            server.stop()
    failures = [r for r in results if isinstance(r, BaseException)]
    done = [r for r in results if isinstance(r, dict)]
    return {"sessions": n, "style_sessions": style_sessions, "wall_s": round(wall, 1), "idle_mb": round(idle_mb),
            "peak_mb": round(peak), "failures": [f"{type(f).__name__}: {str(f).splitlines()[0]}" for f in failures],
            "results": done}


def _table(summary: dict) -> str:
    lines = []
    for r in sorted(summary["results"], key=lambda r: r["index"]):
        w = r["waits"]
        lines.append(
            f"| {r['index']} | {'yes' if r['style'] else 'no'} | {w.get('upload', '-')} | {w.get('style', '-')} | "
            f"{w.get('palette', '-')} | {w.get('repalette', '-')} | {w.get('steps', '-')} | "
            f"{'ok' if r['own_photo'] and r['own_palette'] else 'CROSS-TALK'} | {r['errors']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--style-sessions", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds for any one wait (default 300)")
    parser.add_argument("--append", action="store_true", help="append the tables to bench/RESULTS.md")
    args = parser.parse_args(argv)
    out = [f"\n## Load test ({dt.date.today()}, `python bench/load.py --sessions {' '.join(map(str, args.sessions))}`)\n",
           f"Machine: {os.cpu_count()} CPU cores; real `streamlit run`, headless Chromium, localhost. "
           "Waits in seconds, each from the action to the page showing its result.\n"]
    ok = True
    for n in args.sessions:
        summary = run_load(n, min(args.style_sessions, n), args.timeout)
        clean = not summary["failures"] and all(r["own_photo"] and r["own_palette"] and not r["errors"]
                                                for r in summary["results"]) and len(summary["results"]) == n
        ok &= clean
        out.append(f"\n**{n} sessions** ({summary['style_sessions']} with a 256 px style run): wall "
                   f"{summary['wall_s']} s; server memory {summary['idle_mb']} MB idle, peak {summary['peak_mb']} MB; "
                   f"{'no cross-talk, no error' if clean else 'PROBLEMS: ' + '; '.join(summary['failures'])}\n")
        out.append("\n| session | style | upload | style run | palette | re-palette | steps | own work only | errors |\n"
                   "|---|---|---|---|---|---|---|---|---|\n" + _table(summary) + "\n")
    text = "".join(out)
    print(text)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as stream:
            stream.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
