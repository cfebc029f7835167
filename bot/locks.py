"""Locks that every server process on a machine honours: an advisory lock (`flock`) on a small file
beside what it guards.  Each `with` opens the file anew, so two threads of one process exclude each
other as two processes do."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path


class LockBusy(RuntimeError):
    """Another holder has the lock, and the caller chose not to wait."""


@contextlib.contextmanager
def file_lock(path: str | Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created when missing) for the `with` block.

    With `wait=False`, raise `LockBusy` at once rather than wait for another holder.  An `OSError`
    (a folder that is missing or cannot be written) is the caller's to handle."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusy(f"{path} is held by another process or thread") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
