#!/usr/bin/env bash
# Claimdeck benchmark: a release build of `claimdeck serve --demo` on a fresh SQLite file, loaded by
# wrk on loopback. Prints req/s, p50 and p99 latency and the non-200 count of each scenario, then
# the database size and row counts, and writes the table to bench/results/latest.md.
#
#   bash bench/run.sh                                   # 2 threads, 64 connections, 10 s a scenario
#   BENCH_DURATION=30s BENCH_CONNECTIONS=128 bash bench/run.sh
#
# Environment (all optional):
#   BENCH_DURATION           wrk duration of each measured scenario (default 10s; "30" means 30s)
#   BENCH_CONNECTIONS        wrk connections (default 64)
#   BENCH_THREADS            wrk threads (default 2)
#   BENCH_WARMUP             warm-up seconds before the first scenario (default 3)
#   BENCH_INTROSPECT_TOKENS  opaque tokens issued for the introspection scenario (default 2000)
#   BENCH_REVOKE_TOKENS      opaque tokens issued for the revocation scenario (default 20000)
#   BENCH_KEEP=1             keep the temporary directory (database, server log) instead of deleting it
#   BENCH_FLOOR=0            skip the floor (bench/floor) and the RATIO lines against it
#   BENCH_ROUNDS             rounds of the floor comparison, each scenario taking turns (default 2)
#   BENCH_BIN                a claimdeck binary to measure instead of building one
#   BENCH_DPOP_PROOFS        DPoP proofs written for the token-dpop scenario (default 150000; 0 skips it)
#   BENCH_PROFILE=1          after the floor rounds, perf-profile each of their scenarios and print
#                            its CPU budget per request (bench/budget.py; needs perf)
# See bench/README.md for what each scenario measures and how to read the output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA="$ROOT/bench/lua"
RESULTS="$ROOT/bench/results"
RAW="$RESULTS/latest"

DURATION="${BENCH_DURATION:-10s}"
[[ "$DURATION" =~ ^[0-9]+$ ]] && DURATION="${DURATION}s"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
WARMUP="${BENCH_WARMUP:-3}"
INTROSPECT_TOKENS="${BENCH_INTROSPECT_TOKENS:-2000}"
REVOKE_TOKENS="${BENCH_REVOKE_TOKENS:-20000}"
FLOOR="${BENCH_FLOOR:-1}"
ROUNDS="${BENCH_ROUNDS:-2}"
PROFILE="${BENCH_PROFILE:-0}"
DPOP_PROOFS="${BENCH_DPOP_PROOFS:-150000}"
# Targets of issue 2 (2 cores, every token persisted and audited, 64 connections).
TARGET_JWT_RPS=10000
TARGET_INTROSPECT_RPS=20000
TARGET_P99_MS=20

