"""Command line: ``python -m digest_converter convert|report``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .datafiles import DataFileError
from .pipeline import ConvertLockedError, RunReport, convert_tree
from .review import review_items

DEFAULT_SOURCE = Path("content/raw")
DEFAULT_DEST = Path("content/articles")


def print_report(report: RunReport, out=sys.stdout, quiet: bool = False) -> None:
    """Per-article lines for anything an editor should know, then the totals.

    ``quiet`` leaves out the warnings, keeping errors, duplicates and kept edits."""
    for outcome in report.outcomes:
        if outcome.status == "error":
            print(f"ERROR {outcome.raw}: {outcome.reason}", file=out)
        elif outcome.status == "duplicate":
            print(f"DUPL  {outcome.raw}: {outcome.reason}; not published", file=out)
        elif outcome.status == "skipped-edited":
            print(f"KEPT  {outcome.raw} -> {outcome.output}: {outcome.reason}", file=out)
        for warning in [] if quiet else outcome.warnings:
            print(f"WARN  {outcome.raw}: {warning}", file=out)
    for name in report.removed:
        print(f"GONE  {name}: its raw file is gone; removed", file=out)
    print(
        f"{len(report.outcomes)} raw files: {report.count('written')} written, "
        f"{report.count('unchanged')} unchanged, {report.count('skipped-edited')} kept (edited by hand), "
        f"{report.count('duplicate')} duplicates, "
        f"{report.count('error')} errors",
        file=out,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="digest-convert", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    convert = sub.add_parser("convert", help="convert raw articles to tagged Markdown")
    convert.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    convert.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    convert.add_argument("--force", action="store_true", help="redo every article, even edited ones")
    convert.add_argument("--quiet", action="store_true", help="leave out the per-article warnings")
    report = sub.add_parser("report", help="list converted articles an editor should review")
    report.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    if args.command == "report":
        items = review_items(args.dest)
        for item in items:
            print(item)
        print(f"{len(items)} articles to review")
        return 0
    try:
        result = convert_tree(args.source, args.dest, force=args.force)
    except (ConvertLockedError, DataFileError, FileNotFoundError) as exc:
        print(f"convert: {exc}", file=sys.stderr)
        return 2
    print_report(result, quiet=args.quiet)
    return 0
