#!/usr/bin/env python3
"""Slow and idle connections cannot stop the server: the real binary under a 1,024 descriptor limit.

Usage: connection_flood.py CLAIMDECK_BINARY DATABASE [flood|timeouts]
flood (the default): starts `claimdeck serve --demo --port 0` with RLIMIT_NOFILE 1024:1024 (prlimit),
then holds 500 slow connections (a request head that never finishes, or a body shorter than its
Content-Length) and 2,000 idle ones (connected, nothing sent). A normal client must still be served on
new connections, the server must log that it shed connections, and a slow request must get 408 once
its timeout passes. Prints "flood ok" and exits 0, or raises.
timeouts: with a 1 s request timeout and a 3 s idle timeout, each kind of slow or idle connection is
answered or closed, never before its time; a keep-alive client that keeps asking stays connected.
Prints "timeouts ok".
"""
import re
import resource
import socket
import subprocess
import sys
import time

binary, db = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else "flood"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
assert hard >= 3000, f"this test needs 3,000 descriptors of its own; the hard limit is {hard}"

timeouts = ["--request-timeout", "8", "--idle-timeout", "60"] if mode == "flood" else ["--request-timeout", "1", "--idle-timeout", "3"]
server = subprocess.Popen(
    ["prlimit", "--nofile=1024:1024", binary, "serve", "--db", db, "--port", "0", "--demo", "--log-level", "warning"] + timeouts,
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
held = []
try:
    port = None
    lines = []
    deadline = time.time() + 120
    while port is None:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("the server exited: " + "".join(lines))
        lines.append(line)
        match = re.search(r"serving on http://127\.0\.0\.1:(\d+)", line)
        if match:
            port = int(match.group(1))
        if time.time() > deadline:
            raise SystemExit("the server did not start: " + "".join(lines))

    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        held.append(s)
        return s

    def served(request=b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        try:
            s.sendall(request)
            return s.recv(65536)
        finally:
            s.close()

    assert served().startswith(b"HTTP/1.1 200"), "not serving before the flood"
    if mode == "timeouts":
        def closed_after(s, at_least):
            start = time.time()
            s.settimeout(30)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            waited = time.time() - start
            # The server's clock starts a little before this one (the bytes are in flight, this process
            # may be descheduled): half a second of slack, which no early close would fit in.
            assert waited >= at_least - 0.5, f"closed after {waited:.2f} s, before its {at_least} s"
            return data
        body = connect()
        body.sendall(b"POST /sms/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 100\r\n\r\ngrant_type=")
        answer = closed_after(body, 1)
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"Connection: close" in answer, answer
        assert b'"error":"invalid_request"' in answer and b"did not arrive within 1 s" in answer, answer
        # Answered before its body was read (no Content-Type): the timeout closes it, with no second answer.
        early = connect()
        early.sendall(b"POST /sms/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ngrant_type=")
        answer = closed_after(early, 1)
        assert answer.startswith(b"HTTP/1.1 400") and answer.count(b"HTTP/1.1") == 1, answer
        head = connect()
        head.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        assert closed_after(head, 1).startswith(b"HTTP/1.1 408"), "unfinished headers"
        assert closed_after(connect(), 3) == b"", "a silent connection is closed after the idle timeout"
        keep = connect()
        for i in range(4):
            if i:
                time.sleep(0.5)
            keep.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert keep.recv(65536).startswith(b"HTTP/1.1 200"), "a keep-alive client is served"
        assert closed_after(keep, 3) == b"", "an idle keep-alive connection is closed after the idle timeout"
        print("timeouts ok")
        raise SystemExit(0)
    slow_started = time.time()
    for i in range(500):
        s = connect()
        if i % 2:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        else:
            s.sendall(b"POST /sms/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 1000\r\n\r\ngrant_type=")
    for _ in range(2000):
        connect()

    # A normal client, on new connections, while all of that is held open.
    for _ in range(5):
        answer = served()
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    token = served(b"POST /sms/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   b"Authorization: Basic YmlsbGluZy1zZXJ2aWNlOmJpbGxpbmctZGVtby1zZWNyZXQ=\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n"
                   b"grant_type=client_credentials")
    assert token.startswith(b"HTTP/1.1 200") and b"access_token" in token, token[:300]

    # The slow requests still open get 408 once their 8 s have passed.
    answered = 0
    for s in held[:500]:
        s.settimeout(max(1, 40 - (time.time() - slow_started)))
        try:
            data = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            continue
        if data.startswith(b"HTTP/1.1 408"):
            answered += 1
    assert answered > 0, "no slow request was answered 408"
    print(f"flood ok: {answered} slow requests answered 408")
finally:
    for s in held:
        s.close()
    server.terminate()
    try:
        out, _ = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        out, _ = server.communicate()
    if mode == "flood" and "at the connection limit" not in out:
        raise SystemExit("the server did not log that it shed connections:\n" + out)
