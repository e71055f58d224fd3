import AsyncHTTPClient
import ClaimdeckTestSupport
import Foundation
import Logging
import NIOCore
import NIOSSL
import OAuthHTTP
import Testing

/// HTTPS on a loopback port (issue 15 item 1): a throwaway CA made in the test, the server's
/// certificate reloaded without dropping the connections that are open, and files that cannot be
/// used refused with the file named.
@Suite("HTTPS and certificate reload")
struct TLSTests {
    /// A directory with a server certificate signed by `ca`, as `claimdeck serve --tls-cert --tls-key` reads it.
    struct Files {
        let directory: URL
        var certificate: String { directory.appendingPathComponent("server.pem").path }
        var key: String { directory.appendingPathComponent("server.key").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func write(_ pair: (certificate: String, key: String)) throws {
            // Written beside and renamed over, as certbot and cert-manager do: never a half-written file.
            for (pem, path) in [(pair.certificate, certificate), (pair.key, key)] {
                let next = path + ".next"
                try Data(pem.utf8).write(to: URL(fileURLWithPath: next))
                _ = rename(next, path)
            }
        }
    }

    /// A client that trusts `ca` only.
    static func client(trusting ca: TestCertificateAuthority) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.pem.utf8)))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(60))))
    }

    static func status(_ client: HTTPClient, _ url: String) async throws -> UInt {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }

    @Test("served over HTTPS; a reloaded certificate reaches new connections; a bad one keeps the previous")
    func reload() async throws {
        let (first, second) = (try TestCertificateAuthority(name: "first CA"), try TestCertificateAuthority(name: "second CA"))
        let files = try Files()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        try files.write(try first.serverCertificate())
        let tls = try ServerTLS(certificatePath: files.certificate, keyPath: files.key, logger: TestServer.quietLogger("test.tls"))
        #expect(tls.summary.contains("127.0.0.1"))
        let (trustsFirst, trustsSecond) = (try Self.client(trusting: first), try Self.client(trusting: second))
        var failure: (any Error)?
        do {
            try await Self.reload(first: first, second: second, files: files, tls: tls, clients: (trustsFirst, trustsSecond))
        } catch { failure = error }
        for client in [trustsFirst, trustsSecond] { try? await client.shutdown() }
        if let failure { throw failure }
    }

    private static func reload(
        first: TestCertificateAuthority,
        second: TestCertificateAuthority,
        files: Files,
        tls: ServerTLS,
        clients: (HTTPClient, HTTPClient)
    ) async throws {
        let (trustsFirst, trustsSecond) = clients
        try await TestServer.with(mode: .live, tls: tls) { server in
            let base = try #require(server.liveURL).replacingOccurrences(of: "http://", with: "https://")
            #expect(try await status(trustsFirst, base + "/sms/.well-known/openid-configuration") == 200)
            // Plain HTTP on the HTTPS port gets no answer.
            await #expect(throws: (any Error).self) { _ = try await status(try #require(server.http), try #require(server.liveURL) + "/healthz") }

            try files.write(try second.serverCertificate())
            #expect(tls.reloadIfChanged())
            #expect(tls.reloadIfChanged() == false, "nothing changed since")
            // New connections get the second CA's certificate. (That a client trusting only the other CA
            // is refused, and that open connections keep going, ServeTLSTests proves with curl and
            // Python's http.client: AsyncHTTPClient retries a failed handshake until its timeout.)
            #expect(try await status(trustsSecond, base + "/healthz") == 200)

            // A key that does not belong to the certificate: refused, the previous certificate still served.
            let stray = try second.serverCertificate()
            try files.write((try second.serverCertificate().certificate, stray.key))
            #expect(tls.reload() == false)
            #expect(try await status(trustsSecond, base + "/healthz") == 200)
        }
    }

    @Test("files that cannot serve are refused, naming the file and the fix")
    func refusals() throws {
        let ca = try TestCertificateAuthority()
        let files = try Files()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        func refusal(_ certificate: String, _ key: String) -> String {
            do {
                _ = try ServerTLS(certificatePath: certificate, keyPath: key)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(files.certificate, files.key).contains("cannot read the certificate (--tls-cert) file \(files.certificate): no such file"))
        let pair = try ca.serverCertificate()
        try files.write(pair)
        #expect(refusal(files.certificate, files.key) == "accepted")
        #expect(refusal(files.key, files.key).contains("holds no \"BEGIN CERTIFICATE\" block"))
        #expect(refusal(files.certificate, files.certificate).contains("is not an unencrypted PEM private key"))
        try files.write((pair.certificate, try ca.serverCertificate().key))
        let mismatch = refusal(files.certificate, files.key)
        #expect(mismatch.contains("does not belong to the first certificate"))
        #expect(!mismatch.contains("PRIVATE KEY"), "no key material in the message")
    }
}
