#!/usr/bin/env bash
# Sender-constrained tokens over TLS (issue 15): client_credentials with mutual TLS (RFC 8705,
# tls_client_auth, certificate-bound JWTs) beside bearer client_credentials over the same server's
# plain TLS listener, in one run: keep-alive connections, and a new TLS connection a request.
#
#   bash bench/mtls.sh [path/to/release/claimdeck]
#   BENCH_REQUESTS=20000 BENCH_CONNECTIONS=64 bash bench/mtls.sh
#
# wrk cannot present a client certificate, so the load comes from curl's parallel mode (one curl,
# BENCH_CONNECTIONS transfers at once): its own CPU shares the cores with the server, which is why
# only the ratios within this run mean anything. Certificates (a CA, the server's, the client's) are
# made with openssl for the run. Prints a RESULT line a scenario and the RATIO lines.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUESTS="${BENCH_REQUESTS:-10000}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
say() { printf '==> %s\n' "$*"; }
die() { printf 'mtls: %s\n' "$*" >&2; exit 1; }
for tool in curl openssl python3; do command -v "$tool" >/dev/null || die "needs $tool (apt-get install -y $tool)"; done
cd "$ROOT"
if [ $# -ge 1 ]; then BIN="$1"; else
    say "building claimdeck (release, --scratch-path .build-bench)"
    swift build -c release --scratch-path .build-bench --product claimdeck >/dev/null
    BIN="$(swift build -c release --scratch-path .build-bench --show-bin-path)/claimdeck"
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/claimdeck-mtls.XXXXXX")"
PID=""
cleanup() { [ -n "$PID" ] && { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }; [ "${BENCH_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
cd "$WORK"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=bench CA" -keyout ca.key -out ca.pem 2>/dev/null
for who in server client; do
    subject="/CN=127.0.0.1"; [ "$who" = client ] && subject="/CN=bench-mtls"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" -keyout "$who.key" -out "$who.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >"$who.ext"
    openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile "$who.ext" -out "$who.pem" 2>/dev/null
done

"$BIN" demo load --db b.db --file "$ROOT/data/demo-sms.yaml" >/dev/null
"$BIN" client register --db b.db --tenant sms --id bench-mtls --name "bench mTLS" --auth-method tls_client_auth \
    --tls-subject-dn "CN=bench-mtls" --certificate-bound true --scope status --audience https://api.sms.example/status >/dev/null
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
TLS_PORT="$(port)"; MTLS_PORT="$(port)"
"$BIN" serve --db b.db --port "$TLS_PORT" --log-level error --tls-cert server.pem --tls-key server.key \
    --mtls-port "$MTLS_PORT" --tls-client-ca ca.pem >server.log 2>&1 &
PID=$!
for i in $(seq 1 300); do
    curl -fsS -o /dev/null --cacert ca.pem "https://127.0.0.1:$TLS_PORT/healthz" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat server.log >&2; die "the server exited"; }
    [ "$i" = 300 ] && die "no answer within 30 s"
    sleep 0.1
done

# run NAME PORT CLOSE CURL-ARGS...: REQUESTS token requests, CONNECTIONS at once; prints req/s and the
# non-200 count; CLOSE=1 sends Connection: close (a new TLS handshake a request).
declare -A RATE=()
run() {
    local name=$1 port=$2 close=$3; shift 3
    local url="https://127.0.0.1:$port/sms/token" cfg="$name.curl" t0 t1
    : >"$cfg"
    # -o is per URL in curl: each URL of the config gets its own.
    for _ in $(seq 1 "$REQUESTS"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$cfg"; done
    local -a extra=()
    local parallel="$CONNECTIONS"
    # curl's parallel mode loses 6-10 % of its transfers ("Connection died") when 8 or more run at once
    # and the server closes every TLS connection, whatever the server: wrk over TLS with Connection:
    # close at 16 connections loses none. So a new connection a request runs 4 at once.
    [ "$close" = 1 ] && { extra=(-H "Connection: close"); parallel=4; }
    t0=$(date +%s.%N)
    curl -sS --no-progress-meter -Z --parallel-max "$parallel" --cacert ca.pem "${extra[@]}" "$@" -w '%{http_code}\n' -K "$cfg" >"$name.codes"
    t1=$(date +%s.%N)
    local bad rate
    bad="$(grep -cv '^200$' "$name.codes" || true)"
    rate="$(awk -v n="$REQUESTS" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')"
    RATE[$name]="$rate"
    printf 'RESULT %-22s %7s req/s   non-200 %s of %s   (%s at once)\n' "$name" "$rate" "$bad" "$REQUESTS" "$parallel"
    [ "$bad" = 0 ] || die "$name: $bad answers were not 200 ($(sort "$name.codes" | uniq -c | head -5 | tr "\n" " " | cut -c1-300))"
}
BEARER=(-u billing-service:billing-demo-secret -d grant_type=client_credentials)
MTLS=(--cert client.pem --key client.key -d grant_type=client_credentials -d client_id=bench-mtls)
say "$REQUESTS requests a scenario (curl -Z)"
run bearer-tls-keepalive "$TLS_PORT" 0 "${BEARER[@]}"
run mtls-keepalive "$MTLS_PORT" 0 "${MTLS[@]}"
run bearer-tls-new-conn "$TLS_PORT" 1 "${BEARER[@]}"
run mtls-new-conn "$MTLS_PORT" 1 "${MTLS[@]}"
ratio() { awk -v a="${RATE[$1]}" -v b="${RATE[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
echo "RATIO mTLS / bearer over TLS, keep-alive:        $(ratio mtls-keepalive bearer-tls-keepalive)"
echo "RATIO mTLS / bearer over TLS, new connection:    $(ratio mtls-new-conn bearer-tls-new-conn)"
# A certificate-bound token says so: cnf.x5t#S256 in the JWT.
answer="$(curl -sS --cacert ca.pem "${MTLS[@]}" "https://127.0.0.1:$MTLS_PORT/sms/token")"
python3 - "$answer" <<'PY'
import base64, json, sys
token = json.loads(sys.argv[1])["access_token"]
payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
assert "x5t#S256" in payload.get("cnf", {}), payload
print("CHECK the mTLS token is certificate-bound: cnf.x5t#S256 present")
PY
