"""The one loader of the converter's curated data files (``data/*.yaml``)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"


class DataFileError(RuntimeError):
    """A curated data file is missing a key or malformed: the run must stop."""


@cache
def load_yaml(name: str) -> dict:
    """Read one curated data file; a malformed file stops the run with its path."""
    path = DATA_DIR / name
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level")
    return data


@cache
def load_patterns(name: str, key: str) -> tuple[re.Pattern[str], ...]:
    """Compile the list of regular expressions ``key`` of a data file."""
    values = load_yaml(name).get(key) or []
    if not isinstance(values, list):
        raise DataFileError(f"{DATA_DIR / name}: {key!r} must be a list of patterns")
    compiled = []
    for value in values:
        try:
            compiled.append(re.compile(str(value), re.I))
        except re.error as exc:
            raise DataFileError(f"{DATA_DIR / name}: bad pattern in {key!r}: {value!r}: {exc}") from exc
    return tuple(compiled)
