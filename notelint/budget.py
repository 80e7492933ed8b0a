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

import contextlib
import ctypes
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int
_LONGEST_WAIT = 1.0  # seconds the watch thread sleeps at most while a deadline is armed


class OverBudget(BaseException):
    """Raised in a thread whose work ran past its deadline (a ``BaseException``: a
    pipeline's ``except Exception`` does not take it for an ordinary failure)."""


class _Watchdog:
    """Deadlines by thread id; one daemon thread raises :class:`OverBudget` when one passes.

    The state is kept under a plain lock, taken only with ``with`` (acquired and released in
    C), and the watch thread sleeps on a ``SimpleQueue`` (C) that ``arm`` puts a wake-up in:
    an ``OverBudget`` landing in a thread while it arms or disarms (a deadline racing the end
    of the work) cannot leave the lock held. With ``threading.Condition`` it could: its
    ``__enter__``, ``wait`` and ``notify`` are Python code, and an exception raised in them
    after the lock was taken left it taken for ever, the watch thread waiting on it, and no
    deadline of the process ever fired again.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self.deadlines: dict[int, float] = {}  # thread id -> monotonic deadline
        self.fired: set[int] = set()
        self.thread: threading.Thread | None = None
        # when the watch thread looks at the deadlines next (inf: only when woken); a
        # deadline at or after it needs no wake-up, so a stream of notes, each armed after the
        # last one ended, does not hand the watch thread the GIL per note
        self.wakes_at = math.inf

    def arm(self, seconds: float) -> None:
        ident = threading.get_ident()
        with self.lock:
            self.fired.discard(ident)
            deadline = self.deadlines[ident] = time.monotonic() + seconds
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._watch, name="notelint-budget",
                                               daemon=True)
                self.thread.start()
            if deadline < self.wakes_at:
                self.wakes_at = deadline
                self.wake.put(None)

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
        while True:
            with self.lock:
                now = time.monotonic()
                for ident, deadline in list(self.deadlines.items()):
                    if deadline <= now:
                        del self.deadlines[ident]
                        self.fired.add(ident)
                        _set_async_exc(ident, OverBudget)
                self.wakes_at = min(self.deadlines.values(), default=math.inf)
                # at least once a second while a deadline is armed: a wake-up is never
                # more than that late, whatever the order of arms, disarms and wake-ups
                timeout = None if self.wakes_at == math.inf else min(self.wakes_at - now,
                                                                     _LONGEST_WAIT)
            with contextlib.suppress(queue.Empty):
                self.wake.get(timeout=timeout)


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
