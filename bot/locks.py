"""Locks that every server process on a machine honours: an advisory lock (`flock`) on a small file
beside what it guards.  Each `with` opens the file anew, so two threads of one process exclude each
other as two processes do."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class LockBusy(RuntimeError):
    """Another holder has the lock, and the caller chose not to wait."""


@contextlib.contextmanager
def file_lock(path: str | Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created when missing) for the `with` block.

    With `wait=False`, raise `LockBusy` at once rather than wait for another holder.  An `OSError`
    (a folder that is missing or cannot be written) is the caller's to handle."""
    # Not through a symlink, which would have the server create, and lock, whatever file it names; not waiting on
    # a FIFO put in the file's place, whose open() would never return (holding any lock taken before this one).
    # Either is an OSError, as a folder that cannot be written is.
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    with os.fdopen(os.open(path, flags, 0o666), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusy(f"{path} is held by another process or thread") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def file_lock_where_possible(path: str | Path, wait: bool = True) -> Iterator[None]:
    """`file_lock`, or no file lock at all where the file cannot be made (a folder that cannot be written, a
    symlink or FIFO in its place): for a guard that the caller's own process lock, or the write that fails
    after it, stands in for there. `LockBusy` still comes through."""
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(file_lock(path, wait=wait))
        except OSError:
            pass
        yield
