"""Make a Pagefind bundle byte-identical from build to build.

Pagefind (1.5) writes its fragment and word-index files deterministically, but
the filter indexes list their values in hash-map order, which changes from
run to run, and the files are named after a hash of their bytes. This module
rewrites each filter file with its values sorted, renames it after its new
content, and updates the references up the chain: the ``pf_meta`` file (which
names the filter files) and ``pagefind-entry.json`` (which names the meta file).

The files are a signature (``pagefind_dcd``) followed by CBOR, gzipped. Only
the subset of CBOR Pagefind uses is handled: integers, strings, arrays, maps.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"


# --------------------------------------------------------------------------
# A minimal CBOR codec
# --------------------------------------------------------------------------
def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        raise ValueError(f"unsupported CBOR item 0x{initial:02x} at {pos - 1}")
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    if major == 2:
        return bytes(data[pos : pos + value]), pos + value
    if major == 3:
        return data[pos : pos + value].decode("utf-8"), pos + value
    if major == 4:
        items = []
        for _ in range(value):
            item, pos = _decode(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        mapping = {}
        for _ in range(value):
            key, pos = _decode(data, pos)
            mapping[key], pos = _decode(data, pos)
        return mapping, pos
    if major == 7 and info in (20, 21, 22):
        return {20: False, 21: True, 22: None}[info], pos
    if major == 7 and info == 27:
        return struct.unpack(">d", value.to_bytes(8, "big"))[0], pos
    raise ValueError(f"unsupported CBOR major type {major}")


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("integer too large")


def _encode(value: Any) -> bytes:
    if value is False or value is True or value is None:
        return bytes([0xF4 if value is False else 0xF5 if value is True else 0xF6])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(_encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(_encode(k) + _encode(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__}")


def read_file(path: Path) -> Any:
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind file")
    value, end = _decode(data, len(SIGNATURE))
    if end != len(data):
        raise ValueError(f"{path}: trailing bytes")
    return value


def encode_file(value: Any) -> bytes:
    """Signature + CBOR, gzipped with no timestamp or name (so the bytes depend on the value only)."""
    return gzip.compress(SIGNATURE + _encode(value), compresslevel=9, mtime=0)


# --------------------------------------------------------------------------
# The bundle
# --------------------------------------------------------------------------
def _short_hash(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def canonicalise_bundle(bundle: str | os.PathLike[str]) -> None:
    """Sort every filter index, rename it after its content, and update the meta and entry files."""
    root = Path(bundle)
    entry_path = root / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        old_hash = language["hash"]
        prefix = old_hash.split("_", 1)[0]
        meta_path = root / f"pagefind.{old_hash}.pf_meta"
        meta = read_file(meta_path)
        # [version, pages, index chunks, filters [[name, hash]], sorts, meta fields]
        filters = meta[3]
        renamed = []
        for name, file_hash in filters:
            path = root / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = read_file(path)
            values = sorted(values, key=lambda entry: (str(entry[0]), entry[1]))
            data = encode_file([filter_name, values])
            new_hash = f"{prefix}_{_short_hash(data, 7)}"
            path.unlink()
            (root / "filter" / f"{new_hash}.pf_filter").write_bytes(data)
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed, key=lambda pair: pair[0])
        data = encode_file(meta)
        new_meta_hash = f"{prefix}_{_short_hash(data, 10)}"
        meta_path.unlink()
        (root / f"pagefind.{new_meta_hash}.pf_meta").write_bytes(data)
        language["hash"] = new_meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
