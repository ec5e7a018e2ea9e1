#!/usr/bin/env python3
"""Local HTTP(S) server for tests/unit/test_http.c (stdlib only).

usage: http_server.py [--cert CERT.pem --key KEY.pem]

Binds 127.0.0.1:0 and prints the port on one line of stdout. Paths:
  /ok                      200 "ok\\n"
  /slow?ms=N               200 "slow\\n" after N ms
  /big?bytes=N[&cl=0]      200 with N bytes of 'x' (cl=0: no Content-Length, close-delimited)
  /status?code=N           status N
  /hang                    never answers
  /echo                    method, headers (one "name: value" a line), blank line, body
  /flaky?key=K&fail=N      503 for the first N requests with key K, then 200 "recovered\\n"
"""
import http.server
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

_flaky = {}
_flaky_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test reads stdout
        pass

    def _send(self, code, body, length=True):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _route(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        body = self._body()
        if url.path == "/ok":
            self._send(200, b"ok\n")
        elif url.path == "/slow":
            time.sleep(int(q.get("ms", "500")) / 1000.0)
            self._send(200, b"slow\n")
        elif url.path == "/big":
            n = int(q.get("bytes", "1000"))
            if q.get("cl") == "0":
                self._send(200, b"x" * n, length=False)
            else:
                self._send(200, b"x" * n)
        elif url.path == "/status":
            self._send(int(q.get("code", "200")), b"status\n")
        elif url.path == "/hang":
            time.sleep(3600)
        elif url.path == "/echo":
            lines = [self.command]
            lines += ["%s: %s" % (k.lower(), v) for k, v in self.headers.items()]
            out = ("\n".join(lines) + "\n\n").encode() + body
            self._send(200, out)
        elif url.path == "/flaky":
            key, fail = q.get("key", ""), int(q.get("fail", "1"))
            with _flaky_lock:
                seen = _flaky.get(key, 0)
                _flaky[key] = seen + 1
            if seen < fail:
                self._send(503, b"try again\n")
            else:
                self._send(200, b"recovered\n")
        else:
            self._send(404, b"no such path\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes are part of the tests


def main():
    args = sys.argv[1:]
    cert = key = None
    while args:
        a = args.pop(0)
        if a == "--cert":
            cert = args.pop(0)
        elif a == "--key":
            key = args.pop(0)
        else:
            sys.exit("usage: http_server.py [--cert CERT --key KEY]")
    srv = Server(("127.0.0.1", 0), Handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        # The handshake happens in the connection's thread (first read), so a
        # client that fails it never blocks accept().
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
