// console-bench: the console's screens under load, without a terminal (frames go to a headless
// device; the loop, screens, jobs and store reads are the real ones).
//
//   console-bench audit [events per second = 5000] [seconds = 10]
//       A second process appends audit events to the store at the given rate while the console's
//       audit screen tails them at 30 frames/s. Reports how far behind the tail falls and how much
//       CPU the console process uses (user + system time over wall time: 1.0 = one core).
//   console-bench tokens [tokens = 1000000]
//       Fills a store with that many tokens, then times opening the tokens screen (first page queried,
//       delivered and drawn), with filters, and paging deep.
//   console-bench writer <db> <rate> <seconds>      (the audit writer process; used by `audit`)
import AuthEngine
import ConsoleUI
import Foundation
import JOSE
import SQLiteStore
import Synchronization
import TenantYAML

let args = Array(CommandLine.arguments.dropFirst())
let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/demo-sms.yaml").path

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

func makeEngine(_ dir: URL, durable: Bool = true) async throws -> (ClaimdeckEngine, SQLiteStore, String) {
    let path = dir.appendingPathComponent("bench.db").path
    let store = try SQLiteStore(path: path, durable: durable)
    let engine = try await ClaimdeckEngine(
        store: store,
        masterKey: SecretBox.generateMasterKey(),
        configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:8080")
    )
    _ = try await TenantLoader.load(file: demo, into: engine, actor: "bench")
    return (engine, store, path)
}

/// What the UI thread reports each frame, read by the benchmark's main task.
final class FrameStats: Sendable {
    struct Values: Sendable {
        var frames = 0
        var received = 0
        var lastSequence: Int64 = 0
        var finished = false
    }
    let values = Mutex(Values())
}

/// A terminal that shows nothing and is never typed on: it waits one frame per `nextKey(wait:)`.
/// Created and used on the UI thread only.
final class HeadlessDevice: ConsoleDevice {
    let stats: FrameStats
    weak var app: ConsoleApp?
    let size = (width: 120, height: 40)

    init(stats: FrameStats) {
        self.stats = stats
    }

    func present(_ grid: CellGrid, theme: Theme, themeGeneration: Int) {
        let progress = app?.auditProgress
        stats.values.withLock {
            $0.frames += 1
            $0.received = progress?.received ?? 0
            $0.lastSequence = progress?.lastSequence ?? 0
        }
    }

    func nextKey(wait: Bool) -> Key? {
        if wait { Thread.sleep(forTimeInterval: 0.030) }
        return nil
    }
}

func auditBench(rate: Int, duration: Double) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-console-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let (engine, store, path) = try await makeEngine(dir)
    let startSequence = try await store.latestSequence()

    let inbox = ConsoleInbox()
    let stats = FrameStats()
    let thread = Thread {
        let device = HeadlessDevice(stats: stats)
        let app = ConsoleApp(
            engine: engine,
            clock: engine.clock,
            tenantID: "sms",
            environment: ConsoleEnvironment(databasePath: path, serverURL: nil),
            start: .audit
        )
        device.app = app
        _ = ConsoleLoop.run(app, engine: engine, inbox: inbox, device: device)
        stats.values.withLock { $0.finished = true }
    }
    thread.start()
    try await Task.sleep(for: .milliseconds(500))

    let writer = Process()
    writer.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    writer.arguments = ["writer", path, "\(rate)", "\(duration)"]
    let out = Pipe()
    writer.standardOutput = out
    let cpu0 = cpuSeconds()
    let t0 = ContinuousClock.now
    try writer.run()
    var maxLag: Int64 = 0
    var samples: [String] = []
    while writer.isRunning {
        try await Task.sleep(for: .seconds(1))
        let written = try await store.latestSequence()
        let seen = stats.values.withLock { $0.lastSequence }
        maxLag = max(maxLag, written - seen)
        samples.append("\(written - seen)")
    }
    let writtenAll = try await store.latestSequence()
    let writeWall = seconds(ContinuousClock.now - t0)
    let cpuDuringWrites = cpuSeconds() - cpu0
    // Catch-up: how long after the last write until the screen has it.
    let catchStart = ContinuousClock.now
    while stats.values.withLock({ $0.lastSequence }) < writtenAll && ContinuousClock.now - catchStart < .seconds(10) {
        try await Task.sleep(for: .milliseconds(10))
    }
    let catchUp = seconds(ContinuousClock.now - catchStart)
    inbox.stop("bench done")
    while !stats.values.withLock({ $0.finished }) { try await Task.sleep(for: .milliseconds(10)) }
    let final = stats.values.withLock { $0 }
    let writerReport = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    let events = writtenAll - startSequence
    print(
        """
        console-bench audit: target \(rate) events/s for \(duration) s, written by a second process (\(writerReport))
          events written             \(events) in \(String(format: "%.1f", writeWall)) s = \(Int(Double(events) / writeWall)) events/s
          events received by screen  \(final.received) (includes the \(AuditScreen_backlog) shown at start)
          lag behind the store       max \(maxLag) events at a 1 s sample (samples: \(samples.joined(separator: " ")))
          caught up after last write \(String(format: "%.0f", catchUp * 1000)) ms
          frames drawn               \(final.frames) (\(String(format: "%.1f", Double(final.frames) / writeWall)) per second)
          console CPU                \(String(format: "%.2f", cpuDuringWrites / writeWall)) cores (user+system time / wall time, whole console process)
        """
    )
    store.close()
}

