"""uvicorn's HTTP/1.1 protocol (h11) with a header timeout.

uvicorn bounds the size of a request's line and headers
(``h11_max_incomplete_event_size``) and the idle time between keep-alive requests
(``timeout_keep_alive``), but not the time a client takes to send its headers: a client
sending half a header holds its connection (and a slot of ``--max-connections``)
forever. Here a connection is closed when a request's line and headers have not all
arrived ``header_timeout`` seconds after the connection opened or the request's first
byte (on a keep-alive connection) arrived. The body is not timed (its size is bounded
by the body limits, and the app reads it).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("notelint")


class HeaderTimeoutH11Protocol(H11Protocol):
    """:class:`H11Protocol` that closes a connection whose request headers are late."""

    header_timeout: float = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _waiting_for_headers(self) -> bool:
        return self.conn.their_state is h11.IDLE

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            log.info("connection closed: request headers not received within %gs",
                     self.header_timeout)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()  # a connection that sends nothing is timed too

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._start_header_timer()
        super().data_received(data)
        if not self._waiting_for_headers():
            self._stop_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # a pipelined request already begun in the buffer is timed from now
        if self._waiting_for_headers() and self.conn.trailing_data[0]:
            self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)


def with_header_timeout(seconds: float) -> type[HeaderTimeoutH11Protocol]:
    """The protocol class to pass to uvicorn as ``http=``, timing headers at ``seconds``."""
    return type("HeaderTimeoutH11Protocol", (HeaderTimeoutH11Protocol,),
                {"header_timeout": seconds})
