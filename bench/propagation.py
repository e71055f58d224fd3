#!/usr/bin/env python3
"""How long an incident action from the CLI takes to hold on running servers of the same database.

Starts `claimdeck serve --demo` on a new database (or, with --db postgres://..., NODES servers on
that PostgreSQL database, with one shared master key), then TRIALS times: `claimdeck client disable
billing-service` in a second process and, from the moment that process exits (its change is
committed), token requests over one keep-alive connection a node, round robin, until every node
refuses the client (401, or 429 once the refusals count as failed client authentications); then
`client enable` and the same until every node serves it again. Each trial connects from a loopback
address of its own (127.0.T.N), so the refusals of earlier trials do not throttle it. Prints each
figure's min/median/max in milliseconds (the time from the CLI's exit to a node's first answer that
shows the change), over all nodes.

Usage: bench/propagation.py [path/to/claimdeck] [trials] [--db postgres://...] [--nodes N]
The PostgreSQL database must be empty (its first node loads the demo).
"""
import base64, http.client, os, shutil, socket, statistics, subprocess, sys, tempfile, time

args = [a for a in sys.argv[1:]]
def option(name, default):
    if name in args:
        i = args.index(name)
        value = args[i + 1]
        del args[i:i + 2]
        return value
    return default
url = option("--db", None)
nodes = int(option("--nodes", "1" if url is None else "2"))
binary = args[0] if len(args) > 0 else ".build/release/claimdeck"
trials = int(args[1]) if len(args) > 1 else 20
work = tempfile.mkdtemp(prefix="claimdeck-propagation-")
db = url or os.path.join(work, "p.db")
if url is None and nodes != 1:
    raise SystemExit("several nodes need a shared database: --db postgres://...")
env = dict(os.environ)
if url is not None:
    env["CLAIMDECK_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

auth = "Basic " + base64.b64encode(b"billing-service:billing-demo-secret").decode()
body = "grant_type=client_credentials"
headers = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}

def status(conn):
    conn.request("POST", "/sms/token", body, headers)
    r = conn.getresponse()
    r.read()
    return r.status

def until(conns, wanted, limit=10.0):
    """Each node's milliseconds from now to its first answer in `wanted`, polling the nodes in turn."""
    start = time.perf_counter()
    times = [None] * len(conns)
    while None in times:
        if time.perf_counter() - start > limit:
            raise SystemExit(f"a node never answered {wanted} within {limit} s: {times}")
        for i, conn in enumerate(conns):
            if times[i] is None and status(conn) in wanted:
                times[i] = (time.perf_counter() - start) * 1000
    return times

def start(port, demo):
    return subprocess.Popen([binary, "serve", "--db", db, "--port", str(port), "--log-level", "error"] + (["--demo"] if demo else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)

def connect(port, source="127.0.0.1"):
    deadline = time.time() + 120
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
            if status(conn) == 200:
                return conn
        except OSError:
            time.sleep(0.2)
        if time.time() > deadline:
            raise SystemExit("a server did not start")

servers = []
try:
    ports = [free_port() for _ in range(nodes)]
    servers.append(start(ports[0], True))
    connect(ports[0])
    for port in ports[1:]:
        servers.append(start(port, False))
        connect(port)
    disable, enable = [], []
    cli = lambda verb: subprocess.run([binary, "client", verb, "billing-service", "--tenant", "sms", "--db", db],
                                      check=True, capture_output=True, env=env)
    for trial in range(trials):
        conns = [connect(port, f"127.0.{trial + 1}.{n + 1}") for n, port in enumerate(ports)]
        cli("disable")
        disable += until(conns, (401, 429))
        cli("enable")
        enable += until(conns, (200,))
    where = f"{nodes} node(s) on PostgreSQL" if url else "SQLite"
    for name, xs in (("disable -> refused", disable), ("enable -> served", enable)):
        print(f"{name}: min {min(xs):.1f} ms, median {statistics.median(xs):.1f} ms, max {max(xs):.1f} ms "
              f"({trials} trials, {where})")
finally:
    for server in servers:
        server.terminate()
        server.wait()
    shutil.rmtree(work, ignore_errors=True)
