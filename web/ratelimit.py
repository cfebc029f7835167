"""A rate limit per client on the requests that write: questions (POST /api/ask, and a reader page
given a question: `/?q=...`, `/explainers/<id>?q=...`, `/widget/frame?q=...`) and feedback
(POST /api/feedback, and the page form's POST /feedback).  A client's questions share one budget
whichever way they come, so the pages that work without JavaScript are no way around it.

A token bucket per remote address (an IPv6 address by its /64 network, see `client_key`). A bucket holds `count` tokens and refills at `count / period`
tokens a second; a request takes one token or gets a 429 with Retry-After.  By default the buckets
live in this process's memory, so each gunicorn worker keeps its own (with `-w N` a client may get
up to N times the setting).  With `RATE_LIMIT_DIR`, every process on the machine keeps them in one
memory-mapped table per limit in that folder, under a file lock, so the workers share one budget
per client.  Either way nothing about a client is stored but a hash of its address and its bucket.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import math
import mmap
import os
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
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


def client_key(address: str | None) -> str:
    """The bucket a client address draws on: an IPv4 address as it is, an IPv6 address by its /64 network.

    A home connection, a phone or a rented server is given a whole /64 (2**64 addresses) and may use any
    address in it: keyed by the full address, such a client took a fresh bucket for each request. An IPv4
    address written as IPv6 (`::ffff:192.0.2.7`) is that IPv4 address."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


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

    def wait(self, client: str) -> float:
        """The seconds until `client` has a token, without taking one: 0.0 if it has one now."""
        now = self.clock()
        with self._lock:
            tokens, seen = self._buckets.get(client, (float(self.count), now))
        tokens = min(float(self.count), tokens + (now - seen) * self.rate)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)


class SharedRateLimiter(RateLimiter):
    """`RateLimiter` over a table in a file that every process on the machine maps: each process that
    opens the same file draws on the same buckets.  A slot is (hash of the client, tokens, last seen on
    the system's monotonic clock, which all processes share); a client's slot is found by probing a
    few from its hash, and a new client takes a free one or the one seen longest ago (by then its
    bucket would be full again).  A file of another size or kind (damaged, another version) is
    started afresh."""

    MAGIC = b"EXPBRL01"
    SLOTS = 1 << 16
    PROBES = 16
    _SLOT = np.dtype([("key", "<u8"), ("tokens", "<f8"), ("seen", "<f8")])

    def __init__(self, count: int, period: float, path: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(count, period, clock=clock)
        self.path = Path(path)
        size = len(self.MAGIC) + self.SLOTS * self._SLOT.itemsize
        # A plain descriptor, held for the life of this limiter: flock needs it, and the table is mapped from it.
        self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        weakref.finalize(self, os.close, self._descriptor)
        with self._locked():
            if os.fstat(self._descriptor).st_size != size or os.pread(self._descriptor, len(self.MAGIC), 0) != self.MAGIC:
                os.ftruncate(self._descriptor, 0)  # all zeros: every slot free
                os.ftruncate(self._descriptor, size)
                os.pwrite(self._descriptor, self.MAGIC, 0)
        self._slots = np.frombuffer(mmap.mmap(self._descriptor, size), dtype=self._SLOT, offset=len(self.MAGIC))

    def _locked(self) -> _FileLock:
        return _FileLock(self._descriptor, self._lock)

    @staticmethod
    def _key(client: str) -> int:
        return int.from_bytes(hashlib.blake2b(client.encode("utf-8", "replace"), digest_size=8).digest(), "little") or 1

    def _slot(self, key: int) -> int:
        """The slot holding `key`, else the free one or the one seen longest ago among its probes (lock held)."""
        slots = self._slots
        chosen, oldest = -1, math.inf
        for probe in range(self.PROBES):
            slot = (key + probe) % self.SLOTS
            held = int(slots["key"][slot])
            if held == key:
                return slot
            seen = -math.inf if held == 0 else float(slots["seen"][slot])
            if seen < oldest:
                chosen, oldest = slot, seen
        return chosen

    def _tokens(self, key: int, slot: int, now: float) -> float:
        slots = self._slots
        if int(slots["key"][slot]) != key:
            return float(self.count)
        return min(float(self.count), float(slots["tokens"][slot]) + (now - float(slots["seen"][slot])) * self.rate)

    def wait(self, client: str) -> float:
        key, now = self._key(client), self.clock()
        with self._locked():
            tokens = self._tokens(key, self._slot(key), now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, client: str) -> float:
        key, now = self._key(client), self.clock()
        slots = self._slots
        with self._locked():
            chosen = self._slot(key)
            tokens = self._tokens(key, chosen, now)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            slots[chosen] = (key, tokens, now)
            return wait

    def __len__(self) -> int:
        return int(np.count_nonzero(self._slots["key"]))


class _FileLock:
    """This process's threads one at a time (a thread lock), and the processes one at a time (flock)."""

    def __init__(self, descriptor: int, lock: threading.Lock) -> None:
        self.descriptor, self.lock = descriptor, lock

    def __enter__(self) -> None:
        self.lock.acquire()
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        except BaseException:
            self.lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        finally:
            self.lock.release()


def make_limiter(name: str, rate: tuple[int, float], folder: str | None) -> RateLimiter:
    """The limiter for setting `name`: shared through a table in `folder` when one is given."""
    if not folder:
        return RateLimiter(*rate)
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return SharedRateLimiter(*rate, Path(folder) / f"{name.lower()}.table")
    except OSError as error:
        raise ValueError(f"RATE_LIMIT_DIR {folder!r} cannot hold the shared rate limits: {error}") from None


def register(app: Flask) -> None:
    limiters = {}
    for name in set(LIMITED.values()):
        rate = parse_rate(app.config.get(name))
        if rate is not None:
            limiters[name] = make_limiter(name, rate, app.config.get("RATE_LIMIT_DIR"))
    app.extensions["rate_limiters"] = limiters

    @app.before_request
    def limit() -> Response | None:
        name = limited_by()
        limiter = current_app.extensions["rate_limiters"].get(name) if name else None
        if limiter is None:
            return None
        wait = limiter.take(client_key(request.remote_addr))
        if wait <= 0:
            return None
        retry_after = max(1, math.ceil(wait))
        response = error_response(429, "rate_limited", f"Too many requests; try again in {retry_after} "
                                  f"second{'s' if retry_after != 1 else ''}.")
        response.headers["Retry-After"] = str(retry_after)
        return response
