"""Does the server's memory go back down after a session ends?

Starts a real ``streamlit run app.py``, then twice: a Chromium tab opens a heavy project (the
astronaut at 1024 px with brushstrokes), looks at the Brushstrokes and Steps pages, and closes.
First a light session (a 256 px guide on the same pages) loads every module the pages
need; the RSS after it ended is the idle level. The server's resident memory (VmRSS) is read before, at the peak (VmHWM) and every 15 s after
the tab closed, for ``--wait`` seconds (Streamlit keeps a closed tab's session 2 minutes for a
reconnect; the app's janitor frees it within 30 s after that).

    python bench/memory.py [--strokes 800] [--wait 240]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def make_project(path: Path, strokes: int, *, max_side: int = 1024) -> None:
    from assistant import GuideOptions, make_guide
    from assistant.project import project_from_guide, save_project
    from assistant.strokes.painter import PainterOptions, paint
    from assistant.work import attach_painting
    from bench.common import photo

    guide = make_guide(photo("astronaut"), GuideOptions(n_colors=12, canvas="30x40cm", max_side=max_side))
    painting = paint(guide.target, guide.palette.rgb, PainterOptions(n_strokes=strokes), renderer=None)
    guide = attach_painting(guide, painting)
    path.write_bytes(save_project(project_from_guide(guide, photo_name="astronaut.png")))
    print(f"project: {path.stat().st_size / 2**20:.1f} MB, {len(guide.strokes.steps)} stroke steps")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def visit(browser, url: str, project: Path) -> None:
    import re

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(180_000)
    page.goto(url)
    page.get_by_text("Upload a photo").first.wait_for()
    page.locator("input[type=file]").set_input_files(str(project))
    page.get_by_text("Opened").first.wait_for()
    for link, title in (("Brushstrokes", "Brushstrokes"), ("Steps", "Painting steps")):
        page.get_by_role("link", name=re.compile(link)).first.click()
        page.get_by_role("heading", name=re.compile(title)).first.wait_for()
        time.sleep(3)
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=800)
    parser.add_argument("--wait", type=int, default=240)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    project = work / "heavy.project"
    make_project(project, args.strokes)
    light = work / "light.project"
    make_project(light, 100, max_side=256)
    port = free_port()
    env = dict(os.environ, PAINTING_ASSISTANT_SESSION_DIR=str(work / "sessions"))
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=(work / "server.log").open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"])
            visit(browser, url, light)  # the same pages with a small picture: every module the pages need is loaded
            time.sleep(args.wait)
            print(f"idle after a light session: RSS {status(server.pid)['VmRSS']:.0f} MB")
            for run in (1, 2):
                before = status(server.pid)["VmRSS"]
                visit(browser, url, project)
                peak = status(server.pid)["VmHWM"]
                print(f"session {run}: RSS before {before:.0f} MB, peak so far {peak:.0f} MB")
                start = time.time()
                while time.time() - start < args.wait:
                    time.sleep(15)
                    print(f"  {time.time() - start:4.0f} s after the tab closed: RSS {status(server.pid)['VmRSS']:.0f} MB")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
