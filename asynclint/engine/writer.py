"""Atomic file replacement: a crash or kill mid-write leaves the old file or the new one, never half."""

from __future__ import annotations

import os
import stat
import tempfile


def write_atomic(path: str, data: bytes, *, durable: bool = True) -> None:
    """Replace (or create) `path` with `data`, keeping an existing file's mode. `durable` syncs the
    data to disk before the rename: wanted for users' files, not for cache entries."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None  # a new file keeps mkstemp's owner-only mode
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".asynclint", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
