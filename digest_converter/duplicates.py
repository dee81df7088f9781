"""Spotting one story saved twice: the same text, or a near-identical copy from another outlet.

Each article body gets two fingerprints: the SHA-256 of its normalised words
(exact copies), and a bottom-k MinHash sketch of its word trigrams: the k
smallest 32-bit trigram hashes. Two sketches estimate the Jaccard similarity
of the two trigram sets; copies that differ in a byline or a sentence score
far above stories that merely share a template. Sketch values are indexed,
so finding candidates costs a few dictionary look-ups per article, not a
comparison with every other article.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections import Counter
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W_]+")
_HEX = re.compile(r"[0-9a-f]*")
SKETCH_SIZE = 32
# Estimated trigram Jaccard similarity at or above which two bodies are one story.
MIN_SIMILARITY = 0.7
# Bodies shorter than this many words are compared exactly only.
MIN_WORDS = 30


@dataclass(frozen=True, slots=True)
class Fingerprint:
    text_sha256: str
    sketch: tuple[int, ...]
    words: int

    def encode_sketch(self) -> str:
        return "".join(f"{v:08x}" for v in self.sketch)

    @staticmethod
    def decode_sketch(text: str) -> tuple[int, ...]:
        if len(text) % 8 == 0 and _HEX.fullmatch(text):
            # As encode_sketch writes it: big-endian 32-bit values, read in one call, not 32 int() calls.
            return struct.unpack(f">{len(text) // 8}I", bytes.fromhex(text))
        return tuple(int(text[i : i + 8], 16) for i in range(0, len(text), 8))


def fingerprint(body: str) -> Fingerprint:
    words = [w.lower() for w in _WORD.findall(body)]
    exact = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()
    shingles = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
    hashes = sorted(
        int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=4).digest(), "big") for s in shingles
    )
    return Fingerprint(exact, tuple(hashes[:SKETCH_SIZE]), len(words))


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Bottom-k estimate of the Jaccard similarity of the two trigram sets."""
    union = sorted(set(a) | set(b))[:SKETCH_SIZE]
    if not union:
        return 0.0
    both = set(a) & set(b)
    return sum(1 for v in union if v in both) / len(union)


@dataclass(slots=True)
class DuplicateIndex:
    """The articles kept so far, by fingerprint."""

    exact: dict[str, str] = field(default_factory=dict)
    by_value: dict[int, list[str]] = field(default_factory=dict)
    sketches: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def find(self, print_: Fingerprint) -> str | None:
        """The name of a kept article this one duplicates, if any."""
        if print_.text_sha256 in self.exact:
            return self.exact[print_.text_sha256]
        if print_.words < MIN_WORDS:
            return None
        shared = Counter(name for value in print_.sketch for name in self.by_value.get(value, ()))
        needed = int(SKETCH_SIZE * MIN_SIMILARITY / 2)
        for name, count in shared.most_common(5):
            if count >= needed and similarity(print_.sketch, self.sketches[name]) >= MIN_SIMILARITY:
                return name
        return None

    def add(self, name: str, print_: Fingerprint) -> None:
        self.exact.setdefault(print_.text_sha256, name)
        if print_.words >= MIN_WORDS:
            self.sketches[name] = print_.sketch
            for value in print_.sketch:
                self.by_value.setdefault(value, []).append(name)
