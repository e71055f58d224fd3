import Foundation
import Testing

/// Slow and idle clients cannot hold the server hostage: the real binary under a 1,024 descriptor
/// limit (prlimit), 500 slow and 2,000 idle connections from raw sockets, and a normal client is still
/// served; the slow requests get 408 when their time is up (Tests/Interop/connection_flood.py).
@Suite("connections that cannot be held hostage")
struct ConnectionFloodTests {
    @Test func slowAndIdleConnectionsDoNotStopANormalClient() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/connection_flood.py").path
        let r = try await Binary.complete(StandardClientInteropTests.python, [script, Binary.path, db])
        #expect(r.code == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("flood ok"), "\(r.stdout)\n\(r.stderr)")
    }

    @Test func slowRequestsGet408AndIdleConnectionsCloseOnTime() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/connection_flood.py").path
        let r = try await Binary.complete(StandardClientInteropTests.python, [script, Binary.path, db, "timeouts"])
        #expect(r.code == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("timeouts ok"), "\(r.stdout)\n\(r.stderr)")
    }
}
