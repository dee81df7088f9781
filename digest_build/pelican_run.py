"""Pelican's command line, with the garbage collector set for one large build.

``python -m digest_build.pelican_run ARGS`` is ``python -m pelican ARGS`` (what
:func:`digest_build.site.build_site` runs) with one change that leaves every
output byte as it was: Python's cyclic garbage collector.

A build holds some millions of objects that live until it ends (10,000
articles with their text, places and pages). Python's collector walks all of
them in every full collection, and it starts one each time the number of
objects grew by a quarter: eight walks, 1.5 s of a one-article build at
10,000 articles. Here collections are rarer (thresholds raised), and once
the articles are read they are frozen (``gc.freeze``): later collections,
and the build's forked background jobs (digest_build.background), leave them
alone. Cyclic garbage is still collected; peak memory was unchanged.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

# Python's defaults are (700, 10, 10): a young collection every 700 net allocations.
BUILD_GC_THRESHOLDS = (50_000, 20, 100)


def freeze_read_objects(*_: Any) -> None:
    """Move every object alive now (the articles read) out of the collector's way."""
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    from pelican import main as pelican_main
    from pelican import signals

    from digest_build import background

    args = list(argv if argv is not None else sys.argv[1:])
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    if not {"-r", "--autoreload"} & set(args):
        # One build per process: what is frozen is never collected, which is right for the
        # articles of this build and wrong for those of every rebuild of an autoreload loop.
        signals.article_generator_finalized.connect(freeze_read_objects)
    try:
        pelican_main(args)
    finally:
        # A build that failed before waiting for its background jobs leaves no process behind
        # to write into its folder after it.
        background.stop_all()


if __name__ == "__main__":
    main()
