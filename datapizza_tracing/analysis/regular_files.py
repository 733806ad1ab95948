"""Files that must be regular ones: a trace file, a price file. Anything else is refused, never waited on.

Opening a FIFO blocks until a writer comes (forever, for a pipe named by mistake or a shell's
``<(cat prices.json)`` already read once), a device can stream without end, and saving over one
would replace it with a plain file. One rule for reading here and for saving in ``storage``.
"""

from __future__ import annotations

import errno
import os
import stat

_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# Opening a FIFO for reading without a writer returns at once with O_NONBLOCK; a regular file ignores it.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def not_regular(mode: int) -> str | None:
    """What a file of this ``st_mode`` is when it is not a regular file ("a FIFO (named pipe)", ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _NOT_REGULAR if test(mode)), "something else")


def read_regular_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at ``path``; an ``OSError`` saying what it is otherwise.

    The kind is checked on the opened file, so nothing can be swapped in between the check and the read."""
    fd = os.open(path, _READ_FLAGS)
    try:
        kind = not_regular(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    if kind is not None:
        os.close(fd)
        raise OSError(errno.EINVAL, f"it is {kind}, not a regular file", os.fspath(path))
    with os.fdopen(fd, "rb") as file:
        return file.read()
