"""Network test kit: a throwaway CA and server certificates (trustme), and a small CONNECT proxy on loopback."""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import trustme


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # the CA's certificate: what REQUESTS_CA_BUNDLE names
    cert: Path  # the server's certificate chain
    key: Path


def tls_files(directory: Path, *names: str) -> TlsFiles:
    """A new CA, and a certificate from it for `names` (default: 127.0.0.1 and localhost), as PEM files."""
    ca = trustme.CA()
    issued = ca.issue_cert(*(names or ("127.0.0.1", "localhost")))
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    ca.cert_pem.write_to_path(str(files.ca))
    for index, blob in enumerate(issued.cert_chain_pems):
        blob.write_to_path(str(files.cert), append=index > 0)
    issued.private_key_pem.write_to_path(str(files.key))
    return files


class ConnectProxy:
    """An HTTP CONNECT proxy on 127.0.0.1:0 that tunnels to loopback only, and records what it was asked.

    `refuse` answers every CONNECT with that status line instead (e.g. "407 Proxy Authentication Required").
    `hosts` maps names to loopback addresses (the proxy resolves them, as a real one does for the names it is
    asked): an endpoint that is not loopback by name reaches an emulator on this machine through it.
    It captures too: `heads` holds every request's whole head (request line and headers) as received, so a test sees
    what a client gave away to it (a plain `GET http://...` is answered 403 and never forwarded).
    """

    def __init__(self, *, refuse: str | None = None, hosts: dict[str, str] | None = None) -> None:
        self.refuse = refuse
        self.hosts = hosts or {}
        self.requests: list[str] = []  # the request lines, e.g. "CONNECT 127.0.0.1:4431 HTTP/1.1"
        self.heads: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._accepter = threading.Thread(target=self._accept, name="test-connect-proxy", daemon=True)

    def __enter__(self) -> ConnectProxy:
        self._accepter.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._listener.close()
        self._accepter.join(5)
        for thread in list(self._threads):
            thread.join(5)

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(4096)
                if not data:
                    return
                head += data
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            with self._lock:
                self.requests.append(line)
                self.heads.append(head.decode("latin-1"))
            method, target, _ = (line.split(" ") + ["", ""])[:3]
            host, _, port = target.rpartition(":")
            host = self.hosts.get(host, host)
            if self.refuse or method != "CONNECT" or host not in ("127.0.0.1", "localhost", "[::1]"):
                status = self.refuse or "403 Forbidden"
                client.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
                return
            try:
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._pipe(client, upstream)

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        a.settimeout(None)
        b.settimeout(None)
        while not self._stop.is_set():
            readable, _, _ = select.select([a, b], [], [], 0.05)
            for source in readable:
                try:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
                except OSError:
                    return


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
