#!/usr/bin/env bash
# PostgreSQL beside SQLite, in one run (issue 12): client_credentials (ES256 JWT, persisted and
# audited) and introspection of opaque tokens, on SQLite, on one node over PostgreSQL, and on two
# nodes over one PostgreSQL database (two wrk processes, half the connections each, the figures
# summed). The configurations take turns, round after round, on the same cores, so what counts is
# the ratio within the run. PostgreSQL runs on this machine, with fsync on: a throwaway cluster
# from .ci/postgres (Debian's postgresql package), default settings otherwise.
#
#   bash bench/postgres.sh [path/to/release/claimdeck]
#   BENCH_DURATION=10s BENCH_CONNECTIONS=64 BENCH_ROUNDS=2 bash bench/postgres.sh
#
# Without a binary it builds one as bench/run.sh does (release, --scratch-path .build-bench).
# Prints a RESULT line a scenario and round, then RATIO lines (medians over the rounds), and writes
# them to bench/results/postgres.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA="$ROOT/bench/lua"
DURATION="${BENCH_DURATION:-10s}"
[[ "$DURATION" =~ ^[0-9]+$ ]] && DURATION="${DURATION}s"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
ROUNDS="${BENCH_ROUNDS:-2}"
TOKENS="${BENCH_INTROSPECT_TOKENS:-2000}"
say() { printf '==> %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

for tool in wrk curl python3; do command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk curl python3)"; done
cd "$ROOT"
if [ $# -ge 1 ]; then
    BIN="$1"
else
    say "building claimdeck (release, --scratch-path .build-bench)"
    swift build -c release --scratch-path .build-bench --product claimdeck
    BIN="$(swift build -c release --scratch-path .build-bench --show-bin-path)/claimdeck"
fi
[ -x "$BIN" ] || die "no binary at $BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/claimdeck-bench-pg.XXXXXX")"
PIDS=()
PG_DIR=""
AUTOGROUP=/proc/sys/kernel/sched_autogroup_enabled
AUTOGROUP_WAS=""
cleanup() {
    [ -n "$AUTOGROUP_WAS" ] && echo "$AUTOGROUP_WAS" >"$AUTOGROUP" 2>/dev/null
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "$PG_DIR" ] && "$ROOT/.ci/postgres" stop "$PG_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT

# The kernel's autogroup scheduling gives each session an equal share of the CPU: pg_ctl starts the
# server in a session of its own, so on these 2 cores its ~40 backends shared one group against the
# nodes and wrk, and statements stalled for up to seconds (measured 2026-12-07: two-node
# introspection p99 600-1,300 ms with it on, 23-29 ms with it off, same binary). A PostgreSQL on its
# own machine, as in production, has no such neighbour, so the bench turns it off for its run
# (BENCH_AUTOGROUP=keep leaves it) and restores it on exit.
if [ "${BENCH_AUTOGROUP:-off}" = off ] && [ -w "$AUTOGROUP" ] && [ "$(cat "$AUTOGROUP")" != 0 ]; then
    AUTOGROUP_WAS="$(cat "$AUTOGROUP")"
    echo 0 >"$AUTOGROUP"
    say "kernel autogroup scheduling off for this run (was $AUTOGROUP_WAS)"
fi

say "starting PostgreSQL (fsync on)"
PG="$(PG_FSYNC=on "$ROOT/.ci/postgres" start)"
PG_DIR="$(head -n 1 <<<"$PG")"
PG_SERVER="$(tail -n 1 <<<"$PG")"
psql "$PG_SERVER" -q -c "CREATE DATABASE bench" >/dev/null
PG_URL="${PG_SERVER%/postgres}/bench"
export CLAIMDECK_MASTER_KEY="$(head -c 32 /dev/urandom | base64)"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# start_node NAME DB [--demo]: starts a server, waits for /healthz, sets PORT_<NAME>.
start_node() {
    local name=$1 db=$2 port; shift 2
    port="$(free_port)"
    "$BIN" serve --db "$db" --host 127.0.0.1 --port "$port" --log-level error "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    for i in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
        [ "$i" -eq 600 ] && { cat "$WORK/$name.log" >&2; die "node $name did not answer /healthz within 60 s"; }
        sleep 0.1
    done
    printf -v "PORT_$name" '%s' "$port"
}
start_node sqlite "$WORK/bench.db" --demo
start_node pg1 "$PG_URL" --demo
start_node pg2 "$PG_URL"