say() { printf '==> %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools: wrk, sqlite3 and curl from apt when missing.
apt_install() {
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "need root or sudo to apt-get install $*"
        sudo="sudo"
    fi
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq "$@" >/dev/null \
        || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@" >/dev/null; } \
        || die "apt-get install $* failed"
}
for tool in wrk sqlite3 curl; do
    command -v "$tool" >/dev/null || apt_install "$tool"
done

# ---------------------------------------------------------------------------------------------
# Release build in its own scratch path, so it never fights the developers' debug build in .build/.
cd "$ROOT"
if [ -n "${BENCH_BIN:-}" ]; then
    BIN="$BENCH_BIN"
else
    say "building claimdeck (release, --scratch-path .build-bench)"
    swift build -c release --scratch-path .build-bench --product claimdeck
    BIN="$(swift build -c release --scratch-path .build-bench --show-bin-path)/claimdeck"
fi
[ -x "$BIN" ] || die "no binary at $BIN"
if [ "$FLOOR" = 1 ]; then
    # The floor (bench/floor): its own package, so its build never slows the product's.
    say "building the floor (bench/floor, release; the first build takes 15 to 25 minutes on 2 cores)"
    (cd "$ROOT/bench/floor" && swift build -c release --product floor) >/dev/null || die "the floor did not build: cd bench/floor && swift build -c release"
    FLOOR_BIN="$(cd "$ROOT/bench/floor" && swift build -c release --show-bin-path)/floor"
fi

# ---------------------------------------------------------------------------------------------
# Fresh database in a temporary directory; the server on a free loopback port.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/claimdeck-bench.XXXXXX")"
DB="$WORK/bench.db"
SERVER_PID=""
FLOOR_PID=""
cleanup() {
    if [ -n "$FLOOR_PID" ]; then kill -TERM "$FLOOR_PID" 2>/dev/null || true; wait "$FLOOR_PID" 2>/dev/null || true; fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" = "1" ]; then
        echo "kept $WORK (database, server log, token files)"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "no free port found"
}
PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"

LOAD_BEFORE="$(uptime | sed 's/.*load average: //')"
say "machine: $(nproc) cores, load average $LOAD_BEFORE"
if awk -v l="${LOAD_BEFORE%%,*}" 'BEGIN { exit !(l > 1.0) }'; then
    echo "    warning: the machine is not idle (1-minute load above 1); figures may be noisy"
fi

say "starting $BIN serve --db $DB --port $PORT --demo"
"$BIN" serve --db "$DB" --host 127.0.0.1 --port "$PORT" --demo --demo-file "$ROOT/data/demo-sms.yaml" \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 300); do
    curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited before answering /healthz"; }
    [ "$i" -eq 300 ] && { cat "$WORK/server.log" >&2; die "no answer from $BASE/healthz within 30 s"; }
    sleep 0.1
done
sed 's/^/    server: /' "$WORK/server.log"

# One request of each kind by curl first, so a broken set-up fails here with the server's own words.
check_200() { # NAME, curl arguments...
    local name=$1; shift
    local body code
    body="$(curl -sS -w '\n%{http_code}' "$@")"
    code="${body##*$'\n'}"
    [ "$code" = "200" ] || die "sanity check '$name' answered $code: ${body%$'\n'*}"
    printf '%s' "${body%$'\n'*}"
}
JWT_ANSWER="$(check_200 token-jwt -u billing-service:billing-demo-secret -d grant_type=client_credentials "$BASE/sms/token")"
JWT="$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$JWT_ANSWER")"
[ "$(tr -cd . <<<"$JWT" | wc -c)" -eq 2 ] || die "billing-service did not get a JWT: $JWT_ANSWER"
OPAQUE_ANSWER="$(check_200 token-opaque -d grant_type=client_credentials -d client_id=partner-portal \
    -d client_secret=partner-demo-secret "$BASE/sms/token")"
OPAQUE="$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$OPAQUE_ANSWER")"
[ -n "$OPAQUE" ] || die "partner-portal did not get a token: $OPAQUE_ANSWER"
check_200 introspect -u api-gateway:gateway-demo-secret --data-urlencode "token=$OPAQUE" "$BASE/sms/introspect" \
    | grep -q '"active":true' || die "introspection of a fresh opaque token is not active"
check_200 revoke -d client_id=partner-portal -d client_secret=partner-demo-secret --data-urlencode "token=$OPAQUE" \
    "$BASE/sms/revoke" >/dev/null
b64url_decode() { local s; s="$(tr '_-' '/+' <<<"$1")"; while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; base64 -d <<<"$s" 2>/dev/null || true; }
say "sanity checks passed; JWT header: $(b64url_decode "$(cut -d. -f1 <<<"$JWT")")"

# ---------------------------------------------------------------------------------------------
# Measurement.
rm -rf "$RAW"
mkdir -p "$RAW"
CLK_TCK="$(getconf CLK_TCK)"
server_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
# The machine-wide cpu line of /proc/stat: user nice system idle iowait irq softirq steal.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6, $9 }' /proc/stat; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

ISSUED_OK=0     # 200 answers of the token endpoint seen by wrk (warm-up, scenarios, preparation)
ROWS_MD=""
ALL_TARGETS_MET=1

