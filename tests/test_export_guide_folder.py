"""The guide folder is replaced as a whole: never a mix of two runs, no stale files, no links followed."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import GuideOptions, make_guide
from assistant.export import write_guide
from assistant.export.archive import check_output_dir

ROOT = Path(__file__).resolve().parent.parent


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by its relative path; no links anywhere."""
    files = {}
    for path in sorted(folder.rglob("*")):
        assert not path.is_symlink(), path
        if path.is_file():
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def small_guides(chelsea_small):
    many = make_guide(chelsea_small, GuideOptions(n_colors=6, max_steps=12, seed=1))
    few = make_guide(chelsea_small, GuideOptions(n_colors=3, max_steps=4, min_steps=2, seed=1))
    return many, few


def test_rewrite_with_fewer_steps_and_no_strokes_leaves_no_stale_file(small_guides, tmp_path):
    from assistant.strokes.painter import PainterOptions
    from assistant.strokes.renderer import load_renderer
    from assistant.work import add_strokes

    many, few = small_guides
    painted = add_strokes(many, PainterOptions(n_strokes=40, refine_steps=2, max_side=96), renderer=load_renderer())
    out = tmp_path / "OUT"
    first = write_guide(painted, out, extra_files={"guide.project": b"x"})
    assert "painting.png" in first and any(name.startswith("strokes/") for name in first)
    assert len(few.steps) < len(many.steps)
    second = write_guide(few, out)
    assert set(_tree(out)) == set(second)  # no steps/NN.png, strokes/, painting.png, timelapse.*, guide.project left
    assert json.loads((out / "plan.json").read_bytes())["format"] == "painting-assistant/plan"
    assert _siblings(out) == []


def _project_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.json", "{}")
    return buffer.getvalue()


def test_links_inside_the_folder_are_not_followed(small_guides, tmp_path):
    many, few = small_guides
    out = tmp_path / "OUT"
    write_guide(many, out, extra_files={"guide.project": _project_bytes()})
    target = tmp_path / "elsewhere.json"
    target.write_text("precious")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "01.png").write_text("precious too")
    (out / "plan.json").unlink()
    (out / "plan.json").symlink_to(target)
    shutil.rmtree(out / "steps")
    (out / "steps").symlink_to(tmp_path / "elsewhere")
    written = write_guide(few, out)  # guide.project still says the folder is a guide
    assert target.read_text() == "precious"
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["01.png"]
    assert (tmp_path / "elsewhere" / "01.png").read_text() == "precious too"
    assert set(_tree(out)) == set(written)  # _tree: no links left
    # Without guide.project, a folder whose plan.json is a link is not taken for a guide.
    (out / "plan.json").unlink()
    (out / "plan.json").symlink_to(target)
    with pytest.raises(ValueError, match="not a painting guide folder"):
        write_guide(many, out)
    assert target.read_text() == "precious" and (out / "plan.json").is_symlink()


@pytest.mark.parametrize("make, message", [
    (lambda d: "", "Expected an output folder"),
    (lambda d: ".", "current folder"),
    (lambda d: (d / "file.txt").write_text("x") and d / "file.txt", "is a file"),
    (lambda d: (d / "link").symlink_to(d) or d / "link", "symbolic link"),
    (lambda d: (d / "mine").mkdir() or (d / "mine" / "notes.txt").write_text("x") and d / "mine",
     "is not empty and is not a painting guide folder; choose another folder"),
    (lambda d: (d / "fake").mkdir() or (d / "fake" / "plan.json").write_text('{"format": "other"}') and d / "fake",
     "not a painting guide folder"),
])
def test_check_output_dir_refuses_with_one_line(tmp_path, monkeypatch, make, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=message) as info:
        check_output_dir(make(tmp_path))
    assert "\n" not in str(info.value)
    assert (tmp_path / "mine" / "notes.txt").exists() or not (tmp_path / "mine").exists()


def test_check_output_dir_refuses_an_unwritable_parent(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root may write anywhere: pretend it may not
        access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and access(path, mode))
    with pytest.raises(ValueError, match="Cannot write into"):
        check_output_dir(locked / "OUT")


def test_check_output_dir_accepts_new_empty_and_guide_folders(small_guides, tmp_path):
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"  # created when written
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "empty") == tmp_path / "empty"
    write_guide(small_guides[1], tmp_path / "a" / "b")
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"


def test_cli_refuses_a_bad_output_before_any_work(tmp_path):
    photo = tmp_path / "photo.png"
    _astronaut(photo)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    start = time.perf_counter()
    # --strokes 3000 on a full-size photo would take minutes: the refusal comes first.
    result = _cli("guide", str(photo), "-o", str(tmp_path / "mine"), "--strokes", "3000", "--quiet")
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "is not empty and is not a painting guide folder" in result.stderr
    assert time.perf_counter() - start < 30
    assert (tmp_path / "mine" / "notes.txt").read_text() == "x"
    result = _cli("guide", str(photo), "-o", "", "--quiet", cwd=tmp_path)
    assert result.returncode == 2 and "current folder" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "photo.png"]


def _astronaut(path: Path) -> None:
    from PIL import Image
    from skimage import data

    Image.fromarray(data.astronaut()).save(path)


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=_env())


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_killed_run_leaves_the_old_guide_or_the_new_one_never_a_mix(tmp_path):
    photo = tmp_path / "photo.png"
    _astronaut(photo)
    common = ["--max-side", "256", "--quiet"]
    old_args, new_args = ["--colors", "6", "--steps", "6"], ["--colors", "4"]
    references = {}
    for label, extra in (("old", old_args), ("new", new_args)):
        start = time.perf_counter()
        result = _cli("guide", str(photo), "-o", str(tmp_path / label), *extra, *common)
        assert result.returncode == 0, result.stderr
        references[label] = (_tree(tmp_path / label), time.perf_counter() - start)
    old, new = references["old"][0], references["new"][0]
    assert old != new and set(old) != set(new)
    for tree in (old, new):  # a complete guide: its ZIP lists every file but itself and the project
        import io
        import zipfile

        listed = set(zipfile.ZipFile(io.BytesIO(tree["guide.zip"])).namelist())
        assert set(tree) == listed | {"guide.zip", "guide.project"}
    duration = references["new"][1]

    out = tmp_path / "OUT"
    rng = random.Random(20)
    outcomes = []
    for attempt in range(6):
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(tmp_path / "old", out)
        process = subprocess.Popen([sys.executable, "-m", "assistant", "guide", str(photo), "-o", str(out),
                                    *new_args, *common], cwd=ROOT, env=_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if attempt % 2 == 0:  # anywhere in the run
                time.sleep(rng.uniform(0.2, duration * 1.1))
            else:  # while the folder is being written and moved into place
                deadline = time.perf_counter() + duration * 3 + 10
                while not _siblings(out) and process.poll() is None and time.perf_counter() < deadline:
                    time.sleep(0.002)
                time.sleep(rng.uniform(0.0, 0.03))
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        tree = _tree(out)
        assert tree == old or tree == new, f"attempt {attempt}: a mix of {sorted(set(tree) ^ set(old))}"
        outcomes.append("old" if tree == old else "new")
        assert all(name.startswith((".OUT.tmp-", ".OUT.old-")) for name in _siblings(out))
    # The next run cleans what the killed ones left and writes the new guide.
    result = _cli("guide", str(photo), "-o", str(out), *new_args, *common)
    assert result.returncode == 0, result.stderr
    assert _tree(out) == new
    assert _siblings(out) == [], outcomes
