#!/usr/bin/env python3
"""How long an incident action from the CLI takes to hold on a running server of the same database.

Starts `claimdeck serve --demo` on a new database, then N times: `claimdeck client disable
billing-service` in a second process and, from the moment that process exits (its change is
committed), token requests over one keep-alive connection until the server refuses the client;
then `client enable` and the same until it is served again. Prints each figure's min/median/max in
milliseconds (the time from the CLI's exit to the first answer that shows the change).

Usage: bench/propagation.py [path/to/claimdeck] [trials]
"""
import base64, http.client, os, shutil, socket, statistics, subprocess, sys, tempfile, time

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/claimdeck"
trials = int(sys.argv[2]) if len(sys.argv) > 2 else 20
work = tempfile.mkdtemp(prefix="claimdeck-propagation-")
db = os.path.join(work, "p.db")
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([binary, "serve", "--db", db, "--port", str(port), "--demo", "--log-level", "error"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
auth = "Basic " + base64.b64encode(b"billing-service:billing-demo-secret").decode()
body = "grant_type=client_credentials"
headers = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}

def status(conn):
    conn.request("POST", "/sms/token", body, headers)
    r = conn.getresponse()
    r.read()
    return r.status

def until(conn, wanted, limit=10.0):
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if status(conn) == wanted:
            return (time.perf_counter() - start) * 1000
    raise SystemExit(f"the server never answered {wanted}")

try:
    deadline = time.time() + 120
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            if status(conn) == 200:
                break
        except OSError:
            time.sleep(0.2)
        if time.time() > deadline:
            raise SystemExit("the server did not start")
    disable, enable = [], []
    for _ in range(trials):
        subprocess.run([binary, "client", "disable", "billing-service", "--tenant", "sms", "--db", db], check=True, capture_output=True)
        disable.append(until(conn, 401))
        subprocess.run([binary, "client", "enable", "billing-service", "--tenant", "sms", "--db", db], check=True, capture_output=True)
        enable.append(until(conn, 200))
    for name, xs in (("disable -> refused", disable), ("enable -> served", enable)):
        print(f"{name}: min {min(xs):.1f} ms, median {statistics.median(xs):.1f} ms, max {max(xs):.1f} ms ({len(xs)} trials)")
finally:
    server.terminate()
    server.wait()
    shutil.rmtree(work, ignore_errors=True)