# run_wrk NAME SCRIPT DURATION CONNECTIONS [script args...]: sets RESULT_LINE, R_SERVER_CPU, R_WRK_CPU,
# R_IDLE and R_STEAL (percent of the machine's CPU time that was idle, or taken by the hypervisor).
run_wrk() {
    local name=$1 script=$2 duration=$3 connections=$4; shift 4
    local out="$RAW/$name.txt" t0 t1 times m0 m1
    local -a extra=()
    [ $# -gt 0 ] && extra=(-- "$@")
    m0="$(machine_ticks)"
    t0="$(server_cpu_ticks)"
    # WRK_BASE: another server than Claimdeck (the floor).
    if ! { TIMEFORMAT='%R %U %S'; time wrk -t"$THREADS" -c"$connections" -d"$duration" --latency \
            -s "$LUA/$script" "${WRK_BASE:-$BASE}" "${extra[@]}" >"$out" 2>&1; } 2>"$out.time"; then
        cat "$out" >&2
        die "wrk failed in scenario $name"
    fi
    t1="$(server_cpu_ticks)"
    m1="$(machine_ticks)"
    R_IDLE="$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[2] - x[2]) / (y[1] - x[1]) }')"
    R_STEAL="$(awk -v a="$m0" -v b="$m1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f", 100 * (y[3] - x[3]) / (y[1] - x[1]) }')"
    RESULT_LINE="$(grep '^BENCH_RESULT' "$out" || true)"
    [ -n "$RESULT_LINE" ] || { cat "$out" >&2; die "no BENCH_RESULT line from wrk in scenario $name"; }
    times="$(tail -n1 "$out.time")"
    R_SERVER_CPU="$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v t="$times" \
        'BEGIN { split(t, x, " "); printf "%.2f", (b - a) / hz / x[1] }')"
    R_WRK_CPU="$(awk -v t="$times" 'BEGIN { split(t, x, " "); printf "%.2f", (x[2] + x[3]) / x[1] }')"
}

# measure NAME SCRIPT [script args...]: one measured scenario, its summary line and table row.
measure() {
    local name=$1 script=$2; shift 2
    say "scenario $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -s bench/lua/$script"
    run_wrk "$name" "$script" "$DURATION" "$CONNECTIONS" "$@"
    local rps p50 p99 non200 statuses sockerr timeouts inactive ok target="p99 < ${TARGET_P99_MS} ms" met=1
    rps="$(field rps "$RESULT_LINE")"; p50="$(field p50_ms "$RESULT_LINE")"; p99="$(field p99_ms "$RESULT_LINE")"
    ok="$(field ok "$RESULT_LINE")"; non200="$(field non200 "$RESULT_LINE")"; statuses="$(field statuses "$RESULT_LINE")"
    sockerr="$(field socket_errors "$RESULT_LINE")"; timeouts="$(field timeouts "$RESULT_LINE")"
    inactive="$(field inactive "$RESULT_LINE")"
    case "$name" in
        token-jwt) target=">= $TARGET_JWT_RPS/s, $target"
            awk -v r="$rps" -v t="$TARGET_JWT_RPS" 'BEGIN { exit !(r >= t) }' || met=0 ;;
        introspect) target=">= $TARGET_INTROSPECT_RPS/s, $target"
            awk -v r="$rps" -v t="$TARGET_INTROSPECT_RPS" 'BEGIN { exit !(r >= t) }' || met=0 ;;
    esac
    awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { exit !(p < t) }' || met=0
    [ "$non200" = "0" ] && [ "$sockerr" = "0" ] && [ "$timeouts" = "0" ] || met=0
    case "$name" in token-*) ISSUED_OK=$((ISSUED_OK + ok)) ;; esac
    local verdict="met"
    [ "$met" = 1 ] || { verdict="MISSED"; ALL_TARGETS_MET=0; }
    local notes=""
    [ "$statuses" != "-" ] && notes="statuses $statuses"
    [ "$name" = introspect ] && notes="${notes:+$notes; }inactive answers $inactive"
    if [ "$name" = token-dpop ]; then
        notes="${notes:+$notes; }answers not DPoP-bound $inactive"
        [ "$inactive" = 0 ] || { verdict="MISSED"; ALL_TARGETS_MET=0; }
    fi
    if [ "$name" = revoke ]; then
        local total wrapped
        total="$(field requests "$RESULT_LINE")"
        wrapped=$(( total > REVOKE_TOKENS ? total - REVOKE_TOKENS : 0 ))
        notes="${notes:+$notes; }$REVOKE_TOKENS tokens, $wrapped requests re-revoked an already revoked token"
    fi
    printf 'RESULT %-13s %9s req/s   p50 %7s ms   p99 %7s ms   non-200 %s   socket errors %s, timeouts %s   CPU server %s / wrk %s cores, idle %s%%, steal %s%%   target %s: %s%s\n' \
        "$name" "$rps" "$p50" "$p99" "$non200" "$sockerr" "$timeouts" "$R_SERVER_CPU" "$R_WRK_CPU" "$R_IDLE" "$R_STEAL" "$target" "$verdict" \
        "${notes:+   ($notes)}"
    if grep -q '^BENCH_FIRST_ERROR' "$RAW/$name.txt"; then
        sed -n 's/^BENCH_FIRST_ERROR /    first error: /p' "$RAW/$name.txt"
    fi
    ROWS_MD+="| $name | $rps | $p50 | $p99 | $non200 | $sockerr / $timeouts | $R_SERVER_CPU / $R_WRK_CPU | $R_IDLE / $R_STEAL | $target: $verdict | ${notes:-} |"$'\n'
}

