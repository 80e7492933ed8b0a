"""A time budget for work on the current thread: :func:`within` raises :class:`OverBudget`
in the thread when the work runs past its deadline.

One watchdog thread per process keeps the deadlines of every thread that armed one.
When a deadline passes, it raises :class:`OverBudget` in that thread with CPython's
``PyThreadState_SetAsyncExc``: the exception lands at the thread's next bytecode, as a
signal handler's would, but in any thread (the service's lint threads, a caller's
thread, a ``--jobs`` worker), with no signal handler to take from the program (SIGALRM
belongs to whoever embeds notelint: pytest-timeout, a web server). ``OverBudget`` is a
``BaseException``, so the ``except Exception`` guards of the pipeline do not swallow it.

The watchdog raises at most once per deadline, and :func:`within` always ends in one of
two ways: the work's own result, or ``OverBudget`` (also when the work swallowed the
exception and went on: its result is not trusted). An exception still pending when the
work ends is made to land inside :func:`within` (a short loop gives the interpreter the
point at which it raises it), so it never escapes into the caller's code later. It is
never cleared with ``PyThreadState_SetAsyncExc(id, NULL)``: on CPython 3.11 that leaves
the interpreter's "asynchronous exception pending" flag set with no exception, and every
later bytecode check takes the slow path (a profiled run then never ends).

What it cannot do: stop a single C call that never returns to Python (one regular
expression running for minutes); such a call is stopped when it returns. notelint's
pipeline is Python and short C calls, so a note runs over by at most one such call.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class OverBudget(BaseException):
    """Raised in a thread whose work ran past its deadline (a ``BaseException``: a
    pipeline's ``except Exception`` does not take it for an ordinary failure)."""


class _Watchdog:
    """Deadlines by thread id; one daemon thread raises :class:`OverBudget` when one passes."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.deadlines: dict[int, float] = {}  # thread id -> monotonic deadline
        self.fired: set[int] = set()
        self.thread: threading.Thread | None = None

    def arm(self, seconds: float) -> None:
        ident = threading.get_ident()
        with self.lock:
            self.fired.discard(ident)
            self.deadlines[ident] = time.monotonic() + seconds
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._watch, name="notelint-budget",
                                               daemon=True)
                self.thread.start()
            self.lock.notify()

    def disarm(self) -> bool:
        """End this thread's deadline; whether it passed (then its exception has landed,
        or is pending: see :func:`_land`)."""
        ident = threading.get_ident()
        with self.lock:
            self.deadlines.pop(ident, None)
            fired = ident in self.fired
            self.fired.discard(ident)
            return fired

    def _watch(self) -> None:
        with self.lock:
            while True:
                if not self.deadlines:
                    self.lock.wait()
                    continue
                now = time.monotonic()
                ident, deadline = min(self.deadlines.items(), key=lambda item: item[1])
                if deadline > now:
                    self.lock.wait(deadline - now)
                    continue
                del self.deadlines[ident]
                self.fired.add(ident)
                _set_async_exc(ident, OverBudget)


def _tick() -> None:
    """A call: the interpreter checks for a pending exception on entering it."""


def _land() -> None:
    """Let an exception pending for this thread land here, caught: the interpreter raises
    it at its next check, on a call or a backward jump, and this loop makes both."""
    try:
        for _ in range(100):
            _tick()
    except OverBudget:
        pass


_watchdog = _Watchdog()


def _after_fork() -> None:  # a forked worker has no watchdog thread: it starts its own
    global _watchdog
    _watchdog = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


def watchdog_thread() -> threading.Thread | None:
    """This process's watchdog thread, if one was started."""
    return _watchdog.thread


def within(seconds: float | None, work: Callable[[], T]) -> T:
    """``work()``, or :class:`OverBudget` when it runs longer than ``seconds`` (None or 0:
    no limit). Not reentrant: one deadline per thread at a time."""
    if not seconds:
        return work()
    watchdog = _watchdog
    try:
        try:
            watchdog.arm(seconds)
            result = work()
        finally:
            fired = watchdog.disarm()
    except OverBudget:
        watchdog.disarm()  # the exception landed before or inside the first disarm
        raise
    if fired:  # the exception is pending, or the work swallowed it: its result is not trusted
        _land()
        raise OverBudget
    return result
