"""Real browser end to end: streamlit run app.py + Debian Chromium driven by Playwright."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # The server's output goes to a file: a pipe nobody reads fills up and then blocks the server.
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("streamlit did not start within 60 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"],
        )
        yield instance
        instance.close()


def _go(page, link: str, title: str) -> None:
    """Open a page from the sidebar and wait for its title; a click lost during a rerun is made again."""
    heading = page.get_by_role("heading", name=title, exact=True)
    for _ in range(4):
        page.get_by_role("link", name=re.compile(link)).first.click()
        try:
            heading.wait_for(timeout=15_000)
            return
        except Exception:
            continue
    raise AssertionError(f"the {link} page did not open")


def _download_from_guide_page(page, button_name: str, path: Path) -> Path:
    _go(page, "Guide", "Your painting guide")
    button = page.get_by_role("button", name=button_name)
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    info.value.save_as(path)
    return path


def test_upload_palette_guide_download(server, browser, tmp_path):
    from skimage import data

    photo = tmp_path / "cat.jpg"
    Image.fromarray(data.chelsea()).save(photo, quality=90)
    page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(server)
    page.get_by_text("Upload a photo").first.wait_for()

    # Bad upload first: a one-line message, no traceback.
    bogus = tmp_path / "notes.jpg"
    bogus.write_text("this is not a photo")
    page.locator("input[type=file]").set_input_files(str(bogus))
    page.get_by_text("not an image we can read").wait_for()
    assert page.locator("text=Traceback").count() == 0

    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_text("cat.jpg ·").wait_for()

    _go(page, "Palette", "Palette")
    page.get_by_text("With 12 colours").wait_for()
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(4):
        slider.press("ArrowLeft")
    page.get_by_text("With 8 colours").wait_for()

    # A real canvas: 30 × 40 cm, portrait (the cat photo is landscape, so it is cropped).
    _choose(page, "Your canvas", "Canvas size", "30 × 40 cm")
    page.get_by_text("On a 40 × 30 cm canvas").wait_for()
    page.get_by_text("Portrait").click()
    page.get_by_text("On a 30 × 40 cm canvas").wait_for()

    # Brushstrokes: smallest budget (200), paint, then the painting and its time-lapse show.
    _go(page, "Brushstrokes", "Brushstrokes")
    page.get_by_text("No brushstrokes yet").wait_for()
    budget = page.get_by_role("slider").first
    budget.focus()
    budget.press("Home")
    _start_run(page, "Paint with brushstrokes", done="200 strokes in")
    page.get_by_text("200 strokes in").wait_for(timeout=180_000)
    page.get_by_text("Time-lapse, in painting order").wait_for()
    assert page.locator("text=Traceback").count() == 0

    tiles = _download_from_guide_page(page, "Download outline on A4 pages", tmp_path / "tiles.pdf")
    tiles_info = subprocess.run(["pdfinfo", str(tiles)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", tiles_info).group(1)) == 1 + 4  # overview + 2 × 2 A4 tiles for 30 × 40 cm
    assert "595.28 x 841.89" in tiles_info
    page.get_by_text("30 × 40 cm canvas: 4 A4 pages").wait_for()

    pdf_path = _download_from_guide_page(page, "Download PDF guide", tmp_path / "guide.pdf")
    page.screenshot(path=str(tmp_path / "guide-page.png"))

    assert pdf_path.read_bytes().startswith(b"%PDF")
    report = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", report).group(1))
    steps = int(re.search(r"(\d+) steps", page.content()).group(1))
    assert pages >= 4 + steps + 2  # cover, values, palette, a page per step, stroke pages, outline
    assert "Painting Assistant" in report


def _choose(page, section: str, label: str, option: str) -> None:
    """Open an expander and pick ``option`` in its select box (retried: a rerun can close the list)."""
    for _ in range(5):
        if not page.get_by_role("combobox", name=re.compile(label)).is_visible():
            page.get_by_text(section, exact=True).click()
            page.get_by_role("combobox", name=re.compile(label)).wait_for(timeout=5_000)
        page.get_by_role("combobox", name=re.compile(label)).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} for {label!r}")


def _open_advanced(page):
    """Open the Advanced expander (a click that lands during a rerun can be lost: try again)."""
    for _ in range(5):
        page.get_by_text("Advanced").click()
        try:
            page.get_by_text("Working size (px)").wait_for(timeout=3_000)
            return
        except Exception:
            continue
    raise AssertionError("the Advanced section did not open")


def _set_working_size(page, value: str) -> None:
    """Advanced → working size; each key press reruns the page, so check and try again."""
    size = _slider(page, "Working size")
    for _ in range(8):
        if not page.get_by_text("Working size (px)").is_visible():
            _open_advanced(page)
        size.focus()
        size.press("Home")
        page.wait_for_timeout(1_000)
        size.press("ArrowRight")
        page.wait_for_timeout(1_000)
        if size.get_attribute("aria-valuetext") == value:
            return
    raise AssertionError(f"the working size did not become {value}")


def _wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has no script run in progress (its 'Running…' status is gone)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidgetRunningIcon]')",
                           timeout=timeout_ms)


def _start_run(page, name: str, done: str = "") -> None:
    """Press a run button and wait until its run has started (the button locks) or, for a
    short run, already finished (``done`` text on the page).

    A click that lands while the page is still rerunning after a slider change can be
    dropped by the browser (the button is being replaced), so a press that starts
    nothing within 15 s is made again; a run that did start is never pressed twice.
    """
    started = (f"[...document.querySelectorAll('button')].some(b => b.innerText.includes({name!r}) && b.disabled)"
               + (f" || document.body.innerText.includes({done!r})" if done else ""))
    for _ in range(4):
        _wait_idle(page)
        page.locator("button:enabled").filter(has_text=name).first.click()  # a rerun may leave a stale copy
        try:
            page.wait_for_function(f"() => {started}", timeout=15_000)
            return
        except Exception:
            if page.evaluate(started):
                return
    alerts = " | ".join(page.locator("[data-testid=stAlert], [data-testid=stToast]").all_inner_texts())
    raise AssertionError(f"pressing {name!r} started nothing; the page says: {alerts or '(no message)'}")


def _slider(page, label):
    return page.locator("[data-testid=stSlider]").filter(has_text=label).get_by_role("slider")


def test_style_run_survives_navigation_reload_and_a_saved_project(server, browser, tmp_path):
    from skimage import data

    photo = tmp_path / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(60_000)
    page.goto(server)
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_text("coffee.png ·").wait_for()
    assert re.search(r"[?&]s=[A-Za-z0-9_-]{32}", page.url)  # the session's id is in the address

    _go(page, "Style", "Brushstroke style")
    page.get_by_text(re.compile(r"about a minute, on CPU, \d+ threads?")).first.wait_for(timeout=120_000)
    assert page.get_by_text("VGG19").count() <= 1  # named once, in Advanced, not in the painter's way
    page.get_by_text("No style yet").wait_for()

    # The instant picture is there at once, before anything is pressed.
    from assistant.style.fast import STYLE_STRENGTHS  # each bundled style starts at its own strength

    start = re.escape(f"{STYLE_STRENGTHS['impasto_oil']:.2f}")
    page.get_by_text(re.compile(rf"Impasto oil · strength {start} · instant")).first.wait_for()

    # Cancel a VGG19 refinement once it is under way: it says so and nothing is lost.
    page.get_by_role("button", name="Refine the texture").click()
    page.get_by_text(re.compile(r"Level 3/3 at")).first.wait_for()
    assert page.get_by_role("button", name="Refine the texture").is_disabled()  # nothing can disturb it
    page.get_by_text(re.compile(r"so far · about \d+:\d\d left")).first.wait_for()
    started = time.monotonic()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled: Refining Impasto oil").wait_for(timeout=20_000)
    assert time.monotonic() - started < 20
    # Once the rerun after the cancel has settled (Streamlit shows the old page's elements until the new run
    # replaces them), the page still says there is no style: nothing half-made was kept.
    expect(page.get_by_text("No style yet")).to_have_count(1, timeout=20_000)

    # Paint from the instant picture: the painting follows the strength slider, with no wait and no job.
    _start_run(page, "Paint from this picture", done="· instant")
    strength = _slider(page, "Strength")
    strength.focus()
    strength.press("End")
    page.get_by_text(re.compile(r"Impasto oil · strength 1\.00 · instant")).first.wait_for()

    # A small working size; refine, leave for the Palette page: the result arrives there.
    _set_working_size(page, "256")
    page.wait_for_timeout(1_000)
    _start_run(page, "Refine the texture")
    _go(page, "Palette", "Palette")
    page.get_by_text(re.compile(r"Repainted in Impasto oil")).wait_for(timeout=180_000)
    page.get_by_text(re.compile(r"With 12 colours")).wait_for()
    _go(page, "Style", "Brushstroke style")
    page.get_by_text(re.compile(r"Impasto oil · medium · \d+ s")).first.wait_for()
    assert page.locator("text=Traceback").count() == 0

    # A reload keeps the photo, the stylised picture and the settings.
    page.reload()
    page.get_by_text(re.compile(r"Impasto oil · medium · \d+ s")).first.wait_for()
    _open_advanced(page)
    assert _slider(page, "Working size").get_attribute("aria-valuetext") == "256"
    page.screenshot(path=str(tmp_path / "style-page.png"), full_page=True)

    # On a phone the controls stay near the top (they were 8000 px down once).
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.set_default_timeout(60_000)
    phone.goto(page.url)  # the same address: the same work
    run = phone.get_by_role("button", name="Refine the texture")
    run.wait_for()
    assert run.bounding_box()["y"] < 2000
    phone.close()

    # Save the project; a new session (another browser profile) opens it with everything in place.
    saved = _download_from_guide_page(page, "Save project (guide.project)", tmp_path / "guide.project")
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.set_default_timeout(60_000)
    other.goto(server)
    other.locator("input[type=file]").set_input_files(str(saved))
    other.get_by_text("Opened guide.project: coffee.png, 12 colours.").wait_for()
    assert other.url != page.url
    _go(other, "Style", "Brushstroke style")
    other.get_by_text(re.compile(r"Impasto oil · medium · \d+ s")).first.wait_for()
    broken = tmp_path / "broken.project"
    broken.write_bytes(saved.read_bytes()[:5000])
    _go(other, "Upload", "Upload a photo")
    other.locator("input[type=file]").set_input_files(str(broken))
    other.get_by_text("broken.project: This project file is damaged").wait_for()
    assert other.locator("text=Traceback").count() == 0


def test_check_my_canvas_reads_a_phone_photo(server, browser, tmp_path):
    """Issue 23: open a project, upload a generated phone photo of its canvas at step 5, read the verdict."""
    from canvas_photos import canvas_photo
    from conftest import photo_array

    from assistant import GuideOptions, make_guide
    from assistant.project import project_from_guide, save_project

    guide = make_guide(photo_array("astronaut"), GuideOptions(canvas="30x40cm", focus="none"))
    project = tmp_path / "guide.project"
    project.write_bytes(save_project(project_from_guide(guide, photo_name="astronaut.png")))
    shot = canvas_photo(guide, 5, seed=5, size=(2400, 1800))
    photo = tmp_path / "canvas.jpg"
    photo.write_bytes(shot.jpeg)

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.set_default_timeout(90_000)
    page.goto(server)
    page.get_by_text("Upload a photo").first.wait_for()
    page.locator("input[type=file]").set_input_files(str(project))
    page.get_by_text("Opened guide.project").wait_for()
    _go(page, "Check my canvas", "Check my canvas")
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_text(f"Step 5 of {len(guide.steps)} reached").first.wait_for()
    page.get_by_text("Your checks so far").wait_for()
    assert page.locator("text=Traceback").count() == 0
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "check-page.png"))
    page.get_by_text("What is off, and how to fix it").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "check-page-advice.png"))
