"""Writing the gate's files: as UTF-8 whatever the text holds, and never changing what kind of file a path names.

Why the kind matters: a file is written to a temporary file beside it, then renamed over it, so a reader never sees
half of it. Renamed over a device or a FIFO, that would replace it with a regular file: run as root (the image),
`--junit-xml /dev/null` left the host's /dev/null a world-readable regular file. So what is at the path decides:
- nothing, or a regular file: written beside it, then renamed over it (atomic);
- a FIFO or a device (/dev/null, a terminal): written in place, as `>` in a shell would (a FIFO with no reader is
  an error, not a wait without end);
- a symbolic link: refused, neither followed (it may lead anywhere, and the gate may run as root) nor replaced.
  `--json` prints the result on stdout, for what `/dev/stdout` (a link) was meant.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gate.textsafe import utf8

LINK_REFUSED = "it is a symbolic link, which the gate neither follows nor replaces (name the file itself)"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def special(path: Path) -> bool:
    """Whether `path` is a FIFO, a device or a socket (False when there is nothing there)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode)


def refuse_link(path: Path) -> None:
    """OSError(ELOOP) when `path` is a symbolic link."""
    if Path(path).is_symlink():
        raise OSError(errno.ELOOP, LINK_REFUSED, str(path))


def write_atomic(path: Path, text: str) -> None:
    """Readers never see half a file, even if we are killed mid-write; a FIFO or a device is written in place and a
    symbolic link refused (the module's rules).

    The file gets the mode `open()` would give it (0666 less the umask), not mkstemp's 0600: a CI agent
    outside the container (Jenkins reading a bind mount, say) must be able to read it.
    """
    import tempfile  # here: only a wait that writes a file needs it, and it costs every start a few ms

    path = Path(path)
    refuse_link(path)
    if special(path):
        _write_in_place(path, utf8(text))
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the mode bits mean nothing here
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(utf8(text))
        refuse_link(path)  # made a link meanwhile: renaming over it would still replace it
        replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Windows: renaming over a file that another process holds open without FILE_SHARE_DELETE (a virus scanner, an
# indexer, an editor, `Get-Content -Wait`) fails with a sharing violation, PermissionError, usually for moments.
REPLACE_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8)  # 1.55 s in all, then the error stands (the file is told not written)


def replace(tmp: str, path: Path, *, windows: bool = os.name == "nt",
            pause: Callable[[float], None] = time.sleep) -> None:
    """os.replace; on Windows retried a few times while another process holds `path` open. Elsewhere a rename
    over an open file always succeeds, so a PermissionError there is a real one and stands at once."""
    for seconds in REPLACE_PAUSES if windows else ():
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            pause(seconds)
    os.replace(tmp, path)


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _write_in_place(path: Path, data: bytes) -> None:
    """A FIFO or a device, opened without following a link and without blocking (a FIFO with no reader fails at
    once), then written whole. On Windows (no O_NONBLOCK, no fcntl, no FIFOs) a device such as NUL is opened and
    written as it is, in binary."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    flags = (os.O_WRONLY | nonblocking | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
             | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ENXIO:  # a FIFO with no reader, or a socket, which no file can be written to
            what = "a socket, which takes no file" if _is_socket(path) else "a FIFO that nothing reads"
            raise OSError(errno.ENXIO, f"it is {what}", str(path)) from None
        raise
    try:
        if sys.platform != "win32" and nonblocking:  # POSIX, as FIFOs are: its reader sets the pace
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~nonblocking)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def append(path: Path, text: str) -> None:
    """As the Actions runner expects of its files: other steps' lines stay as they were."""
    with open(path, "ab") as handle:
        handle.write(utf8(text))
