"""Read tensors from a file in PyTorch's legacy serialisation format without PyTorch.

The format (``torch.save`` with ``_use_new_zipfile_serialization=False``) is five
pickles followed by raw storages:

1. a magic number, 2. the protocol version (1001), 3. a dict of system facts
   (byte order, C type sizes),
4. the saved object, whose tensors refer to storages by *persistent id*
   ``("storage", <storage type>, key, location, element count, view)`` and are rebuilt by
   ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)``,
5. the list of storage keys, in the order their data follow;

then, for each key: the element count as a little-endian int64 and the elements.

Unpickling normally imports and calls whatever the file names, so a weights file
could run code. This reader never does: its unpickler resolves only the four names
the format needs, each to a harmless function of ours, and refuses every other name.
Only the storage types we need (uint8, float32) are accepted, and every size is checked
against the file before anything is allocated. Nothing the file does can change the reader:
the allow-list is read-only, and every object of ours the pickle can reach refuses the
opcodes that set attributes (BUILD), so a file cannot alter, say, a storage type for the
files read after it.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

__all__ = ["TorchFileError", "read_tensors"]

_MAGIC = 0x1950A86A20F9469CFC6C
_PROTOCOL = 1001
_DTYPES: MappingProxyType[str, np.dtype] = MappingProxyType({"ByteStorage": np.dtype(np.uint8), "FloatStorage": np.dtype("<f4")})


class TorchFileError(ValueError):
    """The file is not a legacy PyTorch tensor file this reader accepts (damaged, truncated or foreign)."""


class _Sealed:
    """Refuses the pickle BUILD opcode (which would set attributes, bypassing ``frozen``)."""

    __slots__ = ()

    def __setstate__(self, state: object) -> None:
        raise TorchFileError("Expected only tensor data in the weights file. Received: an attempt to change the reader")


class _Function(_Sealed):
    """One of our functions as the pickle sees it: callable, without attributes to set."""

    __slots__ = ("_call",)
    _call: Callable[..., object]

    def __init__(self, call: Callable[..., object]) -> None:
        object.__setattr__(self, "_call", call)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(name)

    def __call__(self, *args: Any) -> object:
        return self._call(*args)


@dataclass(frozen=True)
class _StorageType(_Sealed):
    dtype: np.dtype


@dataclass(frozen=True)
class _StorageRef(_Sealed):
    key: str
    dtype: np.dtype
    count: int


@dataclass(frozen=True)
class _TensorRef(_Sealed):
    storage: _StorageRef
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: object, offset: int, size: Iterable[int], stride: Iterable[int],
                    *_ignored: object) -> _TensorRef:
    if not isinstance(storage, _StorageRef):
        raise TorchFileError("Expected a tensor built on a storage. Received: another object")
    shape, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    return _TensorRef(storage, int(offset), shape, stride)


def _ordered_dict(*args: Any) -> OrderedDict:
    return OrderedDict(*args)


class _SafeUnpickler(pickle.Unpickler):
    """Resolves only the names of the legacy tensor format; executes nothing from the file."""

    _ALLOWED: ClassVar[MappingProxyType[tuple[str, str], _Function | _StorageType]] = MappingProxyType({
        ("torch._utils", "_rebuild_tensor_v2"): _Function(_rebuild_tensor),
        ("collections", "OrderedDict"): _Function(_ordered_dict),
        **{("torch", name): _StorageType(dtype) for name, dtype in _DTYPES.items()},
    })

    def find_class(self, module: str, name: str) -> _Function | _StorageType:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise TorchFileError(f"Expected only tensor data in the weights file. Received: a reference to {module}.{name}") from None

    def persistent_load(self, pid: object) -> _StorageRef:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise TorchFileError(f"Expected a storage reference. Received: {str(pid)[:60]}")
        storage_type, key, _location, count = pid[1:5]
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str) or not isinstance(count, int):
            raise TorchFileError(f"Expected a uint8 or float32 storage. Received: {str(pid)[:60]}")
        return _StorageRef(key, storage_type.dtype, count)


def _load(stream: io.BytesIO, what: str) -> object:
    try:
        return _SafeUnpickler(stream).load()
    except TorchFileError:
        raise
    except Exception as exc:  # any malformed pickle: one clear error
        raise TorchFileError(f"Expected a legacy PyTorch file; its {what} is unreadable ({type(exc).__name__})") from exc


def read_tensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse a legacy ``torch.save`` file holding a dict of tensors.

    Returns:
        ``{name: array}`` with each tensor as a C-contiguous NumPy array of its dtype.

    Raises:
        TorchFileError: not this format, truncated, a name outside the format, a storage
            type other than uint8/float32, or sizes that do not fit the file.
    """
    stream = io.BytesIO(data)
    if _load(stream, "magic number") != _MAGIC:
        raise TorchFileError("Expected a legacy PyTorch file. Received: a file without its magic number")
    if _load(stream, "protocol version") != _PROTOCOL:
        raise TorchFileError("Expected PyTorch legacy protocol 1001. Received: another version")
    facts = _load(stream, "system information")
    if not (isinstance(facts, dict) and facts.get("little_endian") is True):
        raise TorchFileError("Expected a little-endian PyTorch file. Received: other system information")
    saved = _load(stream, "content")
    keys = _load(stream, "storage list")
    if not isinstance(saved, dict) or not isinstance(keys, list):
        raise TorchFileError("Expected a dict of tensors. Received: another object")
    storages = _read_storages(stream, data, keys, _storage_refs(saved))
    return {name: _materialise(ref, storages) for name, ref in saved.items()}


def _storage_refs(saved: dict) -> dict[str, _StorageRef]:
    refs = {}
    for name, ref in saved.items():
        if not isinstance(name, str) or not isinstance(ref, _TensorRef):
            raise TorchFileError(f"Expected tensors under text names. Received: {str(name)[:40]}")
        refs[ref.storage.key] = ref.storage
    return refs


def _read_storages(stream: io.BytesIO, data: bytes, keys: list, refs: dict[str, _StorageRef]) -> dict[str, np.ndarray]:
    storages = {}
    position = stream.tell()
    for key in keys:
        if key not in refs:
            raise TorchFileError(f"Expected every stored block to belong to a tensor. Received: block {str(key)[:20]}")
        ref = refs[key]
        if position + 8 > len(data):
            raise TorchFileError("Expected the tensor data to follow. Received: a truncated file")
        (count,) = struct.unpack_from("<q", data, position)
        size = count * ref.dtype.itemsize
        if count != ref.count or count < 0 or position + 8 + size > len(data):
            raise TorchFileError(f"Expected {ref.count} values in block {key}. Received: a truncated or altered file")
        storages[key] = np.frombuffer(data, dtype=ref.dtype, count=count, offset=position + 8)
        position += 8 + size
    if set(storages) != set(refs):
        raise TorchFileError("Expected the data of every tensor. Received: a file with blocks missing")
    return storages


def _materialise(ref: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    count = int(np.prod(ref.shape, dtype=np.int64)) if ref.shape else 1
    expected_stride: list[int] = []
    step = 1
    for dim in reversed(ref.shape):
        expected_stride.insert(0, step)
        step *= dim
    storage = storages[ref.storage.key]
    if tuple(expected_stride) != ref.stride or ref.offset < 0 or ref.offset + count > len(storage):
        raise TorchFileError("Expected contiguous tensors inside their storage. Received: another layout")
    return np.array(storage[ref.offset : ref.offset + count]).reshape(ref.shape)
