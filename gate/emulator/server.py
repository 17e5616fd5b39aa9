"""The Emulator: a stdlib ThreadingHTTPServer that serves the Service, started and stopped in-process."""

from __future__ import annotations

import socket
import socketserver
import ssl
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from gate.emulator.clock import Clock, system_clock
from gate.emulator.documents import Run
from gate.emulator.faults import Delivery, Fault, FaultBook
from gate.emulator.model import ApiError
from gate.emulator.ratelimit import Limiter, RateLimit
from gate.emulator.scenario import LISTING_ORDERS, Scenario, load_scenario, resolve_fault
from gate.emulator.service import Reply, Service
from gate.emulator.state import EmulatorState
from gate.emulator.wire import error_answer

MAX_BODY = 1 << 20


@dataclass(frozen=True)
class RequestRecord:
    """What the emulator saw and did; never the Authorization header."""

    method: str
    path: str
    operation: str | None
    status: int | None  # None: the connection was dropped without an answer
    fault: str | None
    at: float = 0.0  # time.monotonic() when the answer was ready to go (or the connection dropped)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handler threads: nothing outlives stop()
    block_on_close = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.emulator = emulator
        self.stopping = threading.Event()
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can stall; we don't need it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is routine (timeouts, dropped faults); anything else is logged."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError | ssl.SSLError):  # a client that distrusts our
            return  # certificate hangs up in the handshake: routine in the TLS tests
        self.emulator.report(f"error while answering {client_address[0]}: {type(error).__name__}: {error}")

    def close_connections(self) -> None:
        """Wakes handler threads parked on idle keep-alive connections, so they end."""
        with self.connections_lock:
            for connection in list(self.open_connections):
                try:
                    socket.socket.shutdown(connection, socket.SHUT_RDWR)  # under TLS too, from this thread
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "codecatalyst-emulator"
    timeout = 60  # idle keep-alive connections close after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # Here, on the handler's thread (bounded by `timeout`), not in accept(): a client that never
            # finishes its handshake must not hold up the others.
            self.connection.do_handshake()
        # Headers and body go out as two writes; without this, Nagle + delayed ACK add ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)
            if self.server.stopping.is_set():  # accepted just as stop() closed the others: no waiting on it
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the Emulator records and logs each request itself, without headers."""

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                if sum(map(len, chunks)) + size > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 <= length <= MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length)

    def _serve(self) -> None:
        emulator = self.server.emulator
        try:
            body = self._body()
        except ValueError:
            self.close_connection = True
            reply = Reply(error_answer(ApiError("ValidationException", "The request body could not be read.")))
        else:
            reply = emulator.service.respond(method=self.command, target=self.path,
                                             authorization=self.headers.get("Authorization"), body=body)
        if reply.delay and self.server.stopping.wait(reply.delay):
            reply = Reply(None, reply.operation, reply.fault)  # stopping: don't hold the shutdown up
        emulator.record(RequestRecord(self.command, self.path, reply.operation,
                                      reply.answer.status if reply.answer else None, reply.fault, time.monotonic()))
        if reply.answer is None:
            self.close_connection = True
            return
        if reply.delivery is not None:
            self._deliver(reply.delivery)
            return
        self.send_response(reply.answer.status)
        for name, value in reply.answer.headers:
            self.send_header(name, value)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(reply.answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.answer.body)

    def _write_slowly(self, data: bytes, delivery: Delivery) -> bool:
        """`data` in steps of `delivery.step` bytes, `delivery.every` seconds apart; False: stopping."""
        step = delivery.step or len(data) or 1
        for start in range(0, len(data), step):
            if start and delivery.every and self.server.stopping.wait(delivery.every):
                return False
            self.wfile.write(data[start:start + step])
        return True

    def _deliver(self, delivery: Delivery) -> None:
        """A delivery fault's answer: trickled, stalled after the headers, or streamed (oversized, bomb)."""
        self.close_connection = True  # whatever the client makes of it, this connection is not reused
        framing = ("Transfer-Encoding", "chunked") if delivery.length is None else (
            "Content-Length", str(delivery.length))
        phrase = HTTPStatus(delivery.status).phrase if delivery.status in HTTPStatus._value2member_map_ else "-"
        lines = [f"HTTP/1.1 {delivery.status} {phrase}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}", *(f"{k}: {v}" for k, v in delivery.headers),
                 f"x-amzn-RequestId: {uuid.uuid4()}", "Connection: close", f"{framing[0]}: {framing[1]}"]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if delivery.head_too:
            if not self._write_slowly(head, delivery):
                return
        else:
            self.wfile.write(head)
        if (delivery.pause and self.server.stopping.wait(delivery.pause)) or self.command == "HEAD":
            return
        for piece in delivery.body:
            framed = piece if delivery.length is not None else b"%x\r\n%s\r\n" % (len(piece), piece)
            if piece and not self._write_slowly(framed, delivery):
                return
        if delivery.length is None:
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class Emulator:
    """A local CodeCatalyst workflow-run API: `with Emulator() as emu: requests.get(emu.base_url + ...)`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 scenario: Scenario | Mapping[str, Any] | str | Path | None = None, clock: Clock | None = None,
                 log: Callable[[str], None] | None = None, page_size: int | None = None,
                 listing_order: str | None = None, cert: str | Path | None = None,
                 key: str | Path | None = None, rate_limit: RateLimit | None = None) -> None:
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be at least 1")
        if listing_order is not None and listing_order not in LISTING_ORDERS:
            raise ValueError(f"listing_order must be one of {', '.join(LISTING_ORDERS)}")
        if (cert is None) != (key is None):
            raise ValueError("serving HTTPS needs both a certificate (cert) and its private key (key)")
        if token is not None and (not token or any(c.isspace() for c in token)):
            raise ValueError("token must be non-empty and contain no whitespace")
        self.host, self.port = host, port
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.clock = clock or system_clock
        self.state = EmulatorState(scenario=self.scenario, clock=self.clock, page_size=page_size,
                                   listing_order=listing_order)
        self.faults = FaultBook(self.scenario.faults, clock=self.clock)
        limit = rate_limit or self.scenario.rate_limit  # --rate-limit overrides the scenario's rateLimit
        self.limiter = None if limit is None else Limiter(limit, self.clock)
        self.service = Service(state=self.state, faults=self.faults, token=token, limiter=self.limiter)
        self.requests: deque[RequestRecord] = deque(maxlen=100_000)  # bounded: the CLI may serve for days
        self._log = log
        self._tls: ssl.SSLContext | None = None
        if cert is not None and key is not None:  # loaded now, so a bad file fails here, not in start()
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(str(cert), str(key))
        self._records_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            if self._tls is not None:
                # The handshake waits for the handler's thread (see _Handler.setup), never in accept().
                self._server.socket = self._tls.wrap_socket(self._server.socket, server_side=True,
                                                            do_handshake_on_connect=False)
            self.port = int(self._server.server_address[1])
            # stop() waits up to one poll interval for serve_forever to notice; keep it short for tests.
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                            name=f"codecatalyst-emulator:{self.port}", daemon=True)
            self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    def stop(self) -> None:
        """Stops accepting, ends open connections and pending delays, and joins every thread."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start_run(self, **kwargs: Any) -> Run:
        """EmulatorState.start_run, for fixtures: `emu.start_run(workflow="BrokenWorkflow").id`."""
        return self.state.start_run(**kwargs)

    def add_fault(self, spec: Fault | Mapping[str, Any]) -> Fault:
        """Adds a fault (scenario syntax, "workflow" may be a name) behind the ones already queued."""
        if isinstance(spec, Fault):
            return self.faults.add(spec)
        return self.faults.add(resolve_fault(dict(spec), "fault", self.scenario.workflows))

    def report(self, line: str) -> None:
        if self._log is not None:
            self._log(line)

    def record(self, entry: RequestRecord) -> None:
        with self._records_lock:
            self.requests.append(entry)
        path = "".join(c if c.isprintable() else "?" for c in entry.path)
        status = "dropped" if entry.status is None else str(entry.status)
        fault = f" [fault: {entry.fault}]" if entry.fault else ""
        self.report(f"{entry.method} {path} -> {status} {entry.operation or '-'}{fault}")
