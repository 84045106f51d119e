"""Files written whole or not at all (private; every layer may import it).

:func:`atomic_write` writes through a temporary file beside its target, named
``TARGET.PID@HOST.RANDOM`` plus a suffix that says which writer made it, and renames it
over the target once the bytes are on disk: a reader sees the old file or the new one,
never half of one. A process killed midway leaves its temporary file behind;
:func:`remove_partials` tells those from a live process's by the name.
:func:`read_regular` reads a small file that anyone may have put in place: only a regular
file, never more than a given number of bytes. This module imports nothing from hadalib.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import socket
import stat
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any


def host() -> str:
    """This machine's name as temporary file names hold it (letters, digits, ``.``, ``-``)."""
    return re.sub(r"[^\w.-]", "-", socket.gethostname())


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any], suffix: str = ".partial") -> None:
    """Create or replace ``path`` with what ``write(f)`` writes to the binary file ``f``.

    The folder is created if missing; the file is readable by all (0644). If ``write``
    raises, the temporary file is removed and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=path.parent, prefix=f"{path.name}.{os.getpid()}@{host()}.", suffix=suffix
    )
    try:
        os.chmod(tmp, 0o644)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True


def remove_partials(folders: Iterable[Path], own: Sequence[str], suffix: str) -> None:
    """Remove what killed :func:`atomic_write` calls with ``suffix`` left in ``folders``.

    Removed are the temporary files of the targets named in ``own`` (also the hidden
    ``.TARGET.*.tmp`` that earlier versions wrote) and those of processes of this machine
    that are gone; a live process's are kept.
    """
    name = re.compile(r"(?P<target>.+)\.(?P<pid>\d+)@(?P<host>[\w.-]*)\.\w+" + re.escape(suffix))
    here = host()
    for folder in folders:
        for path in folder.glob(f"*{glob.escape(suffix)}") if folder.is_dir() else ():
            m = name.fullmatch(path.name)
            if m and (m["target"] in own or (m["host"] == here and not _alive(int(m["pid"])))):
                with contextlib.suppress(OSError):
                    path.unlink()
        for target in own:
            for path in folder.glob(f".{glob.escape(target)}.*.tmp"):
                with contextlib.suppress(OSError):
                    path.unlink()


def unwritable(folder: Path) -> str | None:
    """Why ``folder`` cannot be created or written (None if it can); creates it if missing.

    The reason reads on after the folder's name, e.g. ``cannot write there (Not a
    directory)``.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot write there ({exc.strerror or exc})"
    return None


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (a link to one is followed), at most ``limit``.

    What is there is checked before it is opened, so that a FIFO, which would block, or a
    device such as ``/dev/zero``, which never ends, is not read; the file is opened
    non-blocking and checked again, in case it was replaced between the two.

    Raises
    ------
    OSError
        If ``path`` cannot be found or read.
    ValueError
        If it is not a regular file (``PATH is a FIFO, not a regular file``) or holds more
        than ``limit`` bytes (``PATH holds more than LIMIT bytes``).
    """
    info = os.stat(path)
    _check_regular(path, info.st_mode, limit, info.st_size)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode, limit, info.st_size)
        data = f.read(limit + 1)
    _check_regular(path, info.st_mode, limit, len(data))
    return data


_FILE_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _check_regular(path: Path, mode: int, limit: int, size: int) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_TYPES if test(mode)), "something else")
        raise ValueError(f"{path} is {kind}, not a regular file")
    if size > limit:
        raise ValueError(f"{path} holds more than {limit} bytes")


def one_line(exc: BaseException) -> str:
    """``TypeName: first line of the message`` (at most 200 characters of it)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__
