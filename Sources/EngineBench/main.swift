// engine-bench: the engine and its SQLite store under load, without HTTP. Tells how much of a
// request's cost is the engine (credential check, minting, durable row + audit event) and how much
// the HTTP stack around it. Usage: engine-bench [token|audit] [concurrent callers] [seconds]
import AuthEngine
import Foundation
import JOSE
import SQLiteStore
import TenantYAML

let args = Array(CommandLine.arguments.dropFirst())
let mode = args.first ?? "token"
let callers = args.count > 1 ? Int(args[1]) ?? 64 : 64
let seconds = args.count > 2 ? Double(args[2]) ?? 5 : 5
guard ["token", "audit"].contains(mode), callers > 0, seconds > 0 else {
    print("usage: engine-bench [token|audit] [concurrent callers] [seconds]")
    exit(2)
}
let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/demo-sms.yaml").path
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-engine-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }
let store = try SQLiteStore(path: dir.appendingPathComponent("bench.db").path)
let engine = try await ClaimdeckEngine(
    store: store,
    masterKey: SecretBox.generateMasterKey(),
    configuration: EngineConfiguration(publicBaseURL: "http://127.0.0.1:8080")
)
_ = try await TenantLoader.load(file: demo, into: engine, actor: "bench")
let authorization = "Basic " + Data("billing-service:billing-demo-secret".utf8).base64EncodedString()

let start = ContinuousClock.now
let deadline = start + .seconds(seconds)
let total = try await withThrowingTaskGroup(of: Int.self) { group in
    for _ in 0..<callers {
        group.addTask {
            var n = 0
            while ContinuousClock.now < deadline {
                if mode == "audit" {
                    try await store.append([AuditEventDraft(time: Date(), type: .tokenIntrospected, tenantID: "sms", clientID: "bench")])
                } else {
                    _ = try await engine.token(
                        TokenEndpointRequest(
                            tenantID: "sms",
                            form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                            authorization: authorization
                        )
                    )
                }
                n += 1
            }
            return n
        }
    }
    var sum = 0
    for try await n in group { sum += n }
    return sum
}
let elapsed = ContinuousClock.now - start
let rate = Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
print("engine-bench \(mode): \(callers) concurrent callers, \(total) operations, \(Int(rate)) per second (every one durable and audited)")
