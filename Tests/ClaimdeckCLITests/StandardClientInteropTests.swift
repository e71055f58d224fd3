import Foundation
import Testing

/// The real binary, driven by Authlib (a standard OAuth/OIDC client library, Debian's python3-authlib)
/// through discovery, the code flow with PKCE, ID token validation, userinfo, refresh rotation and
/// client_credentials. `.ci/run` installs it; without it this test fails and says how to install it.
@Suite("a standard client library against the real server")
struct StandardClientInteropTests {
    static let python = "/usr/bin/python3"

    static func authlibAvailable() -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import authlib, requests"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// Fails the test, saying how to install them, when Authlib or requests is missing.
    static func requireAuthlib(sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(
            authlibAvailable(),
            "needs python3-authlib and python3-requests: apt-get install -y python3-authlib python3-requests (.ci/run does)",
            sourceLocation: sourceLocation
        )
    }

    @Test func authlibRunsTheCodeFlowRefreshAndClientCredentials() async throws {
        try Self.requireAuthlib()
        let (server, port, dir, _) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        defer { server.stop() }

        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/authlib_client.py").path
        let r = try await Binary.complete(Self.python, [script, "http://127.0.0.1:\(port)/sms"])
        let (stdout, stderr) = (r.stdout, r.stderr)
        #expect(r.code == 0, "\(stderr)")
        #expect(stdout.contains("interop ok"), "\(stdout)\n\(stderr)")
    }

    /// PAR and DPoP over real HTTP: Authlib builds the request and exchanges the code, the `cryptography`
    /// package signs the DPoP proofs (Tests/Interop/dpop_par_client.py); a second `claimdeck serve` on
    /// the same database must refuse a proof the first one accepted (the replay cache is the store's).
    @Test func authlibPushesTheRequestAndUsesDPoPBoundTokens() async throws {
        try Self.requireAuthlib()
        let (server, port, dir, db) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        defer { server.stop() }
        let second = try Binary.Running(["serve", "--db", db, "--port", "0", "--log-level", "error"])
        defer { second.stop() }
        guard try await second.waitFor("serving on http://127.0.0.1:", timeout: .seconds(90)), let secondPort = try await second.boundPort() else {
            Issue.record("the second server did not start: \(second.output)")
            return
        }
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/dpop_par_client.py").path
        let r = try await Binary.complete(Self.python, [script, "http://127.0.0.1:\(port)/sms", "http://127.0.0.1:\(secondPort)/sms"])
        #expect(r.code == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("interop ok"), "\(r.stdout)\n\(r.stderr)")

        // The CLI shows the binding of the stored tokens: the key the script computed its thumbprint of.
        let jkt = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("jkt ") }.map { String($0.dropFirst(4)) })
        let list = try await Binary.run(["token", "list", "--tenant", "sms", "--db", db, "--json"])
        let tokens = try #require(list.json?.arrayValue, "\(list.stderr)")
        let bound = tokens.filter { $0["bound"] == .string("dpop") }
        #expect(bound.contains { $0["kind"] == .string("access") && $0["dpop_jkt"] == .string(jkt) }, "\(list.stdout)")
        #expect(
            tokens.contains { $0["bound"] == .string("bearer") && $0["dpop_jkt"] == .null },
            "the confidential portal's refresh token is not bound"
        )
    }
}
