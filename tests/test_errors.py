"""The error policy: the core raises ValueError (and its kinds) or OSError for bad input; the CLI and the
app turn those into one line, and anything else into one line with no traceback (CLI exit 1, app reference)."""

import dataclasses
import json
import math

import numpy as np
import pytest
from conftest import photo_array

from assistant import GuideOptions, make_guide
from assistant.cli import main
from assistant.export import plan_json
from assistant.project import ProjectError, load_project, project_from_guide, save_project
from assistant.strokes.painter import PainterOptions
from assistant.style.transfer import StyleOptions


@pytest.mark.parametrize("change", [
    {"n_colors": 5.5}, {"n_colors": True}, {"seed": 1e300}, {"seed": 2**40}, {"seed": -1}, {"max_side": "512"},
    {"min_region": 2.5}, {"crop_x": math.nan}, {"crop_y": math.inf}, {"min_region_mm2": math.nan},
    {"value_levels": 3.0}, {"medium": 3}, {"paints": None},
])
def test_options_are_the_types_they_claim(change):
    with pytest.raises(ValueError, match="Received"):
        GuideOptions(**change).validate()


@pytest.mark.parametrize("options", [
    PainterOptions(n_strokes=10.5), PainterOptions(min_brush=math.nan), PainterOptions(seed=1e300),
    StyleOptions(iterations=(10, 5.5, 1)), StyleOptions(time_budget_s=math.inf), StyleOptions(max_side=512.0),
])
def test_stage_options_refuse_fractions_nan_and_infinity(options):
    with pytest.raises(ValueError, match="Received"):
        options.validate()


def test_a_project_with_a_seed_of_1e300_is_damaged_not_a_traceback():
    guide = make_guide(photo_array("coffee", 64), GuideOptions(n_colors=4))
    data = save_project(project_from_guide(guide))
    import io
    import zipfile

    members = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    meta = json.loads(members["project.json"])
    meta["options"]["seed"] = 1e300
    members["project.json"] = json.dumps(meta).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, member in members.items():
            archive.writestr(name, member)
    with pytest.raises(ProjectError, match="seed"):
        load_project(buffer.getvalue())


def test_plan_json_never_holds_nan():
    guide = make_guide(photo_array("coffee", 64), GuideOptions(n_colors=4))
    broken = dataclasses.replace(guide, min_region_mm2=math.nan)
    with pytest.raises(ValueError):
        plan_json(broken)


def test_cli_bad_values_exit_2_with_one_line(tmp_path, capsys):
    photo = tmp_path / "p.png"
    from assistant.images import encode_png

    photo.write_bytes(encode_png(photo_array("coffee", 64)))
    for argv in (["--style", "impasto_oil:inf"], ["--style", "impasto_oil:nan"], ["--seed", "99999999999"]):
        assert main(["guide", str(photo), "-o", str(tmp_path / "out"), "--quiet", *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), (argv, err)


def test_cli_unexpected_errors_exit_1_with_one_line_and_a_traceback_only_with_debug(tmp_path, capsys, monkeypatch):
    import assistant.work as workflow

    photo = tmp_path / "p.png"
    from assistant.images import encode_png

    photo.write_bytes(encode_png(photo_array("coffee", 64)))

    def broken(*args, **kwargs):
        raise RuntimeError("a fault of ours\nwith a second line")

    monkeypatch.setattr(workflow, "make_guide", broken)
    argv = ["guide", str(photo), "-o", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: unexpected RuntimeError: a fault of ours (run again with --debug for details)"]
    assert main([*argv, "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setattr(workflow, "make_guide", lambda *a, **k: np.zeros(10**13))  # a MemoryError, not a crash
    assert main(argv) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: not enough memory for this input; try a smaller --max-side"]


def test_app_shows_one_line_with_a_reference_for_an_unexpected_fault(monkeypatch):
    from test_app_pages import run_page

    import assistant.work as workflow

    def broken(*args, **kwargs):
        raise RuntimeError("boom at /srv/secret/path.py")

    monkeypatch.setattr(workflow, "make_guide", broken)
    app = run_page("pages/palette.py", photo=photo_array("coffee", 96), photo_name="coffee")
    assert not app.exception
    words = " ".join(e.value for e in app.error)
    assert "Something went wrong" in words and "reference" in words and "/srv/secret" not in words
    assert app.session_state["photo"] is not None  # the work is kept


@pytest.mark.slow
def test_tensorflow_native_log_lines_never_reach_the_terminal(tmp_path):
    """Issue 20: TensorFlow printed five absl lines on a style run, so an error was never one line."""
    import subprocess
    import sys

    from assistant.images import encode_png

    photo = tmp_path / "cat.png"
    photo.write_bytes(encode_png(photo_array("chelsea", 96)))
    done = subprocess.run([sys.executable, "-m", "assistant", "guide", str(photo), "-o", str(tmp_path / "out"),
                           "--style", "impasto_oil", "--style-size", "64", "--max-side", "96", "--colors", "4",
                           "--strokes", "10", "--quiet"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("note: ") for line in lines), lines


def test_native_log_lines_are_dropped_and_other_stderr_lines_kept():
    """CI's machine printed "E0000 … cuda_platform.cc:52] failed call to cuInit" at the first TensorFlow op,
    long after the import; the CLI filters native log lines for the whole run and keeps everything else."""
    import subprocess
    import sys

    program = (
        "import os, sys\n"
        "from assistant.models import filter_native_stderr\n"
        "filter_native_stderr()\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n')\n"
        "os.write(2, b'E0000 00:00:1796295781.204401   32202 cuda_platform.cc:52] failed call to cuInit: INTERNAL\\n')\n"
        "os.write(2, b'I0000 00:00:1796295781.3   32202 cpu_feature_guard.cc:210] To enable the following\\n')\n"
        "os.write(2, b'libpng warning: iCCP: known incorrect sRGB profile\\n')\n"
        "print('note: from Python', file=sys.stderr)\n"
        "sys.exit('error: the last line')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 1
    assert sorted(lines) == sorted(["libpng warning: iCCP: known incorrect sRGB profile", "note: from Python",
                                    "error: the last line"]), lines


def test_native_log_line_pattern():
    from assistant.models import is_native_log_line

    assert is_native_log_line(b"W0000 00:00:1.5  1 x.cc:1] y\n")
    assert not is_native_log_line(b"Error: W0000 is not a log line\n")
    assert not is_native_log_line(b"note: stroke renderer\n")
