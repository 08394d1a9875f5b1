"""A lock file the operating system releases when its process dies, and clean endings on
SIGTERM and SIGHUP.

The lock is ``flock`` on an open file: a process killed by any signal, even SIGKILL, holds
it no longer, so no lock is ever stale and nothing has to guess from a file's age. The file
is removed on a normal release; one left behind by a killed process is simply locked again.
A lock path that is a symbolic link or a directory is refused with one line instead of
being followed or spun on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class LockError(Exception):
    """The lock cannot be taken; the message is one line for the user."""


class LockBusy(LockError):
    """Another process holds the lock and did not release it in time."""


class FileLock:
    """An exclusive lock on ``path``, waited for up to ``timeout`` seconds.

    ``holder`` words who holds it for the message when waiting fails (``another blogtool
    stub``).
    """

    def __init__(
        self, path: Path, timeout: float = 10.0, poll: float = 0.05, holder: str = "another process"
    ) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.poll = poll
        self.holder = holder
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        deadline = time.monotonic() + self.timeout
        while True:
            fd = self._open()
            if _try_lock(fd):
                if _still_named(fd, self.path):
                    break
                os.close(fd)  # the holder removed the file as it released it: open it again
                continue
            os.close(fd)
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"{self.holder} holds the lock file {self.path}; try again when it is done"
                )
            time.sleep(self.poll)
        self._fd = fd
        # For a person looking at the file; the lock itself is the flock.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        return self

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path, flags, 0o644)
        except IsADirectoryError:
            raise LockError(f"the lock file {self.path} is a directory; remove it") from None
        except OSError as exc:
            if exc.errno == errno.ELOOP or self.path.is_symlink():
                raise LockError(
                    f"the lock file {self.path} is a symbolic link; remove it"
                ) from None
            raise LockError(
                f"cannot create the lock file {self.path}: {exc.strerror or exc}"
            ) from None

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        # Removed while still held, so a process that opens it next makes a new one.
        with contextlib.suppress(OSError):
            if _still_named(fd, self.path):
                os.unlink(self.path)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_named(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return stat.S_ISREG(named.st_mode) and (named.st_dev, named.st_ino) == (
        held.st_dev,
        held.st_ino,
    )


class Terminated(SystemExit):
    """Raised in the main thread for SIGTERM or SIGHUP inside :func:`end_cleanly`."""


@contextlib.contextmanager
def end_cleanly() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` while the block runs, so that
    ``finally`` clauses remove temporary files and locks before the process ends (exit
    status 128 + the signal number, as a shell reports it). Outside the main thread this
    does nothing: only it may handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, _frame: object) -> None:
        raise Terminated(128 + signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {number: signal.signal(number, terminate) for number in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
