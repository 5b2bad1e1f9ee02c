"""A counting relay between a client and the local PostgreSQL: what the client sends, read as the
frontend/backend protocol frames it (a type byte and a length), so a test can count the messages
a piece of code sends to the server: with psycopg2, one simple query message (``Q``) per round
trip. Plain TCP only (the client connects with ``sslmode=disable``)."""

import contextlib
import socket
import struct
import threading


class Relay:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.queries: list[str] = []  # the text of each simple query message, in order
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for args in ((client, server, True), (server, client, False)):
                thread = threading.Thread(target=self._pipe, args=args, daemon=True)
                thread.start()
                self.threads.append(thread)

    def _pipe(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        buffer, started = b"", not from_client
        try:
            while chunk := src.recv(65536):
                if from_client:  # counted before it is passed on, so its answer cannot come first
                    buffer, started = self._count(buffer + chunk, started)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def _count(self, buffer: bytes, started: bool) -> tuple[bytes, bool]:
        """Records the whole simple query messages at the head of ``buffer``; returns what is left
        of it and whether the start-up message (a length, no type byte) has gone by."""
        if not started:
            if len(buffer) < 4 or len(buffer) < struct.unpack("!I", buffer[:4])[0]:
                return buffer, False
            buffer = buffer[struct.unpack("!I", buffer[:4])[0] :]
        while len(buffer) >= 5:
            (length,) = struct.unpack("!I", buffer[1:5])
            if len(buffer) < 1 + length:
                break
            kind, body, buffer = buffer[:1], buffer[5 : 1 + length], buffer[1 + length :]
            if kind == b"Q":
                with self.lock:
                    self.queries.append(body.rstrip(b"\0").decode("utf-8", "replace"))
        return buffer, True

    def taken(self) -> list[str]:
        """The queries sent since the last call."""
        with self.lock:
            queries, self.queries = self.queries, []
        return queries

    def close(self) -> None:
        self.listener.close()