let AuditScreen_backlog = 200

func writer(path: String, rate: Int, duration: Double) async throws {
    let store = try SQLiteStore(path: path)
    let batchesPerSecond = 100
    let perBatch = max(1, rate / batchesPerSecond)
    let start = ContinuousClock.now
    var written = 0
    var tick = 0
    while seconds(ContinuousClock.now - start) < duration {
        let now = Date()
        let batch = (0..<perBatch).map { i in
            AuditEventDraft(
                time: now,
                type: i % 10 == 0 ? .tokenIntrospected : .tokenIssued,
                tenantID: "sms",
                clientID: "billing-service",
                subject: "billing-service",
                tokenID: "bench-\(written + i)",
                actor: "client:billing-service"
            )
        }
        try await store.append(batch)
        written += perBatch
        tick += 1
        let next = start + .milliseconds(tick * 1000 / batchesPerSecond)
        if next > ContinuousClock.now { try await Task.sleep(until: next) }
    }
    print("writer appended \(written) events")
    store.close()
}

func tokensBench(count: Int) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-console-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let (engine, store, path) = try await makeEngine(dir, durable: false)
    let clients = ["billing-service", "partner-portal", "api-gateway"]
    let fillStart = ContinuousClock.now
    let base = Date().addingTimeInterval(-Double(count) / 1000)
    var made = 0
    while made < count {
        let n = min(10_000, count - made)
        let batch = (0..<n).map { i -> TokenRecord in
            let k = made + i
            let issued = base.addingTimeInterval(Double(k) / 1000)
            let client = clients[k % clients.count]
            return TokenRecord(
                id: engine.ids.timeOrdered(at: issued),
                tenantID: "sms",
                kind: .access,
                format: client == "partner-portal" ? .opaque : .jwt,
                clientID: client,
                subject: k % 7 == 0 ? "u-alice" : client,
                scopes: ["status"],
                audiences: ["https://api.sms.example/status"],
                issuedAt: issued,
                expiresAt: issued.addingTimeInterval(k % 2 == 0 ? 300 : 86_400),
                digest: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                keyID: nil,
                grantType: .clientCredentials
            )
        }
        try await store.record(tokens: batch, audit: [])
        made += n
    }
    print("console-bench tokens: filled \(count) tokens in \(String(format: "%.1f", seconds(ContinuousClock.now - fillStart))) s (\(path))")

    func timeOpen(_ label: String, filter: String?, keys: [Key] = []) async {
        var times: [Double] = []
        var shown = ""
        for _ in 0..<5 {
            let app = ConsoleApp(
                engine: engine,
                clock: engine.clock,
                tenantID: "sms",
                environment: ConsoleEnvironment(databasePath: path),
                start: .tokens
            )
            var grid = CellGrid(width: 120, height: 40)
            let t0 = ContinuousClock.now
            app.start()
            await settle(app, engine)
            if let filter {
                app.screen(.tokens).setFilter(filter, app.context)
                await settle(app, engine)
            }
            for k in keys {
                app.handle(k)
                await settle(app, engine)
            }
            app.render(into: &grid)
            times.append(seconds(ContinuousClock.now - t0) * 1000)
            shown = grid.row(2)
        }
        times.sort()
        print(
            "  \(label.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(String(format: "%6.1f", times[2])) ms, max \(String(format: "%6.1f", times[4])) ms   [\(shown.trimmingCharacters(in: .whitespaces))]"
        )
    }

    func settle(_ app: ConsoleApp, _ engine: ClaimdeckEngine) async {
        for _ in 0..<1000 {
            let jobs = app.takeJobs()
            if jobs.isEmpty { return }
            for job in jobs { app.deliver(await job.run(on: engine)) }
        }
    }

    print("  opening the tokens screen (query the first page, deliver, draw 120x40), 5 runs each:")
    await timeOpen("newest first", filter: nil)
    await timeOpen("/client:partner-portal", filter: "client:partner-portal")
    await timeOpen("/sub:u-alice", filter: "sub:u-alice")
    await timeOpen("/status:active", filter: "status:active")
    await timeOpen("/status:expired", filter: "status:expired")
    await timeOpen("10 pages deep (End x10, keyset)", filter: nil, keys: Array(repeating: .end, count: 10))
    store.close()
}

switch args.first {
case "audit":
    try await auditBench(rate: args.count > 1 ? Int(args[1]) ?? 5000 : 5000, duration: args.count > 2 ? Double(args[2]) ?? 10 : 10)
case "tokens":
    try await tokensBench(count: args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000)
case "writer" where args.count == 4:
    try await writer(path: args[1], rate: Int(args[2]) ?? 5000, duration: Double(args[3]) ?? 10)
default:
    print("usage: console-bench audit [events/s] [seconds] | console-bench tokens [count]")
    exit(2)
}
