"""String normalisation shared by the gazetteer and the matchers."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Letters that NFKD does not decompose but that news copy writes without accents.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "ħ": "h",
        "þ": "th",
        "ð": "d",
    }
)


def strip_accents(text: str) -> str:
    """Remove diacritics: "Győr" -> "Gyor", "Lüliang" -> "Luliang"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free key: "Xi'an" -> "xi an"."""
    return _NON_ALNUM.sub(" ", strip_accents(text).lower()).strip()


def fold_variants(name: str) -> set[str]:
    """Keys under which a name is findable: apostrophes and hyphens may vanish.

    "Xi'an" is written "Xian"; "Ulan-Ude" may be written "Ulan Ude" or "UlanUde";
    pinyin "ü" is written "u", "v" or "yu" by different romanisers.
    """
    keys = {fold(name)}
    keys.add(fold(re.sub(r"['’ʼ`]", "", name)))
    if "ü" in name.lower():
        for repl in ("v", "yu"):
            keys.add(fold(re.sub("ü", repl, name, flags=re.I)))
    return {k for k in keys if k}


def is_latin(text: str) -> bool:
    """True when every letter is Latin script (so not a Cyrillic or CJK name)."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())
