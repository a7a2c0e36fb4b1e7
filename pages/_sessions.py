"""Per-session folders on the server, so that a reload or a shared page URL keeps the work.

Each browser session gets an unguessable id (192 random bits) that lives in the page
URL (``?s=…``). Its work is kept as project members (see :mod:`assistant.project`)
in ``<root>/<id>/``: nothing is shared between sessions and an id gives access to
its own folder only. Folders idle longer than ``idle_seconds`` are removed, a
session's folder is bounded by ``max_bytes`` and all folders together by
``max_total_bytes`` (oldest removed first).

No Streamlit here: the UI wires it up (``pages/_state.py``); tests drive it directly.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

__all__ = ["SessionStore", "StoreFull", "store_from_environment"]

_ID = re.compile(r"[A-Za-z0-9_-]{32}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\.(npy|json)")
_STAMP = ".last-used"


class StoreFull(ValueError):
    """The session's work is larger than a session folder may hold."""


class SessionStore:
    """Session folders under ``root``.

    Args:
        root: parent folder (created, private to this user).
        idle_seconds: a folder unused this long is removed by :meth:`sweep`.
        max_bytes: largest size of one session's folder.
        max_total_bytes: largest size of all folders together.
    """

    def __init__(self, root: str | Path, *, idle_seconds: float = 24 * 3600, max_bytes: int = 256 * 2**20,
                 max_total_bytes: int = 4 * 2**30):
        if idle_seconds <= 0 or max_bytes <= 0 or max_total_bytes < max_bytes:
            raise ValueError(
                "Expected idle_seconds > 0 and 0 < max_bytes <= max_total_bytes. "
                f"Received: idle_seconds={idle_seconds}, max_bytes={max_bytes}, max_total_bytes={max_total_bytes}"
            )
        self.root = Path(root)
        self.idle_seconds = float(idle_seconds)
        self.max_bytes = int(max_bytes)
        self.max_total_bytes = int(max_total_bytes)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(24)

    @staticmethod
    def valid_id(session_id: object) -> bool:
        return isinstance(session_id, str) and _ID.fullmatch(session_id) is not None

    def _folder(self, session_id: str) -> Path:
        if not self.valid_id(session_id):
            raise ValueError("Expected a session id of 32 URL-safe characters.")
        return self.root / session_id

    def exists(self, session_id: str) -> bool:
        return self.valid_id(session_id) and (self.root / session_id).is_dir()

    def members(self, session_id: str) -> set[str]:
        """The names of the session's members (empty when it has none or is unknown)."""
        if not self.exists(session_id):
            return set()
        return {p.name for p in self._folder(session_id).iterdir() if _NAME.fullmatch(p.name)}

    def read(self, session_id: str) -> dict[str, bytes]:
        """The session's members (empty when it has none or is unknown); marks it used."""
        if not self.exists(session_id):
            return {}
        folder = self._folder(session_id)
        self.touch(session_id)
        return {p.name: p.read_bytes() for p in folder.iterdir() if _NAME.fullmatch(p.name) and p.is_file()}

    def write(self, session_id: str, files: dict[str, bytes], *, remove: tuple[str, ...] = ()) -> None:
        """Replace members ``files`` and delete members ``remove``; each file is written atomically.

        Raises:
            StoreFull: the folder would grow beyond ``max_bytes`` (nothing is written).
        """
        folder = self._folder(session_id)
        for name in (*files, *remove):
            if not _NAME.fullmatch(name):
                raise ValueError(f"Expected a member name like photo.npy. Received: {name!r}")
        folder.mkdir(exist_ok=True, mode=0o700)
        sizes = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file() and p.name != _STAMP}
        for name in remove:
            sizes.pop(name, None)
        sizes.update({name: len(data) for name, data in files.items()})
        total = sum(sizes.values())
        if total > self.max_bytes:
            raise StoreFull(
                f"This work is too large to keep across reloads ({total / 2**20:.0f} MB; "
                f"at most {self.max_bytes / 2**20:.0f} MB): download the project file to keep it."
            )
        for name, data in files.items():
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, folder / name)
        for name in remove:
            (folder / name).unlink(missing_ok=True)
        self.touch(session_id)

    def touch(self, session_id: str) -> None:
        folder = self._folder(session_id)
        if folder.is_dir():
            (folder / _STAMP).touch()

    def remove(self, session_id: str) -> None:
        shutil.rmtree(self._folder(session_id), ignore_errors=True)

    def _last_used(self, folder: Path) -> float:
        stamp = folder / _STAMP
        return (stamp if stamp.exists() else folder).stat().st_mtime

    def sweep(self, now: float | None = None, *, keep: str | None = None) -> list[str]:
        """Remove idle folders, then the oldest while all together exceed ``max_total_bytes``.

        ``keep`` (the caller's own session) is never removed. Returns the ids removed.
        """
        now = time.time() if now is None else now
        folders = []
        for folder in self.root.iterdir():
            if folder.is_dir() and self.valid_id(folder.name):
                try:
                    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
                    folders.append((self._last_used(folder), size, folder))
                except FileNotFoundError:  # removed meanwhile by another server thread
                    continue
        removed = []
        total = sum(size for _, size, _ in folders)
        for used, size, folder in sorted(folders):
            if folder.name == keep:
                continue
            if now - used > self.idle_seconds or total > self.max_total_bytes:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
                total -= size
        return removed


def store_from_environment() -> SessionStore:
    """The store configured by ``PAINTING_ASSISTANT_SESSION_DIR``, ``…_SESSION_IDLE_HOURS`` (24) and
    ``…_SESSION_MAX_MB`` (256 per session; 16 times that for all)."""
    root = os.environ.get("PAINTING_ASSISTANT_SESSION_DIR") or os.path.join(
        tempfile.gettempdir(), f"painting-assistant-sessions-{os.getuid() if hasattr(os, 'getuid') else 0}"
    )
    hours = float(os.environ.get("PAINTING_ASSISTANT_SESSION_IDLE_HOURS", "24"))
    max_mb = float(os.environ.get("PAINTING_ASSISTANT_SESSION_MAX_MB", "256"))
    return SessionStore(root, idle_seconds=hours * 3600, max_bytes=int(max_mb * 2**20),
                        max_total_bytes=int(16 * max_mb * 2**20))
