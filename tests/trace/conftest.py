"""Fixtures of the trace-checking tests: the real servers and the browser of :mod:`realparts`."""

from realparts import browser, page_server, ws_server

__all__ = ["browser", "page_server", "ws_server"]
