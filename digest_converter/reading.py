"""Reading raw files: bytes to text with a detected encoding, and sidecars."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

RAW_SUFFIXES = (".txt", ".html", ".htm")
SIDECAR_SUFFIX = ".json"
SIDECAR_KEYS = ("url", "date", "title", "source")
MAX_RAW_BYTES = 5 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Chinese sites label GB18030 pages "gb2312" or "gbk"; GB18030 decodes all of them.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
}


class RawFileError(ValueError):
    """A raw file that cannot become an article; the message is the one-line reason."""


@dataclass(frozen=True, slots=True)
class Sidecar:
    url: str | None = None
    date: str | None = None
    title: str | None = None
    source: str | None = None


def decode_bytes(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """Decode raw bytes; return (text, encoding name). Raises RawFileError.

    Order: a byte-order mark; strict UTF-8; for HTML, the page's declared
    charset when it decodes cleanly; then charset-normalizer's detection.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise RawFileError(
                    f"starts with a {encoding} byte-order mark but does not decode: {exc}"
                ) from exc
    if b"\x00" in data[:4096] and not _looks_utf16(data):
        raise RawFileError("binary file (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(data):
        for encoding in ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "ignore").lower()
            name = _CHARSET_ALIASES.get(name, name)
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise RawFileError("undecodable: no text encoding fits these bytes")
    encoding = _CHARSET_ALIASES.get(best.encoding.lower(), best.encoding)
    if encoding.lower() in _SINGLE_BYTE_EUROPEAN:
        encoding = _western_or_central(data, encoding)
    if encoding in {"gb2312", "gbk", "big5", "gb18030"} or encoding.startswith("gb"):
        encoding = "gb18030" if encoding != "big5" else encoding
    try:
        return data.decode(encoding), encoding
    except (LookupError, UnicodeDecodeError):
        return str(best), best.encoding


_SINGLE_BYTE_EUROPEAN = {"cp1250", "cp1252", "iso8859_2", "iso8859_15", "latin_1", "cp1257", "mac_roman"}
# Letters that each code page produces for real text (and rarely for the other's bytes).
_WESTERN = set("éèêëàâäáãåçñóòôöõúùûüíìîïýÿæœÉÈÀÁÇÑÓÖÜÍ“”‘’–—€«»")
_CENTRAL = set("čćďěłńňőřśšťůűźżžăâîșşțţąęĺľŕČĆĎĚŁŃŇŐŘŚŠŤŮŰŹŻŽĂȘŞȚŢĄĘ„“”‘’–—")


def _western_or_central(data: bytes, guess: str) -> str:
    """charset-normalizer often calls Windows-1252 "cp1250": pick the page whose letters fit."""
    scores = {}
    for encoding in ("cp1252", "cp1250"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        letters = _WESTERN if encoding == "cp1252" else _CENTRAL
        scores[encoding] = sum(c in letters for c in text) - 3 * sum(
            c in "ŠŽšžŒœŸ" and encoding == "cp1252" for c in text
        )
    return max(scores, key=lambda e: (scores[e], e == "cp1252")) if scores else guess


def _looks_utf16(data: bytes) -> bool:
    sample = data[:2000]
    if len(sample) < 4:
        return False
    even_zero = sample[1::2].count(0) / max(1, len(sample) // 2)
    odd_zero = sample[0::2].count(0) / max(1, len(sample) // 2)
    return even_zero > 0.3 or odd_zero > 0.3


def read_raw_text(path: Path) -> tuple[str, str]:
    """Read a raw article file as text. Raises RawFileError with a reason."""
    size = path.stat().st_size
    if size == 0:
        raise RawFileError("empty file")
    if size > MAX_RAW_BYTES:
        raise RawFileError(f"too large ({size:,} bytes; the limit is {MAX_RAW_BYTES:,})")
    data = path.read_bytes()
    text, encoding = decode_bytes(data, html=path.suffix.lower() in (".html", ".htm"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise RawFileError("only whitespace")
    if _control_ratio(text) > 0.05:
        raise RawFileError("binary content: too many control characters for text")
    return text, encoding


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    controls = sum(1 for c in sample if ord(c) < 32 and c not in "\n\t\f\v")
    return controls / max(1, len(sample))


def read_sidecar(path: Path) -> tuple[Sidecar | None, list[str]]:
    """Read ``NAME.json`` beside a raw file. Returns (sidecar, warnings).

    A broken sidecar never stops the article: its bad values are dropped and
    each is reported.
    """
    if not path.exists():
        return None, []
    warnings: list[str] = []
    try:
        text, _ = decode_bytes(path.read_bytes())
        data = json.loads(text)
    except (RawFileError, json.JSONDecodeError) as exc:
        return None, [f"sidecar {path.name} ignored: not valid JSON ({exc})"]
    if not isinstance(data, dict):
        return None, [f"sidecar {path.name} ignored: expected a JSON object"]
    values: dict[str, str | None] = {}
    for key in SIDECAR_KEYS:
        value = data.get(key)
        if value is None:
            values[key] = None
        elif isinstance(value, str) and value.strip():
            values[key] = value.strip()
        else:
            values[key] = None
            warnings.append(f"sidecar {path.name}: {key!r} ignored (expected a non-empty string)")
    return Sidecar(**values), warnings
