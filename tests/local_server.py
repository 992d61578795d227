"""A real HTTP server on 127.0.0.1 whose every answer a test scripts, request by request.

The download tests (checkpoint and data sets) run the real client against it: 200 and 206
bodies, a connection cut in the middle, error statuses, web pages served with 200, silence.
"""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


# -----------------------------------------------------------------------------
# A scripted server: each request takes the next behaviour of its plan; the last one repeats


def serve(handler, data):
    """200 with the whole file, or 206 with the rest when the request has a Range."""
    start = 0
    requested = handler.headers.get("Range")
    if requested:
        start = int(requested.removeprefix("bytes=").rstrip("-"))
        handler.send_response(206)
        handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
    else:
        handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(data) - start))
    handler.end_headers()
    handler.wfile.write(data[start:])


def send_half(handler, data):
    """Promise the whole file, send half of it, hang up (ignores Range)."""
    handler.send_response(200)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data[:len(data) // 2])
    handler.close_connection = True


def status(code):
    def reply(handler, data):
        handler.send_error(code)
    return reply


def serve_bytes(body, content_type="application/octet-stream"):
    def reply(handler, data):
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return reply


def stall(handler, data):
    """Accept the request and say nothing for a second."""
    time.sleep(1.0)


class ScriptedHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.ranges.append(self.headers.get("Range"))
        behaviour = server.plan.pop(0) if len(server.plan) > 1 else server.plan[0]
        behaviour(self, server.payload)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (an HTML page detected) is expected here


@pytest.fixture
def start_server():
    servers = []

    def start(data, plan=(serve,), name="facades_label2photo.pth"):
        httpd = QuietServer(("127.0.0.1", 0), ScriptedHandler)
        httpd.payload, httpd.plan, httpd.ranges = data, list(plan), []
        httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/{name}"
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        servers.append(httpd)
        return httpd

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url():
    """A URL on a port where nothing listens: bind a socket, note its port, close it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/facades_label2photo.pth"
