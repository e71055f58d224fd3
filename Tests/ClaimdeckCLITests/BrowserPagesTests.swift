import Foundation
import Testing

/// The sign-in, consent, device and logout pages of the real binary in headless Chromium, at phone
/// width (375 px) and desktop width (1280 px): typed credentials, mouse clicks, every redirect, no
/// console error or CSP violation, nothing wider than the screen (Tests/Interop/chromium_pages.py).
/// Screenshots of every step are kept in `.build/test-artifacts/chromium/` (or under
/// `$CLAIMDECK_TEST_ARTIFACTS`). `.ci/run` installs Chromium; without it this test fails and says how.
@Suite("the browser pages in headless Chromium")
struct BrowserPagesTests {
    static func available() -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "command -v chromium && \(StandardClientInteropTests.python) -c 'import websocket'"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test func signInConsentDeviceAndLogoutAtPhoneAndDesktopWidth() async throws {
        try #require(Self.available(), "needs chromium and python3-websocket: apt-get install -y chromium python3-websocket (.ci/run does)")
        let (server, port, dir, _) = try await Binary.serveDemo()
        defer { try? FileManager.default.removeItem(at: dir) }
        defer { server.stop() }

        let artifacts =
            ProcessInfo.processInfo.environment["CLAIMDECK_TEST_ARTIFACTS"].map { $0 + "/chromium" }
            ?? Binary.repoRoot.appendingPathComponent(".build/test-artifacts/chromium").path
        try? FileManager.default.removeItem(atPath: artifacts)
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/chromium_pages.py").path
        let r = try await Binary.complete(StandardClientInteropTests.python, [script, "http://127.0.0.1:\(port)/sms", artifacts])
        #expect(r.code == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("browser ok"), "\(r.stdout)\n\(r.stderr)")
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts)) ?? []
        #expect(shots.filter { $0.hasSuffix(".png") }.count == 18, "\(shots)")
    }
}
