"""A rate limit per client on the requests that write: questions (POST /api/ask, and a reader page
given a question: `/?q=...`, `/explainers/<id>?q=...`, `/widget/frame?q=...`) and feedback
(POST /api/feedback, and the page form's POST /feedback).  A client's questions share one budget
whichever way they come, so the pages that work without JavaScript are no way around it.

A token bucket per remote address, in this process's memory only: nothing about a client is
stored, and each gunicorn worker keeps its own buckets (so the limit a client sees is per worker;
with `-w N` it is at most N times the setting). A bucket holds `count` tokens and refills at
`count / period` tokens a second; a request takes one token or gets a 429 with Retry-After.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, current_app, request

from .errors import error_response

_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")

# Which setting limits which requests: (method, path) of the API and the page form, and the reader pages
# that answer a question given as `q`.
LIMITED = {("POST", "/api/ask"): "RATE_LIMIT_ASK", ("POST", "/api/feedback"): "RATE_LIMIT_FEEDBACK",
           ("POST", "/feedback"): "RATE_LIMIT_FEEDBACK"}
ASKING_PAGES = frozenset({"chat.index", "chat.explainer", "widget.frame"})


def limited_by() -> str | None:
    """The setting that limits the current request, if any."""
    name = LIMITED.get((request.method, request.path))
    if name is None and request.endpoint in ASKING_PAGES and request.values.get("q") is not None:
        name = "RATE_LIMIT_ASK"
    return name


def parse_rate(value: str | None) -> tuple[int, float] | None:
    """`"60/minute"` -> (60, 60.0) requests per seconds; empty or "off" -> None (no limit)."""
    if value is None or str(value).strip().lower() in ("", "off", "none"):
        return None
    match = _RATE.match(str(value))
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"{value!r} is not a rate; write it as N/second, N/minute, N/hour or N/day "
                         "(for example 60/minute), or off")
    return int(match.group(1)), _UNITS[match.group(2)]


class RateLimiter:
    """Token buckets keyed by client, the least recently seen dropped beyond `max_clients`."""

    def __init__(self, count: int, period: float, max_clients: int = 50_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count = count
        self.period = period
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, last seen)
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        return self.count / self.period

    def take(self, client: str) -> float:
        """Take a token for `client`: 0.0 if allowed, else the seconds until one is available."""
        now = self.clock()
        with self._lock:
            tokens, seen = self._buckets.pop(client, (float(self.count), now))
            tokens = min(float(self.count), tokens + (now - seen) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)  # a client not seen for longest has a full bucket by now
            return wait

    def __len__(self) -> int:
        return len(self._buckets)


def register(app: Flask) -> None:
    limiters = {}
    for name in set(LIMITED.values()):
        rate = parse_rate(app.config.get(name))
        if rate is not None:
            limiters[name] = RateLimiter(*rate)
    app.extensions["rate_limiters"] = limiters

    @app.before_request
    def limit() -> Response | None:
        name = limited_by()
        limiter = current_app.extensions["rate_limiters"].get(name) if name else None
        if limiter is None:
            return None
        wait = limiter.take(request.remote_addr or "unknown")
        if wait <= 0:
            return None
        retry_after = max(1, math.ceil(wait))
        response = error_response(429, "rate_limited", f"Too many requests; try again in {retry_after} "
                                  f"second{'s' if retry_after != 1 else ''}.")
        response.headers["Retry-After"] = str(retry_after)
        return response
