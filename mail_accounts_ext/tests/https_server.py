# pylint: disable=print-used
"""A small HTTPS server on loopback that serves fixed documents (no Odoo import).

Used by the pure suite and the Odoo suite to serve *published mail configurations*
(Thunderbird's ``config-v1.1.xml``) as a hosting panel would, with a certificate of
the mail server harness' private CA (``mailservers.py``), so that clients verify it
exactly as they verify a real server::

    with HttpsServer(cert_file, key_file) as server:
        server.routes["/example.com/mail/config-v1.1.xml"] = (200, b"<clientConfig ...")
        server.url("/example.com/mail/config-v1.1.xml")   # https://127.0.0.1:PORT/...

A route is ``(status, body)``, ``(status, body, headers)`` or a callable taking the
request handler and returning one of those (e.g. to wait, or to redirect). Every
request path (with its query) is recorded in :attr:`HttpsServer.requests`.
"""

import http.server
import ssl
import threading
from urllib.parse import urlsplit


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "mae-test-https"

    def do_GET(self):  # noqa: N802 - http.server's naming
        owner = self.server.owner
        owner.requests.append(self.path)
        route = owner.routes.get(urlsplit(self.path).path)
        if callable(route):
            route = route(self)
        status, body, headers = (route + ({},))[:3] if route else (404, b"not found", {})
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpsServer:
    """Serves :attr:`routes` over HTTPS on ``host`` (a free port) in a thread."""

    def __init__(self, cert_file, key_file, host="127.0.0.1"):
        self.routes = {}
        self.requests = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self._server = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.owner = self
        self.host, self.port = host, self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path=""):
        return f"https://{self.host}:{self.port}{path}"

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
