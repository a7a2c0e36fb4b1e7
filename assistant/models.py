"""Model files and the TensorFlow runtime, one policy for every network.

* :func:`sha256_file` checks a weights file against the hash in its manifest;
* :func:`load_once` builds a network the first time it is asked for and then shares it
  read-only within the process (a failure is not remembered, so a file that appears
  later is used);
* :func:`configure_threads` applies ``PAINTING_ASSISTANT_THREADS`` before TensorFlow
  starts work, on every path that builds a network;
* :func:`device_description` says in words where TensorFlow runs;
* :func:`import_tensorflow_quietly` keeps TensorFlow's native start-up lines off a terminal.

Importing this module does not import TensorFlow.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["THREADS_ENV", "configure_threads", "device_description", "import_tensorflow_quietly", "keras_cache_dir",
           "load_once", "sha256_file"]

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


def load_once(key: tuple, build: Callable[[], T]) -> T:
    """Build the object for ``key`` once per process and share it afterwards."""
    with _LOADING:
        if key not in _LOADED:
            _LOADED[key] = build()
        return _LOADED[key]  # type: ignore[return-value]


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


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras with the process's native stderr closed for the while.

    TensorFlow's C++ start-up lines ("oneDNN custom operations are on", "Could not find cuda
    drivers") are written by absl before ``TF_CPP_MIN_LOG_LEVEL`` applies, straight to file
    descriptor 2. The CLI calls this before a stage that needs TensorFlow, so that the terminal
    shows our lines only. (Not for a server: other threads' log lines would be lost meanwhile.)
    """
    import sys

    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            import keras  # noqa: F401
            import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
