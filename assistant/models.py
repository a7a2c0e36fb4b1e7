"""Model files and the TensorFlow runtime, one policy for every network.

* :func:`sha256_file` checks a weights file against the hash in its manifest;
* :func:`architecture_summary` is what a manifest records of a network (its weighted layers and
  a digest of them), so a weights file is never loaded into another architecture;
* :func:`load_once` builds a network the first time it is asked for and then shares it
  read-only within the process (a failure is not remembered, so a file that appears
  later is used);
* :func:`configure_threads` applies ``PAINTING_ASSISTANT_THREADS`` before TensorFlow
  starts work, on every path that builds a network;
* :func:`device_description` says in words where TensorFlow runs;
* :func:`import_tensorflow_quietly` keeps TensorFlow's native log lines off a terminal.

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:
    import keras

__all__ = ["THREADS_ENV", "architecture_summary", "configure_threads", "device_description", "filter_native_stderr",
           "import_tensorflow_quietly", "is_native_log_line", "keras_cache_dir", "load_once", "sha256_file"]

THREADS_ENV = "PAINTING_ASSISTANT_THREADS"

T = TypeVar("T")
_LOADED: dict[tuple, object] = {}
_LOADING = threading.Lock()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def architecture_summary(model: keras.Model) -> dict:
    """What a weights file must match: every layer with weights (name, kind, shapes), their count and a digest.

    ``model`` is a built Keras model; the digest is the sha256 of one line per weighted layer,
    ``"name Kind 3x3x3x10 10"``.
    """
    import numpy as np

    layers = [f"{layer.name} {type(layer).__name__} " + " ".join("x".join(map(str, w.shape)) for w in layer.weights)
              for layer in model.layers if layer.weights]
    parameters = sum(int(np.prod(w.shape)) for w in model.weights)
    return {"layers": len(model.layers), "parameters": parameters,
            "digest": hashlib.sha256("\n".join(layers).encode()).hexdigest(), "weighted_layers": layers}


def load_once(key: tuple, build: Callable[[], T]) -> T:
    """Build the object for ``key`` once per process and share it afterwards."""
    with _LOADING:
        if key not in _LOADED:
            _LOADED[key] = build()
        return cast(T, _LOADED[key])  # what build gave for this key


def thread_count() -> int | None:
    """``PAINTING_ASSISTANT_THREADS`` as a positive int, or None when unset.

    Raises:
        ValueError: the variable is set to something that is not a positive integer.
    """
    value = os.environ.get(THREADS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"Expected {THREADS_ENV} to be a positive integer. Received: {THREADS_ENV}={value!r}")
    return int(value)


def configure_threads() -> None:
    """Apply ``PAINTING_ASSISTANT_THREADS`` (intra-op threads) before TensorFlow starts work."""
    threads = thread_count()
    if threads is None:
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already running: keep its settings
        pass


def device_description() -> str:
    """Where TensorFlow runs, in words: ``"GPU: NVIDIA H100"`` or ``"CPU, 2 threads"``."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        try:
            name = tf.config.experimental.get_device_details(gpus[0]).get("device_name") or gpus[0].name
        except (RuntimeError, ValueError):
            name = gpus[0].name
        return f"GPU: {name}"
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or 1
    return f"CPU, {threads} thread{'s' if threads != 1 else ''}"


def keras_cache_dir() -> Path:
    """Keras' model cache: ``$KERAS_HOME/models`` or ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "models"


#: Held around every gradient step this process runs (brushstroke refinement, the VGG19 optimisation).
#: TensorFlow fails when two threads execute gradient graphs at the same moment: the temporary variable
#: of an AddN in the backward pass is named per step, and the second run finds it taken
#: ("AlreadyExistsError … __per_step_0/AddN_7/tmp_var"). Two brushstroke jobs in the web server's threads
#: (``PAINTING_ASSISTANT_QUEUE=off``) lost one of them to it; with the lock their steps take turns.
GRADIENT_STEP_LOCK = threading.Lock()


# A line written by TensorFlow's C++ logging (absl/glog): "E0000 00:00:1796295781.204401   32202
# cuda_platform.cc:52] failed call to cuInit ...", and absl's note before it is set up.
_NATIVE_LOG_LINE = re.compile(rb"^(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\]]*\] "
                              rb"|WARNING: All log messages before absl::InitializeLog\(\) is called)")
_FILTER: dict[str, object] = {}


def is_native_log_line(line: bytes) -> bool:
    """True for a line of TensorFlow's native (absl) log, which a terminal user never needs."""
    return _NATIVE_LOG_LINE.match(line) is not None


def filter_native_stderr() -> None:
    """From now on, drop TensorFlow's native log lines from this process's stderr; pass the rest.

    TensorFlow's C++ code writes its lines ("oneDNN custom operations are on", "failed call to
    cuInit", "supports DT_INT32 only on platforms with AVX-512") straight to file descriptor 2, at
    import and later, whenever a device or kernel is first touched, before or regardless of
    ``TF_CPP_MIN_LOG_LEVEL``. Python's ``sys.stderr`` is moved to a copy of the terminal; descriptor 2
    becomes a pipe that a thread reads line by line, forwarding every line that is not a native log
    line, so a C library's real message still arrives. At exit the pipe is drained. For the CLI only:
    a server's other threads are none of its business.
    """
    import atexit
    import io
    import sys

    if _FILTER:
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    sys.stderr = io.TextIOWrapper(io.FileIO(terminal, "w", closefd=False), encoding=sys.stderr.encoding,
                                  errors="backslashreplace", line_buffering=True)

    def forward() -> None:
        with io.FileIO(read_end, "r", closefd=True) as pipe:
            for line in io.BufferedReader(pipe):
                if not is_native_log_line(line):
                    os.write(terminal, line)

    thread = threading.Thread(target=forward, name="native-stderr-filter", daemon=True)
    thread.start()

    def drain() -> None:
        sys.stderr.flush()
        os.dup2(terminal, 2)  # closes the pipe's last write end, so the thread sees its end
        thread.join(timeout=2.0)

    atexit.register(drain)
    _FILTER["thread"] = thread


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras with its native log lines kept off the terminal (see
    :func:`filter_native_stderr`), for a process of our own that is not the CLI (the CLI filters from
    its start, :func:`assistant.cli.run`), e.g. a job worker."""
    filter_native_stderr()
    import keras  # noqa: F401
    import tensorflow  # noqa: F401
