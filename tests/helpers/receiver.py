"""A webhook receiver of the test's own: a real HTTP server on a free loopback port, in a thread.

It records every request (path, headers, the raw body as received) and answers from a script:
``receiver.script(500, 500, 200)`` answers the next three requests with those codes, then the
default (200). ``receiver.delay`` makes each answer wait that many seconds first (a slow system)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.answers: list[int] = []
        self.default = 200
        self.delay = 0.0
        self.answer_body = b'{"ok": true}'
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                    code = receiver.answers.pop(0) if receiver.answers else receiver.default
                time.sleep(receiver.delay)
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(receiver.answer_body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (its timeout): that is the point of the delay

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/retail"

    def script(self, *codes: int) -> "Receiver":
        self.answers = list(codes)
        return self

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
