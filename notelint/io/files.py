"""Bounded reads of regular files: what notelint opens is a file, never a FIFO, a device or
a socket, and it never reads more than a limit the caller derives from its own.

Opening a FIFO blocks until something writes to it, and a device such as ``/dev/zero``
never ends: so the type is checked before the open (``stat``), and again on the open file
(``fstat``, which a swap between the two cannot fool); the open itself does not block.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_TYPES = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


class NotRegularFile(OSError):
    """The path names something other than a regular file; ``what`` says what it is."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}, not a regular file")
        self.what = what
        self.strerror = f"{what}, not a regular file"


class BrokenLink(FileNotFoundError):
    """The path is a symbolic link whose target does not exist."""

    def __init__(self) -> None:
        super().__init__("broken symbolic link (its target does not exist)")
        self.strerror = "broken symbolic link (its target does not exist)"


class TooLarge(Exception):
    """The file holds more than the limit of bytes that were asked for."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"over {limit:,} bytes")
        self.limit = limit


def what_it_is(mode: int) -> str | None:
    """What a ``stat`` mode that is not a regular file names ("a FIFO (named pipe)", ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _TYPES if test(mode)), "not a file notelint can read")


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for binary reading, when it is a regular file (a symbolic link to one
    is followed). Raises :class:`BrokenLink`, :class:`NotRegularFile` or the ``OSError`` of
    the failed ``stat`` or ``open``; never blocks on a FIFO."""
    try:
        what = what_it_is(os.stat(path).st_mode)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise BrokenLink() from None
        raise
    if what:
        raise NotRegularFile(what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    try:
        what = what_it_is(os.fstat(fd).st_mode)  # swapped for a FIFO between stat and open
        if what:
            raise NotRegularFile(what)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``; :class:`TooLarge` when it holds more (reading
    one byte past the limit, never the rest)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (see
    :func:`open_regular` and :func:`read_limited` for what it raises)."""
    with open_regular(path) as stream:
        return read_limited(stream, limit)
