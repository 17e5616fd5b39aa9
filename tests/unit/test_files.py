"""gate.report.files: what is at a path decides how it is written; nothing ever changes its kind (issue 30 M4)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from gate.report.files import append, write_atomic


@pytest.mark.posix
def test_a_new_or_regular_file_is_replaced_whole_with_the_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_atomic(path, "one\n")
    path.chmod(0o600)
    write_atomic(path, "two\n")
    mask = os.umask(0)
    os.umask(mask)
    assert path.read_text() == "two\n" and stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_symbolic_link_is_refused_at_write_time_too(tmp_path: Path) -> None:
    """Made after the inputs were checked: still neither followed nor replaced."""
    target = tmp_path / "target"
    target.write_text("keep\n")
    link = tmp_path / "out"
    link.symlink_to(target)
    with pytest.raises(OSError) as caught:
        write_atomic(link, "x")
    assert caught.value.errno == errno.ELOOP and "symbolic link" in str(caught.value.strerror)
    assert link.is_symlink() and target.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "target"]


@pytest.mark.posix
def test_a_fifo_without_a_reader_fails_at_once_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as caught:
        write_atomic(fifo, "x")
    assert caught.value.errno == errno.ENXIO and caught.value.strerror == "it is a FIFO that nothing reads"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.posix
def test_a_fifo_with_a_reader_gets_the_text(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(fifo, "hello\n")
        assert os.read(reader, 100) == b"hello\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.posix
@pytest.mark.skipif(getattr(os, "geteuid", lambda: -1)() != 0, reason="mknod needs root")
def test_a_char_device_is_written_in_place(tmp_path: Path) -> None:
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    write_atomic(node, "x" * 100_000)
    assert stat.S_ISCHR(node.lstat().st_mode) and node.lstat().st_rdev == os.makedev(1, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_lone_surrogates_are_written_as_escapes(tmp_path: Path) -> None:
    """JSON's \\ud800 decodes to a character no UTF-8 holds (issue 30 L2): in a file it is its escape again."""
    path = tmp_path / "out"
    write_atomic(path, '{"r":"a\ud800b \U0001f680"}')
    append(path, "\udfff\n")
    assert path.read_bytes() == '{"r":"a\\ud800b \U0001f680"}\\udfff\n'.encode()


@pytest.mark.posix
def test_a_socket_is_named_as_one_and_kept(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "gate.sock"
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        with pytest.raises(OSError) as caught:
            write_atomic(path, "{}\n")
        assert caught.value.errno == errno.ENXIO and caught.value.strerror == "it is a socket, which takes no file"
        assert stat.S_ISSOCK(os.lstat(path).st_mode)  # never replaced by a regular file
