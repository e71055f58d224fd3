#!/usr/bin/env python3
"""The CPU budget per request of a server under load, from `perf script` output (issue 13).

    perf record -F 999 -g -p PID -o perf.data -- sleep 8      # while wrk loads the server
    perf script -i perf.data | swift demangle --simplified | python3 bench/budget.py REQUESTS

REQUESTS is how many requests the server answered while perf recorded (wrk's rate times the
recording's length). Every sample is charged to one part of the work: the first frame, from the
leaf up, that a rule below names; the table gives each part's CPU microseconds per request and its
share; a sample no part names is charged to the threads' machinery. Samples of every thread count (event loops, the cooperative pool, the store's writer), so
the hand-offs between them show as the "scheduling and hand-offs" row, kernel time included.
bench/profile.sh runs the whole thing.
"""
import re
import sys
from collections import Counter

# (part, pattern): the first pattern matching a frame (leaf first) names the sample's part.
RULES = [
    ("fsync (group commit)", r"fdatasync|ext4_sync_file|jbd2|blkdev_issue_flush"),
    ("sign JWT (ES256)", r"P256\.Signing|ecdsa_|ecp_nistz256|CCryptoBoringSSL_ec|JWS\.sign"),
    ("SHA-256 / HMAC", r"CCryptoBoringSSL_sha|SHA256|HMAC"),
    ("audit row and chain", r"AuditWriter|AuditChain|DeferredAudit|AuditAggregator"),
    ("store write (token rows)", r"SQLiteStore\.record|SQLiteStore\.insert|TokenRow\.arguments|GroupCommitWriter|SQLiteStore\.append"),
    ("store read (token lookup)", r"SQLiteStore\.token|DatabasePool\.read|TokenRow\.record|Pool\.get"),
    ("SQLite engine", r"sqlite3"),
    ("client authentication", r"authenticateCaller|ClientAuthenticator|PresentedClientCredentials"),
    ("form parsing", r"FormBody|FormEncoding|FormParameters"),
    ("mint / claims / JSON", r"AccessTokenMinter|TokenResponse\.json|IntrospectionResult|JSONWriter|JSONParser|ClaimResolver"),
    ("engine (other)", r"ClaimdeckEngine|AuthEngine|EngineMetrics"),
    ("routes, middleware, Hummingbird", r"OAuthRoutes|RequestMetricsMiddleware|ErrorMiddleware|Router|Hummingbird|Responder|ClaimdeckRequestContext|Logger|LogHandler"),
    ("HTTP parse and encode (NIO)", r"HTTPDecoder|HTTPResponseEncoder|HTTP1ToHTTPServerCodec|llhttp|BetterHTTPParser|HTTPServerPipelineHandler|HTTPConnectionStateHandler"),
    ("socket I/O (syscalls, TCP)", r"writev|readFromSocket|writeToSocket|tcp_|sock_|ip_|__x64_sys_read|__x64_sys_write|net_rx|__napi|skb"),
    ("NIO channel pipeline", r"ChannelPipeline|ChannelHandlerContext|ByteBuffer|ByteToMessageHandler|NIOSSL|ConnectionGuardHandler|RequestPartWatcher"),
]
# Only when no frame of a sample names a part above: the threads' own machinery.
MACHINERY = [
    ("scheduling and hand-offs", r"futex|schedule|finish_task_switch|epoll|eventfd|swift_task_|swift_job_run|_dispatch|Selector|NIOAsync|AsyncSequenceProducer|NIOAsyncWriter|EventLoop|pthread_cond|Continuation|TaskExecutor"),
    ("Swift runtime (metadata, casts)", r"swift::|_swift_getGenericMetadata|swift_getTypeByMangledName|swift_dynamicCast|tryCast"),
]
COMPILED = [(part, re.compile(pattern)) for part, pattern in RULES]
MACHINERY_COMPILED = [(part, re.compile(pattern)) for part, pattern in MACHINERY]
OTHER = "other (allocation, retain/release outside any part)"


def parts(stream):
    sample, frames = False, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if sample:
                yield frames
            sample, frames = False, []
        elif not line.startswith((" ", "\t")):
            sample, frames = True, []
        else:
            # "    addr symbol+off (dso)": keep the symbol and the dso
            frames.append(line.strip().split(" ", 1)[-1])
    if sample:
        yield frames


def charge(frames):
    for rules in (COMPILED, MACHINERY_COMPILED):
        for frame in frames:
            for part, rule in rules:
                if rule.search(frame):
                    return part
    return OTHER


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: perf script ... | python3 bench/budget.py REQUESTS [SAMPLE_HZ]")
    requests = float(sys.argv[1])
    hz = float(sys.argv[2]) if len(sys.argv) > 2 else 999.0
    counts = Counter(charge(frames) for frames in parts(sys.stdin))
    total = sum(counts.values())
    if total == 0 or requests <= 0:
        sys.exit("budget: no samples or no requests")
    print(f"| part of the work | CPU µs per request | share |")
    print(f"| --- | ---: | ---: |")
    order = [part for part, _ in RULES + MACHINERY] + [OTHER]
    for part in order:
        if counts[part]:
            us = counts[part] / hz / requests * 1e6
            print(f"| {part} | {us:.1f} | {100 * counts[part] / total:.0f} % |")
    print(f"| **total** | **{total / hz / requests * 1e6:.1f}** | 100 % |")


if __name__ == "__main__":
    main()