# issue_tokens COUNT FILE: COUNT partner-portal opaque tokens into FILE (preparation, not measured).
issue_tokens() {
    local count=$1 file=$2 prefix="$WORK/issue.$RANDOM" have=0 wpid
    wrk -t"$THREADS" -c16 -d300s -s "$LUA/issue_opaque.lua" "$BASE" -- "$prefix" "$count" "$THREADS" \
        >"$prefix.log" 2>&1 &
    wpid=$!
    while kill -0 "$wpid" 2>/dev/null; do
        have="$( { cat "$prefix".[0-9]* 2>/dev/null || true; } | wc -l)"
        [ "$have" -ge "$count" ] && break
        sleep 0.2
    done
    kill -INT "$wpid" 2>/dev/null || true
    wait "$wpid" || true
    { cat "$prefix".[0-9]* 2>/dev/null || true; } | head -n "$count" >"$file"
    have="$(wc -l <"$file")"
    [ "$have" -ge "$count" ] || { cat "$prefix.log" >&2; die "issued only $have of $count tokens"; }
    local line ok
    line="$(grep '^BENCH_RESULT' "$prefix.log" || true)"
    ok="$(field ok "$line")"
    ISSUED_OK=$((ISSUED_OK + ${ok:-0}))
    cp "$prefix.log" "$RAW/prepare-$(basename "$file" .txt).txt"
}

say "warm-up: ${WARMUP}s of client_credentials (JWT)"
run_wrk warmup token_jwt.lua "${WARMUP}s" "$CONNECTIONS"
ISSUED_OK=$((ISSUED_OK + $(field ok "$RESULT_LINE")))

measure token-jwt token_jwt.lua
measure token-opaque token_opaque.lua

# Sender-constrained (issue 15): the same grant with a DPoP proof a request, beside the bearer figure.
if [ "$DPOP_PROOFS" -gt 0 ]; then
    python3 -c 'import cryptography' 2>/dev/null || apt_install python3-cryptography
    say "writing $DPOP_PROOFS DPoP proofs (bench/dpop_proofs.py)"
    python3 "$ROOT/bench/dpop_proofs.py" "$BASE/sms/token" "$DPOP_PROOFS" "$WORK/dpop-proofs.txt"
    measure token-dpop token_dpop.lua "$WORK/dpop-proofs.txt" "$THREADS"
