"""The IDX file format of MNIST and Fashion-MNIST: a reader and a writer (numpy, no download).

An IDX file is two zero bytes, a type code, the number of dimensions, each dimension as a big-endian
uint32, then the values in C order (big-endian for multi-byte types). Images come as
``[n, rows, cols]`` uint8 (``*-images-idx3-ubyte``), labels as ``[n]`` uint8 (``*-labels-idx1-ubyte``);
a file may be gzip-compressed (``.gz``), as the Debian package ``dataset-fashion-mnist`` ships them.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx", "IDXError"]

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B, np.dtype(np.int32): 0x0C,
          np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


class IDXError(ValueError):
    """A file that is not a well-formed IDX file (the message names it and what is wrong)."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array an IDX file holds (``.gz`` files are decompressed), in native byte order.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IDXError
        If the file is not IDX: wrong magic, unknown type code, or a size that does not match its header.
    """
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise IDXError(f"{path}: not a readable gzip file ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IDXError(f"{path}: not an IDX file (its first bytes are {raw[:4]!r}, not 0x00 0x00 <type> <ndim>)")
    code, ndim = raw[2], raw[3]
    if code not in _TYPES:
        raise IDXError(f"{path}: unknown IDX type code 0x{code:02x} (known: "
                       f"{', '.join(f'0x{c:02x}' for c in _TYPES)})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = _TYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise IDXError(f"{path}: {len(raw)} bytes, but its header {list(shape)} of {dtype} needs {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write `array` as an IDX file at `path` (gzip-compressed when the name ends in ``.gz``); returns the path."""
    path = Path(path)
    array = np.ascontiguousarray(array)
    code = _CODES.get(array.dtype.newbyteorder("=")) if array.dtype.kind in "iuf" else None
    if code is None:
        raise IDXError(f"write_idx: dtype {array.dtype} has no IDX type code; use one of "
                       f"{', '.join(str(d) for d in _CODES)}")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = header + array.astype(_TYPES[code]).tobytes()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path
