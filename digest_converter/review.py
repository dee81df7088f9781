"""What an editor should look at: articles whose facts the converter was unsure of."""

from __future__ import annotations

from pathlib import Path


def read_header(path: Path) -> dict[str, str]:
    """The ``key: value`` metadata block at the top of a converted Markdown file."""
    meta: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                break
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip()
    return meta


def review_items(dest: Path) -> list[str]:
    """One line per article needing review, with its reasons."""
    items: list[str] = []
    for path in sorted(dest.rglob("*.md")):
        meta = read_header(path)
        reasons: list[str] = []
        if meta.get("date_source") == "fallback":
            reasons.append("date unknown")
        elif meta.get("date_precision") in ("year-inferred", "year-assumed"):
            reasons.append(f"date {meta['date_precision']}")
        if not meta.get("countries") or not (meta.get("cities") or meta.get("regions")):
            reasons.append("few or no places")
        reasons += [
            w.strip()
            for w in meta.get("warnings", "").split(";")
            if w.strip().startswith(("weak match", "sidecar", "url dropped"))
        ]
        if not meta.get("source"):
            reasons.append("source unknown")
        if reasons:
            items.append(f"{path.name} (raw {meta.get('raw', '?')}): " + "; ".join(reasons))
    return items
