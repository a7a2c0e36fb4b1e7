"""Per-session folders on the server, so that a reload or a shared page URL keeps the work.

Each browser session gets an unguessable id (192 random bits) that lives in the page
URL (``?s=…``). Its work is kept as project members (see :mod:`assistant.project`)
in ``<root>/<id>/``: nothing is shared between sessions and an id gives access to
its own folder only. The default root is a folder under the system temp folder that
must be private to this user (made with mode 0700; refused when it is a link, another
user's, or open to others), since listing it would reveal every session id.

Limits: a session's folder is bounded by ``max_bytes``; all folders together by
``max_total_bytes``. Folders idle longer than ``idle_seconds`` are removed, and empty
ones (a visit that never uploaded anything) after ``empty_seconds``; when all folders
together are too large the least recently used go first, but never one used within
``in_use_seconds``: when only those are left, new work is refused (:class:`StoreFull`).
Sweeping is cheap for a visit: :meth:`SessionStore.maybe_sweep` runs a full sweep at most
every ``sweep_every`` seconds, in a background thread.

No Streamlit here: the UI wires it up (``pages/_state.py``); tests drive it directly.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["SessionStore", "StoreFull", "store_from_environment"]

_ID = re.compile(r"[A-Za-z0-9_-]{32}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\.(npy|json)")
_STAMP = ".last-used"
_TEMP = ".tmp-"
_STALE_TEMP_SECONDS = 600.0  # a temporary file this old belongs to no write in progress


class StoreFull(ValueError):
    """The work cannot be kept: larger than a session folder may hold, all sessions together are at
    their limit and all in use, or the disk refused it."""


def _check_number(name: str, value: float, low: float, high: float = math.inf) -> float:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not low < value <= high:
        raise ValueError(f"Expected {name} > {low:g}{'' if high == math.inf else f' and <= {high:g}'}. "
                         f"Received: {value!r}")
    return float(value)


class SessionStore:
    """Session folders under ``root``.

    Args:
        root: parent folder (created, private to this user).
        idle_seconds: a folder unused this long is removed by :meth:`sweep`.
        max_bytes: largest size of one session's folder.
        max_total_bytes: largest size of all folders together.
        in_use_seconds: a folder used this recently is never removed to make room (at most ``idle_seconds``).
        empty_seconds: a folder without members unused this long is removed by :meth:`sweep`.
        sweep_every: :meth:`maybe_sweep` sweeps at most this often.
    """

    def __init__(self, root: str | Path, *, idle_seconds: float = 24 * 3600, max_bytes: int = 256 * 2**20,
                 max_total_bytes: int = 4 * 2**30, in_use_seconds: float = 3600.0, empty_seconds: float = 600.0,
                 sweep_every: float = 300.0):
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (idle_seconds, max_bytes,
                                                                               max_total_bytes)) \
                or idle_seconds <= 0 or max_bytes <= 0 or max_total_bytes < max_bytes:
            raise ValueError(
                "Expected idle_seconds > 0 and 0 < max_bytes <= max_total_bytes. "
                f"Received: idle_seconds={idle_seconds}, max_bytes={max_bytes}, max_total_bytes={max_total_bytes}"
            )
        self.root = Path(root)
        self.idle_seconds = float(idle_seconds)
        self.max_bytes = int(max_bytes)
        self.max_total_bytes = int(max_total_bytes)
        self.in_use_seconds = min(_check_number("in_use_seconds", in_use_seconds, 0), self.idle_seconds)
        self.empty_seconds = _check_number("empty_seconds", empty_seconds, 0)
        self.sweep_every = _check_number("sweep_every", sweep_every, 0)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()  # guards the sizes below
        self._sweep_lock = threading.Lock()  # one sweep at a time
        self._sizes: dict[str, int] | None = None  # bytes per session, known after the first sweep
        self._used: dict[str, float] = {}  # when each session was last used (same sessions)
        self._total = 0
        self._written: dict[str, int | None] = {}  # sizes written while a sweep runs
        self._touched: dict[str, float] = {}  # and uses
        self._last_sweep = -math.inf  # time.monotonic() of the last sweep's start

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
            StoreFull: the folder would grow beyond ``max_bytes``, all folders together beyond
                ``max_total_bytes`` with every other session in use, or the disk refused the
                write (nothing is left half-written).
        """
        folder = self._folder(session_id)
        for name in (*files, *remove):
            if not _NAME.fullmatch(name):
                raise ValueError(f"Expected a member name like photo.npy. Received: {name!r}")
        try:
            folder.mkdir(exist_ok=True, mode=0o700)
            sizes = {p.name: p.stat().st_size for p in folder.iterdir() if _NAME.fullmatch(p.name) and p.is_file()}
            before = sum(sizes.values())
            for name in remove:
                sizes.pop(name, None)
            sizes.update({name: len(data) for name, data in files.items()})
            total = sum(sizes.values())
            if total > self.max_bytes:
                raise StoreFull(
                    f"This work is too large to keep across reloads ({_size_text(total)}; "
                    f"at most {_size_text(self.max_bytes)}): download the project file to keep it."
                )
            self._reserve(session_id, total, grows=total > before)
            for name, data in files.items():
                _write_atomic(folder, name, data)
            for name in remove:
                (folder / name).unlink(missing_ok=True)
            self.touch(session_id)
        except OSError as exc:
            raise StoreFull(f"This work could not be kept on the server ({exc.strerror or exc}): "
                            "download the project file to keep it.") from exc

    def _reserve(self, session_id: str, size: int, *, grows: bool) -> None:
        """Count ``size`` bytes for the session; StoreFull when all sessions together would be too large."""
        if grows and self._sizes is None:
            with self._sweep_lock:  # the first time: learn the sizes (or wait for the sweep learning them)
                if self._sizes is None:
                    self._sweep_locked(time.time(), keep=session_id)
        for attempt in range(2):
            with self._lock:
                if self._sizes is None:  # nothing known yet and nothing grows
                    return
                total = self._total - self._sizes.get(session_id, 0) + size
                if not grows or total <= self.max_total_bytes:
                    self._set_size(session_id, size)
                    return
                now = time.time()
                freeable = sum(bytes_ for name, bytes_ in self._sizes.items() if name != session_id
                               and now - self._used.get(name, now) > self.in_use_seconds)
            if attempt or total - freeable > self.max_total_bytes:  # no sweep could make room: refuse at once
                break
            with self._sweep_lock:  # make room from sessions not in use
                self._sweep_locked(time.time(), keep=session_id, room=size)
        raise StoreFull(
            f"The server keeps at most {_size_text(self.max_total_bytes)} of work for all sessions together "
            "and is full of work in use: download the project file to keep yours, or try again later."
        )

    def _set_size(self, session_id: str, size: int | None) -> None:
        """(Under ``self._lock``) the session's size is now ``size`` (None: removed)."""
        if self._sizes is None:
            return
        self._total -= self._sizes.pop(session_id, 0)
        self._used.pop(session_id, None)
        if size is not None:
            self._sizes[session_id] = size
            self._used[session_id] = time.time()
            self._total += size
        self._written[session_id] = size

    def touch(self, session_id: str) -> None:
        folder = self._folder(session_id)
        if folder.is_dir():
            (folder / _STAMP).touch()
            now = time.time()
            with self._lock:
                self._touched[session_id] = now
                if self._sizes is not None and session_id in self._sizes:
                    self._used[session_id] = now

    def remove(self, session_id: str) -> None:
        shutil.rmtree(self._folder(session_id), ignore_errors=True)
        with self._lock:
            self._set_size(session_id, None)

    def _scan(self, now: float) -> list[tuple[float, int, bool, str]]:
        """(last used, bytes, has no members, id) of every session folder; removes stale temporary files."""
        found = []
        with os.scandir(self.root) as scan:
            for entry in scan:
                if not self.valid_id(entry.name) or not entry.is_dir(follow_symlinks=False):
                    continue
                try:
                    used, size, members = entry.stat(follow_symlinks=False).st_mtime, 0, 0
                    with os.scandir(entry.path) as inner:
                        for item in inner:
                            if not item.is_file(follow_symlinks=False):
                                continue
                            info = item.stat(follow_symlinks=False)
                            if item.name == _STAMP:
                                used = info.st_mtime
                            elif item.name.startswith(_TEMP) and now - info.st_mtime > _STALE_TEMP_SECONDS:
                                os.unlink(item.path)  # left by a write that died
                            else:
                                size += info.st_size
                                members += _NAME.fullmatch(item.name) is not None
                except FileNotFoundError:  # removed meanwhile by another server thread
                    continue
                found.append((used, size, members == 0, entry.name))
        return sorted(found)

    def sweep(self, now: float | None = None, *, keep: str | None = None) -> list[str]:
        """Remove idle folders and empty ones, then the least recently used not in use while all
        together exceed ``max_total_bytes``; remove stale temporary files.

        ``keep`` (the caller's own session) is never removed. Returns the ids removed, least recently used first.
        """
        with self._sweep_lock:
            return self._sweep_locked(time.time() if now is None else now, keep=keep)

    def _sweep_locked(self, now: float, *, keep: str | None, room: int = 0) -> list[str]:
        """The sweep; ``room``: the bytes ``keep`` is about to hold (counted when deciding what makes room)."""
        self._last_sweep = time.monotonic()
        with self._lock:
            self._written, self._touched = {}, {}
        found = self._scan(now)
        removed, kept = [], {}
        for used, size, empty, name in found:
            idle = now - used
            if name != keep and (idle > self.idle_seconds or (empty and idle > self.empty_seconds)):
                shutil.rmtree(self.root / name, ignore_errors=True)
                removed.append(name)
            else:
                kept[name] = size
        if keep is not None and room:
            kept[keep] = max(kept.get(keep, 0), room)
        total = sum(kept.values())
        for used, _, _, name in found:  # least recently used first
            if total <= self.max_total_bytes:
                break
            if name in kept and name != keep and now - used > self.in_use_seconds:
                shutil.rmtree(self.root / name, ignore_errors=True)
                removed.append(name)
                total -= kept.pop(name)
        used = {name: when for when, _, _, name in found if name in kept}
        with self._lock:
            for name, size in self._written.items():  # written while the scan ran: that size is newer
                if size is None:
                    kept.pop(name, None)
                    used.pop(name, None)
                else:
                    kept[name] = size
            for name, when in self._touched.items():
                if name in kept:
                    used[name] = max(when, used.get(name, when))
            self._sizes, self._used, self._total = kept, used, sum(kept.values())
        order = {name: index for index, (*_, name) in enumerate(found)}
        return sorted(removed, key=order.__getitem__)

    def maybe_sweep(self, *, keep: str | None = None, background: bool = True) -> bool:
        """Sweep when the last sweep is ``sweep_every`` seconds old (in a background thread); True when started.

        Cheap for every visit: most calls only compare two numbers.
        """
        if time.monotonic() - self._last_sweep < self.sweep_every or self._sweep_lock.locked():
            return False
        self._last_sweep = time.monotonic()
        if not background:
            self.sweep(keep=keep)
            return True

        def run() -> None:
            try:
                self.sweep(keep=keep)
            except OSError:  # the root vanished or cannot be read: the next sweep tries again
                pass

        threading.Thread(target=run, name="session-sweep", daemon=True).start()
        return True