fi

say "issuing $INTROSPECT_TOKENS opaque tokens for introspection"
issue_tokens "$INTROSPECT_TOKENS" "$WORK/introspect-tokens.txt"
measure introspect introspect.lua "$WORK/introspect-tokens.txt"

say "issuing $REVOKE_TOKENS opaque tokens for revocation"
issue_tokens "$REVOKE_TOKENS" "$WORK/revoke-tokens.txt"
measure revoke revoke.lua "$WORK/revoke-tokens.txt" "$THREADS"

# ---------------------------------------------------------------------------------------------
# Against the floor, in this run (issue 13): the floor's static GET and mint, Claimdeck's
# client_credentials JWT and introspection taking turns, ROUNDS times; a ratio is the mean of the
# rounds' req/s of one over the other's, the p99 ratio the worst round's.
RATIOS_MD=""
if [ "$FLOOR" = 1 ]; then
    FLOOR_PORT="$(free_port)"
    "$FLOOR_BIN" "$FLOOR_PORT" >"$WORK/floor.log" 2>&1 &
    FLOOR_PID=$!
    FLOOR_BASE="http://127.0.0.1:$FLOOR_PORT"
    for i in $(seq 1 100); do
        curl -fsS -o /dev/null "$FLOOR_BASE/token.json" 2>/dev/null && break
        [ "$i" -eq 100 ] && { cat "$WORK/floor.log" >&2; die "the floor did not answer within 10 s"; }
        sleep 0.1
    done
    curl -fsS -u billing-service:billing-demo-secret -d grant_type=client_credentials "$FLOOR_BASE/token" | grep -q '"access_token"' \
        || die "the floor did not mint a token"
    declare -A RPS_SUM=() P99_WORST=()
    for round in $(seq 1 "$ROUNDS"); do
        for pair in "floor-get floor_get.lua $FLOOR_BASE" "floor-mint floor_mint.lua $FLOOR_BASE" \
            "token-jwt token_jwt.lua $BASE" "introspect introspect.lua $BASE"; do
            read -r name script base <<<"$pair"
            extra=()
            [ "$name" = introspect ] && extra=("$WORK/introspect-tokens.txt")
            WRK_BASE="$base" run_wrk "round$round-$name" "$script" "$DURATION" "$CONNECTIONS" "${extra[@]}"
            rps="$(field rps "$RESULT_LINE")"; p99="$(field p99_ms "$RESULT_LINE")"; non200="$(field non200 "$RESULT_LINE")"
            [ "$non200" = 0 ] || echo "    warning: $name answered $non200 non-200 in round $round"
            printf 'ROUND %s %-11s %9s req/s   p99 %7s ms\n' "$round" "$name" "$rps" "$p99"
            RPS_SUM[$name]="$(awk -v a="${RPS_SUM[$name]:-0}" -v b="$rps" 'BEGIN { print a + b }')"
            P99_WORST[$name]="$(awk -v a="${P99_WORST[$name]:-0}" -v b="$p99" 'BEGIN { print (b > a ? b : a) }')"
        done
    done
    if [ "$PROFILE" = 1 ]; then
        # The CPU budget per request (bench/budget.py): a pass of its own after the rounds, because
        # perf's sampling slows what it watches and would bend the ratios.
        command -v perf >/dev/null || apt_install linux-perf
        for pair in "floor-get floor_get.lua $FLOOR_BASE $FLOOR_PID" "floor-mint floor_mint.lua $FLOOR_BASE $FLOOR_PID" \
            "token-jwt token_jwt.lua $BASE $SERVER_PID" "introspect introspect.lua $BASE $SERVER_PID"; do
            read -r name script base pid <<<"$pair"
            extra=()
            [ "$name" = introspect ] && extra=("$WORK/introspect-tokens.txt")
            perf record -q -F 999 -g -p "$pid" -o "$RAW/$name.perf" >/dev/null 2>&1 &
            perf_pid=$!
            sleep 0.5
            WRK_BASE="$base" run_wrk "profile-$name" "$script" "$DURATION" "$CONNECTIONS" "${extra[@]}"
            kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
            say "CPU budget of $name ($(field rps "$RESULT_LINE") req/s while profiled)"
            perf script -i "$RAW/$name.perf" 2>/dev/null | swift demangle --simplified \
                | python3 "$ROOT/bench/budget.py" "$(field requests "$RESULT_LINE")" | tee "$RAW/budget-$name.md"
        done
    fi
    ratio() { awk -v a="${RPS_SUM[$1]}" -v b="${RPS_SUM[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
    check() { awk -v r="$1" -v t="$2" -v d="$3" 'BEGIN { if ((d == ">=" && r >= t) || (d == "<=" && r <= t)) print "met"; else print "MISSED" }'; }
    R_CC="$(ratio token-jwt floor-mint)"; R_IN="$(ratio introspect floor-get)"
    R_P99="$(awk -v a="${P99_WORST[token-jwt]}" -v b="${P99_WORST[floor-mint]}" 'BEGIN { printf "%.2f", a / b }')"
    say "against the floor ($ROUNDS rounds)"
    printf 'RATIO claimdeck cc / floor mint          %s   (target >= 0.75: %s)\n' "$R_CC" "$(check "$R_CC" 0.75 ">=")"
    printf 'RATIO claimdeck introspect / floor GET   %s   (target >= 0.5: %s)\n' "$R_IN" "$(check "$R_IN" 0.5 ">=")"
    printf 'RATIO p99 claimdeck cc / floor mint      %s   (target <= 2: %s; worst round %s ms / %s ms)\n' \
        "$R_P99" "$(check "$R_P99" 2 "<=")" "${P99_WORST[token-jwt]}" "${P99_WORST[floor-mint]}"
    RATIOS_MD="Against the floor (bench/floor, $ROUNDS rounds taking turns): cc / floor mint **$R_CC** (target 0.75),"
    RATIOS_MD+=" introspect / floor GET **$R_IN** (target 0.5), p99 cc / floor mint **$R_P99** (target 2;"
    RATIOS_MD+=" ${P99_WORST[token-jwt]} ms / ${P99_WORST[floor-mint]} ms). Mean req/s: floor GET"
    RATIOS_MD+=" $(awk -v a="${RPS_SUM[floor-get]}" -v n="$ROUNDS" 'BEGIN { printf "%.0f", a / n }'), floor mint"
    RATIOS_MD+=" $(awk -v a="${RPS_SUM[floor-mint]}" -v n="$ROUNDS" 'BEGIN { printf "%.0f", a / n }') (this run's figures only)."
    kill -TERM "$FLOOR_PID" 2>/dev/null || true
    wait "$FLOOR_PID" 2>/dev/null || true
    FLOOR_PID=""
fi

# ---------------------------------------------------------------------------------------------
# Database after the run: size and rows (read beside the running server, as WAL allows).
file_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
human() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
DB_BYTES="$(file_size "$DB")"; WAL_BYTES="$(file_size "$DB-wal")"; SHM_BYTES="$(file_size "$DB-shm")"
TOTAL_BYTES=$((DB_BYTES + WAL_BYTES))
sql() { sqlite3 -cmd '.timeout 10000' "$DB" "$@"; }
TOKENS="$(sql 'SELECT count(*) FROM tokens;')"
TOKENS_BY_FORMAT="$(sql "SELECT format || ' ' || count(*) || CASE WHEN sum(revoked_at IS NOT NULL) > 0 THEN ' (' || sum(revoked_at IS NOT NULL) || ' revoked)' ELSE '' END FROM tokens GROUP BY format ORDER BY format;" | paste -sd, - | sed 's/,/, /g')"
AUDIT="$(sql 'SELECT count(*) FROM audit_events;')"
AUDIT_BY_TYPE="$(sql "SELECT type || '/' || outcome || ' ' || count(*) FROM audit_events GROUP BY type, outcome ORDER BY count(*) DESC;" | paste -sd, - | sed 's/,/, /g')"
BYTES_PER_TOKEN="$(awk -v b="$TOTAL_BYTES" -v t="$TOKENS" -v a="$AUDIT" 'BEGIN { if (t + a > 0) printf "%.0f", b / (t + a); else print "-" }')"

say "database after the run"
echo "    size: $TOTAL_BYTES bytes ($(human "$TOTAL_BYTES")) = db $DB_BYTES + WAL $WAL_BYTES (shm $SHM_BYTES not counted)"
echo "    tokens: $TOKENS rows ($TOKENS_BY_FORMAT); token endpoint 200 answers seen by wrk: $ISSUED_OK"
echo "    audit_events: $AUDIT rows ($AUDIT_BY_TYPE)"
echo "    about $BYTES_PER_TOKEN bytes per row (tokens + audit events)"

say "stopping the server"
kill -TERM "$SERVER_PID"
for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "    the server did not stop within 10 s of SIGTERM; killing it"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
fi
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
AFTER_DB="$(file_size "$DB")"; AFTER_WAL="$(file_size "$DB-wal")"
AFTER_BYTES=$((AFTER_DB + AFTER_WAL))
echo "    size after shutdown: $AFTER_BYTES bytes ($(human "$AFTER_BYTES")) = db $AFTER_DB + WAL $AFTER_WAL"
cp "$WORK/server.log" "$RAW/server.log"

# ---------------------------------------------------------------------------------------------
# The engine and its store without HTTP: how much of a token's cost is ours, how much the HTTP stack's.
ENGINE_LINE="not measured (BENCH_BIN was given)"
if [ -z "${BENCH_BIN:-}" ]; then
    say "engine without HTTP (EngineBench, 64 concurrent callers, 5 s)"
    swift build -c release --scratch-path .build-bench --product EngineBench >/dev/null
    ENGINE_LINE="$("$(swift build -c release --scratch-path .build-bench --show-bin-path)/EngineBench" token 64 5)"
    echo "    $ENGINE_LINE"
fi

# ---------------------------------------------------------------------------------------------
# bench/results/latest.md
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet HEAD -- Sources Package.swift 2>/dev/null || COMMIT="$COMMIT + uncommitted changes"
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
LOAD_AFTER="$(uptime | sed 's/.*load average: //')"
mkdir -p "$RESULTS"
{
    echo "# Claimdeck benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $COMMIT"
    echo "- machine: $(nproc) cores ($CPU_MODEL); load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "- load: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency on loopback, release build, fresh SQLite file (WAL, synchronous=FULL)"
    echo
    echo "| scenario | req/s | p50 ms | p99 ms | non-200 | socket errors / timeouts | CPU cores server / wrk | machine idle / steal % | target | notes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    printf '%s' "$ROWS_MD"
    echo
    echo "Database after the run: $TOTAL_BYTES bytes ($(human "$TOTAL_BYTES")) = db $DB_BYTES + WAL $WAL_BYTES;" \
         "after shutdown $AFTER_BYTES bytes ($(human "$AFTER_BYTES")) = db $AFTER_DB + WAL $AFTER_WAL."
    echo "tokens: $TOKENS rows ($TOKENS_BY_FORMAT); the token endpoint answered 200 to wrk $ISSUED_OK times" \
         "(warm-up, scenarios and token preparation)."
    echo "audit_events: $AUDIT rows ($AUDIT_BY_TYPE)."
    echo
    echo "Without HTTP: $ENGINE_LINE."
    [ -n "$RATIOS_MD" ] && { echo; echo "$RATIOS_MD"; }
    echo
    echo "Raw wrk output: bench/results/latest/. Command: \`bash bench/run.sh\`."
} >"$RESULTS/latest.md"
say "summary written to bench/results/latest.md"
echo
cat "$RESULTS/latest.md"
if [ "$ALL_TARGETS_MET" = 1 ]; then
    echo
    echo "All targets met."
else
    echo
    echo "Some targets were missed (see the target column)."
fi
