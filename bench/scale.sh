#!/usr/bin/env bash
# The store at scale (issue 13 item 4): client_credentials and introspection on a store holding
# SCALE_TOKENS tokens (default 10,000,000) against the same on an empty store, in one run, the two
# databases taking turns; resident memory idle and under load; the database's bytes per token.
#
#   bash bench/scale.sh                       # 10M tokens, 2 rounds, 10 s a scenario
#   SCALE_TOKENS=1000000 SCALE_ROUNDS=3 bash bench/scale.sh
#
# Then retention (item 5): SCALE_PRUNE_TOKENS (default 1,000,000; 0 skips) tokens that expired 8 days
# ago, past the default 7-day retention, seeded into another copy; the server's janitor deletes them
# in batches from its start while client_credentials runs, and again once they are gone: the p99 of
# the two, in one run.
#
# Seeding copies one real token row of the demo (every column as the server wrote it) under new ids
# and random digests, in SQL, so it follows the schema whatever its version. 10M rows take a few
# minutes and about 4 GB of disk. Run it on an idle machine: see bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA="$ROOT/bench/lua"
TOKENS="${SCALE_TOKENS:-10000000}"
ROUNDS="${SCALE_ROUNDS:-2}"
PRUNE_TOKENS="${SCALE_PRUNE_TOKENS:-1000000}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'scale: %s\n' "$*" >&2; exit 1; }
for tool in wrk sqlite3 curl python3; do command -v "$tool" >/dev/null || die "needs $tool (apt-get install -y $tool)"; done

cd "$ROOT"
if [ -n "${BENCH_BIN:-}" ]; then
    BIN="$BENCH_BIN"  # a given binary instead of a build
else
    say "building claimdeck (release, --scratch-path .build-bench)"
    swift build -c release --scratch-path .build-bench --product claimdeck >/dev/null
    BIN="$(swift build -c release --scratch-path .build-bench --show-bin-path)/claimdeck"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/claimdeck-scale.XXXXXX")"
PID=""
cleanup() {
    [ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
rss_kb() { awk "/^$1:/ { print \$2 }" "/proc/$PID/status"; }

start() { # DB
    "$BIN" serve --db "$1" --port "$PORT" --demo --demo-file "$ROOT/data/demo-sms.yaml" --log-level error >"$WORK/server.log" 2>&1 &
    PID=$!
    for i in $(seq 1 600); do
        curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && return
        kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
        sleep 0.1
    done
    die "no answer from $BASE/healthz within 60 s"
}
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

say "an empty store (the demo tenant only), and $TOKENS tokens seeded into a copy of it"
start "$WORK/empty.db"
curl -fsS -o /dev/null -u billing-service:billing-demo-secret -d grant_type=client_credentials "$BASE/sms/token"
: >"$WORK/tokens.txt"
for _ in $(seq 1 500); do
    curl -fsS -d grant_type=client_credentials -d client_id=partner-portal -d client_secret=partner-demo-secret "$BASE/sms/token" \
        | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' >>"$WORK/tokens.txt"
    echo >>"$WORK/tokens.txt"  # the answer has no final newline, so neither has sed's line
done
stop
sqlite3 "$WORK/empty.db" 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM;' >/dev/null
cp "$WORK/empty.db" "$WORK/full.db"
cp -p "$WORK/empty.db.master-key" "$WORK/full.db.master-key"  # the copy's signing keys are sealed under it
COLUMNS="$(sqlite3 "$WORK/full.db" "SELECT group_concat(name, ',') FROM pragma_table_info('tokens')")"
TEMPLATE="$(sqlite3 "$WORK/full.db" "SELECT id FROM tokens WHERE format = 'opaque' AND kind = 'access' LIMIT 1")"
[ -n "$TEMPLATE" ] || die "no opaque access token to copy"
# seed DB COUNT ID_FORMAT [COLUMN=SQL ...]: COUNT copies of the template row under ids printf(ID_FORMAT, n),
# random digests and no family, the named columns replaced by SQL expressions.
seed() {
    local db=$1 count=$2 idformat=$3; shift 3
    local selects
    selects="$(tr ',' '\n' <<<"$COLUMNS" | while read -r c; do
        local override=""
        for o in "$@"; do [ "${o%%=*}" = "$c" ] && override="${o#*=}"; done
        if [ -n "$override" ]; then echo "$override"; else
            case "$c" in id) echo "printf('$idformat', n)" ;; digest) echo "randomblob(32)" ;; family_id) echo "NULL" ;; *) echo "$c" ;; esac
        fi
    done | paste -sd, -)"
    sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $count)