def _size_text(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size} bytes"


def _write_atomic(folder: Path, name: str, data: bytes) -> None:
    """Write ``folder/name`` through a temporary file, removed again whatever happens."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=_TEMP)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, folder / name)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _setting(name: str, default: float, low: float, high: float) -> float:
    """The number in environment variable ``name``: finite, > ``low`` and <= ``high``; one line otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low < value <= high:
        raise ValueError(f"{name} must be a number above {low:g} and at most {high:g}. Received: {raw!r}")
    return value


def _private_folder(path: str, setting: str) -> Path:
    """The folder ``path``, made with mode 0700 when missing; refused unless it is a real folder of
    this user that no one else may read (only this user may list the session ids)."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ValueError(f"The session folder {path} cannot be made ({exc.strerror}); "
                         f"set {setting} to a folder of your own.") from None
    info = os.lstat(path)
    problem = None
    if stat.S_ISLNK(info.st_mode):
        problem = "is a symbolic link"
    elif not stat.S_ISDIR(info.st_mode):
        problem = "is not a folder"
    elif os.name == "posix" and info.st_uid != os.getuid():
        problem = "belongs to another user"
    elif os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        problem = f"is open to other users (mode {stat.S_IMODE(info.st_mode):o})"
    if problem:
        raise ValueError(f"The session folder {path} {problem}; set {setting} to a private folder of your own.")
    return Path(path)


def store_from_environment() -> SessionStore:
    """The store configured by ``PAINTING_ASSISTANT_SESSION_DIR``, ``…_SESSION_IDLE_HOURS`` (24) and
    ``…_SESSION_MAX_MB`` (256 per session; 16 times that for all).

    Raises ValueError (one line naming the setting) for a bad setting or an unsafe default folder.
    """
    setting = "PAINTING_ASSISTANT_SESSION_DIR"
    root: str | Path | None = os.environ.get(setting)
    if not root:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        root = _private_folder(os.path.join(tempfile.gettempdir(), f"painting-assistant-sessions-{uid}"), setting)
    hours = _setting("PAINTING_ASSISTANT_SESSION_IDLE_HOURS", 24.0, 0.0, 24.0 * 365)
    max_mb = _setting("PAINTING_ASSISTANT_SESSION_MAX_MB", 256.0, 0.0, 2.0**20)
    max_bytes = max(1, int(max_mb * 2**20))
    return SessionStore(root, idle_seconds=hours * 3600, max_bytes=max_bytes, max_total_bytes=16 * max_bytes)