# issue FILE PORT: TOKENS partner-portal opaque tokens into FILE over one keep-alive connection.
issue() {
    python3 - "$1" "$2" "$TOKENS" <<'PY'
import http.client, json, sys
out, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
with open(out, "w") as f:
    for _ in range(count):
        conn.request("POST", "/sms/token", "grant_type=client_credentials&client_id=partner-portal&client_secret=partner-demo-secret",
                     {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit(f"token request answered {r.status}: {body[:200]!r}")
        f.write(json.loads(body)["access_token"] + "\n")
PY
}
say "issuing $TOKENS opaque tokens on SQLite and on PostgreSQL for introspection"
issue "$WORK/tokens-sqlite.txt" "$PORT_sqlite"
issue "$WORK/tokens-pg.txt" "$PORT_pg1"

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
RESULTS="$WORK/results.txt"
# load CONFIG SCENARIO: wrk on the configuration's node(s); appends "CONFIG SCENARIO rps p99 non200".
load() {
    local config=$1 scenario=$2 script args=() ports=()
    case "$scenario" in
        cc) script=token_jwt.lua ;;
        introspect) script=introspect.lua ;;
    esac
    case "$config" in
        sqlite) ports=("$PORT_sqlite"); [ "$scenario" = introspect ] && args=(-- "$WORK/tokens-sqlite.txt") ;;
        pg1) ports=("$PORT_pg1"); [ "$scenario" = introspect ] && args=(-- "$WORK/tokens-pg.txt") ;;
        pg2) ports=("$PORT_pg1" "$PORT_pg2"); [ "$scenario" = introspect ] && args=(-- "$WORK/tokens-pg.txt") ;;
    esac
    local n=${#ports[@]} i=0 wpids=()
    for port in "${ports[@]}"; do
        wrk -t$((2 / n)) -c$((CONNECTIONS / n)) -d"$DURATION" --latency -s "$LUA/$script" "http://127.0.0.1:$port" "${args[@]}" \
            >"$WORK/wrk-$i.txt" 2>&1 &
        wpids+=($!)
        i=$((i + 1))
    done
    for pid in "${wpids[@]}"; do wait "$pid" || die "wrk failed ($config $scenario): $(cat "$WORK"/wrk-*.txt)"; done
    local rps=0 p99=0 non200=0 line
    for j in $(seq 0 $((n - 1))); do
        line="$(grep '^BENCH_RESULT' "$WORK/wrk-$j.txt")" || die "no BENCH_RESULT ($config $scenario): $(cat "$WORK/wrk-$j.txt")"
        rps="$(awk -v a="$rps" -v b="$(field rps "$line")" 'BEGIN { printf "%.1f", a + b }')"
        p99="$(awk -v a="$p99" -v b="$(field p99_ms "$line")" 'BEGIN { printf "%.2f", (b > a ? b : a) }')"
        non200=$((non200 + $(field non200 "$line")))
    done
    printf 'RESULT round %s  %-6s %-10s %9s req/s   p99 %7s ms   non-200 %s\n' "$round" "$config" "$scenario" "$rps" "$p99" "$non200"
    echo "$config $scenario $rps $p99 $non200" >>"$RESULTS"
}

say "autogroup scheduling: $(cat "$AUTOGROUP" 2>/dev/null || echo unknown)"
say "machine: $(nproc) cores, load average $(uptime | sed 's/.*load average: //')"
say "warm-up"
round=0
for config in sqlite pg1 pg2; do DURATION=3s load "$config" cc >/dev/null; done
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
    for config in sqlite pg1 pg2; do
        load "$config" cc
        load "$config" introspect
    done
done

SUMMARY="$(python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def med(config, scenario, i):
    return statistics.median(float(r[i]) for r in rows if r[0] == config and r[1] == scenario)
for s in ("cc", "introspect"):
    for c in ("sqlite", "pg1", "pg2"):
        print(f"MEDIAN {c:6} {s:10} {med(c, s, 2):9.1f} req/s   p99 {med(c, s, 3):7.2f} ms")
for s in ("cc", "introspect"):
    print(f"RATIO {s} one node PostgreSQL / SQLite     {med('pg1', s, 2) / med('sqlite', s, 2):.2f}")
    print(f"RATIO {s} two nodes / one node PostgreSQL  {med('pg2', s, 2) / med('pg1', s, 2):.2f}")
print("NON-200", sum(int(r[4]) for r in rows))
PY
)"
echo "$SUMMARY"
mkdir -p "$ROOT/bench/results"
{
    echo "# bench/postgres.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "$(nproc) cores; $DURATION a scenario, $CONNECTIONS connections, $ROUNDS rounds"
    echo '```'
    cat "$RESULTS"
    echo "$SUMMARY"
    echo '```'
} >"$ROOT/bench/results/postgres.md"