INSERT INTO tokens ($COLUMNS) SELECT $selects FROM seq, (SELECT * FROM tokens WHERE id = '$TEMPLATE');
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}
[ "$PRUNE_TOKENS" -gt 0 ] && cp "$WORK/full.db" "$WORK/prune.db" && cp -p "$WORK/empty.db.master-key" "$WORK/prune.db.master-key"
T0=$(date +%s)
seed "$WORK/full.db" "$TOKENS" 'seed-%012d' >/dev/null
say "seeded $TOKENS rows in $(( $(date +%s) - T0 )) s"
EMPTY_BYTES="$(stat -c %s "$WORK/empty.db")"; FULL_BYTES="$(stat -c %s "$WORK/full.db")"
PER_TOKEN="$(awk -v a="$EMPTY_BYTES" -v b="$FULL_BYTES" -v n="$TOKENS" 'BEGIN { printf "%.0f", (b - a) / n }')"
echo "    database: empty $EMPTY_BYTES bytes, with $TOKENS tokens $FULL_BYTES bytes: $PER_TOKEN bytes per token (row and indexes)"

declare -A SUM=()
for round in $(seq 1 "$ROUNDS"); do
    for store in empty full; do
        start "$WORK/$store.db"
        sleep 3
        idle="$(rss_kb VmRSS)"
        for scenario in "cc token_jwt.lua" "introspect introspect.lua $WORK/tokens.txt"; do
            read -r name script arg <<<"$scenario"
            out="$(timeout 120 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/$script" "$BASE" ${arg:+-- "$arg"} 2>&1)"
            line="$(grep '^BENCH_RESULT' <<<"$out")" || { echo "$out" >&2; die "wrk failed ($store $name)"; }
            rps="$(field rps "$line")"
            printf 'ROUND %s %-5s %-10s %9s req/s   p99 %7s ms   non-200 %s\n' "$round" "$store" "$name" "$rps" "$(field p99_ms "$line")" "$(field non200 "$line")"
            # A ratio of failures is no measurement: stop at the first wrong answer, with its body.
            if [ "$(field non200 "$line")" != 0 ] || [ "$(field inactive "$line")" != 0 ]; then
                grep '^BENCH_FIRST_ERROR' <<<"$out" >&2 || true
                die "$store $name: $(field non200 "$line") non-200 and $(field inactive "$line") inactive answers"
            fi
            SUM[$store-$name]="$(awk -v a="${SUM[$store-$name]:-0}" -v b="$rps" 'BEGIN { print a + b }')"
        done
        printf 'RSS   %s %-5s idle %s MB, peak under load %s MB\n' "$round" "$store" "$((idle / 1024))" "$(( $(rss_kb VmHWM) / 1024 ))"
        stop
    done
done
for name in cc introspect; do
    printf 'RATIO %-10s %s tokens / empty: %s   (target >= 0.90)\n' "$name" "$TOKENS" \
        "$(awk -v a="${SUM[full-$name]}" -v b="${SUM[empty-$name]}" 'BEGIN { printf "%.3f", a / b }')"
done
echo "BYTES per token: $PER_TOKEN"

if [ "$PRUNE_TOKENS" -gt 0 ]; then
    # Ids below today's (time-ordered ids start "01"), expired 8 days ago: every row is the janitor's.
    EXPIRED="$(( $(date +%s) - 8 * 86400 ))"
    seed "$WORK/prune.db" "$PRUNE_TOKENS" '00SEED%014d' "issued_at=$((EXPIRED - 600))" "expires_at=$EXPIRED" >/dev/null
    left() { sqlite3 "$WORK/prune.db" "SELECT COUNT(*) FROM tokens WHERE id < '01'"; }
    say "retention: $(left) expired tokens past retention; the janitor starts with the server"
    start "$WORK/prune.db"
    out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/token_jwt.lua" "$BASE" 2>&1)"
    during="$(grep '^BENCH_RESULT' <<<"$out")" || { echo "$out" >&2; die "wrk failed (retention)"; }
    remaining="$(left)"
    [ "$remaining" -gt 0 ] || echo "    warning: the janitor finished within the measurement; raise SCALE_PRUNE_TOKENS"
    for _ in $(seq 1 1200); do [ "$(left)" = 0 ] && break; sleep 1; done
    [ "$(left)" = 0 ] || die "the janitor did not finish within 20 minutes"
    out="$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/token_jwt.lua" "$BASE" 2>&1)"
    after="$(grep '^BENCH_RESULT' <<<"$out")" || { echo "$out" >&2; die "wrk failed (retention, after)"; }
    stop
    printf 'PRUNE while deleting: %s req/s, p99 %s ms (%s of %s rows still to delete at its end)\n' \
        "$(field rps "$during")" "$(field p99_ms "$during")" "$remaining" "$PRUNE_TOKENS"
    printf 'PRUNE after:          %s req/s, p99 %s ms\n' "$(field rps "$after")" "$(field p99_ms "$after")"
    printf 'RATIO p99 while deleting / after: %s   (target <= 2)\n' \
        "$(awk -v a="$(field p99_ms "$during")" -v b="$(field p99_ms "$after")" 'BEGIN { printf "%.2f", a / b }')"
fi
