#!/usr/bin/env python3
"""Local receiver for the alert channel tests (stdlib only).

usage: alert_receiver.py LOGFILE

Binds an HTTP server and an SMTP server on 127.0.0.1 (free ports), prints
"HTTP_PORT SMTP_PORT" on one line of stdout, and appends one JSON object a
line to LOGFILE for every request:
  {"kind": "http", "method", "path", "headers": {lower-case name: value}, "body"}
  {"kind": "smtp", "user", "password", "from", "rcpt": [...], "data"}
HTTP: any path answers 200 "ok", except a path containing "/status500" (500).
SMTP: EHLO advertises AUTH PLAIN LOGIN (no STARTTLS: a loopback relay);
credentials are recorded as received. smtpd left the stdlib in 3.12, so this
is a small server of its own.
"""
import base64
import http.server
import json
import socketserver
import sys
import threading

LOG = sys.argv[1]
_lock = threading.Lock()


def record(obj):
    with _lock, open(LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj) + "\n")


class HTTPHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        record({"kind": "http", "method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        code = 500 if "/status500" in self.path else 200
        out = b"ok\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = _handle


class SMTPHandler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        mail = {"kind": "smtp", "user": None, "password": None, "from": None, "rcpt": []}
        try:
            self.send("220 localhost test SMTP")
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb) + 1:] if " " in line else ""
                if verb in ("EHLO", "HELO"):
                    self.send("250-localhost")
                    self.send("250-AUTH PLAIN LOGIN")
                    self.send("250 8BITMIME")
                elif verb == "AUTH":
                    parts = arg.split(" ")
                    mech = parts[0].upper()
                    if mech == "PLAIN":
                        tok = parts[1] if len(parts) > 1 else None
                        if tok is None:
                            self.send("334 ")
                            tok = self.readline()
                        fields = base64.b64decode(tok).split(b"\0")
                        mail["user"] = fields[1].decode()
                        mail["password"] = fields[2].decode()
                    elif mech == "LOGIN":
                        if len(parts) > 1:
                            mail["user"] = base64.b64decode(parts[1]).decode()
                        else:
                            self.send("334 VXNlcm5hbWU6")
                            mail["user"] = base64.b64decode(self.readline()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        mail["password"] = base64.b64decode(self.readline()).decode()
                    else:
                        self.send("504 unknown mechanism")
                        continue
                    self.send("235 authenticated")
                elif verb == "MAIL":
                    mail["from"] = arg.split(":", 1)[1].strip().strip("<>")
                    self.send("250 ok")
                elif verb == "RCPT":
                    mail["rcpt"].append(arg.split(":", 1)[1].strip().strip("<>"))
                    self.send("250 ok")
                elif verb == "DATA":
                    self.send("354 go ahead")
                    lines = []
                    while True:
                        l = self.readline()
                        if l == ".":
                            break
                        lines.append(l[1:] if l.startswith("..") else l)
                    mail["data"] = "\n".join(lines)
                    record(dict(mail))
                    self.send("250 queued")
                elif verb == "RSET":
                    mail["from"], mail["rcpt"] = None, []
                    self.send("250 ok")
                elif verb == "NOOP":
                    self.send("250 ok")
                elif verb == "QUIT":
                    self.send("221 bye")
                    return
                else:
                    self.send("502 not implemented")
        except (EOFError, ConnectionError):
            return


class ThreadingHTTP(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    h = ThreadingHTTP(("127.0.0.1", 0), HTTPHandler)
    s = ThreadingTCP(("127.0.0.1", 0), SMTPHandler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    print(h.server_address[1], s.server_address[1], flush=True)
    h.serve_forever()


if __name__ == "__main__":
    main()
