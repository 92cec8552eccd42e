"""One way to write every output: atomically, with the permissions the user's umask gives a new file."""
from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path
from typing import Callable


def write_atomic(path: Path, content: str | bytes | Callable[[Path], None], suffix: str = "") -> Path:
    """Write ``content`` to ``path`` so that readers see the old file or the new one, never half of one.

    ``content`` is text (UTF-8), bytes, or a function that writes the file at the path it is given (a
    workbook, a parquet file, a model file). The file goes to ``.NAME.PID.*SUFFIX`` beside ``path`` first and
    is renamed over ``path``; it gets the mode a newly created file would (0666 less the umask), not
    ``mkstemp``'s private 0600. Such temporary files left by a process that was killed (``kill -9``) are
    removed by the next write to ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if not callable(content):
                f.write(content.encode("utf-8") if isinstance(content, str) else content)
                f.flush()
                os.fsync(f.fileno())
        if callable(content):
            content(Path(tmp))
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temp_files(path: Path) -> None:
    """Delete ``write_atomic``'s temp files for ``path`` whose writing process no longer runs."""
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*"):
        pid = tmp.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            tmp.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
