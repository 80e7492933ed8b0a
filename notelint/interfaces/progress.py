"""A progress line on stderr for batches that take more than a couple of seconds.

Shown only when stderr is a terminal (never in pipelines or logs) and not with
``--quiet``; it counts notes and never shows any of their text.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

DELAY = 2.0  # seconds before the line appears
EVERY = 0.25  # seconds between updates


def progress(results: Iterable[dict[str, Any]], stream: TextIO) -> Iterator[dict[str, Any]]:
    """Pass ``results`` through, drawing ``notelint: 1,234 notes, 56.7/s`` on ``stream``."""
    start = last = time.monotonic()
    count, shown = 0, False
    try:
        for result in results:
            count += 1
            now = time.monotonic()
            if now - start >= DELAY and now - last >= EVERY:
                stream.write(f"\rnotelint: {count:,} notes, {count / (now - start):.1f}/s ")
                stream.flush()
                last, shown = now, True
            yield result
    finally:
        if shown:
            stream.write("\r\033[K")
            stream.flush()
