import ClaimdeckTestSupport
import Foundation
import Testing

/// `claimdeck serve --tls-cert --tls-key` as a process, reached by curl trusting a CA made in the
/// test: discovery says https, SIGHUP serves a renewed certificate without a restart, and files that
/// cannot serve stop the start with the file named.
@Suite("serve over HTTPS (the binary, curl)")
struct ServeTLSTests {
    static let curl = "/usr/bin/curl"

    /// curl's output for `url`, trusting only the CA in `caFile`; nil when the TLS handshake or request failed.
    static func fetch(_ url: String, caFile: String) async throws -> String? {
        let r = try await Binary.complete(curl, ["--silent", "--show-error", "--fail", "--max-time", "30", "--cacert", caFile, url])
        return r.code == 0 ? r.stdout : nil
    }

    @Test func httpsDiscoveryAndReloadOnHangup() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.curl), "needs curl: apt-get install -y curl (.ci/run does)")
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (first, second) = (try TestCertificateAuthority(name: "first CA"), try TestCertificateAuthority(name: "second CA"))
        let firstCA = try TestCertificateAuthority.write(first.pem, named: "first-ca.pem", in: dir)
        let secondCA = try TestCertificateAuthority.write(second.pem, named: "second-ca.pem", in: dir)
        let pair = try first.serverCertificate()
        let certificate = try TestCertificateAuthority.write(pair.certificate, named: "server.pem", in: dir)
        let key = try TestCertificateAuthority.write(pair.key, named: "server.key", in: dir)

        let server = try Binary.Running([
            "serve", "--db", db, "--port", "0", "--demo", "--log-level", "error", "--tls-cert", certificate, "--tls-key", key,
        ])
        defer { server.stop() }
        #expect(try await server.waitFor("serving on https://127.0.0.1:", timeout: .seconds(90)), "\(server.output)")
        let port = try #require(try await server.boundPort())
        let base = "https://127.0.0.1:\(port)"
        let discovery = try #require(try await Self.fetch(base + "/sms/.well-known/openid-configuration", caFile: firstCA))
        #expect(discovery.contains(#""issuer":"\#(base)/sms""#), "\(discovery)")
        #expect(discovery.contains(#""token_endpoint":"\#(base)/sms/token""#))
        #expect(try await Self.fetch(base + "/healthz", caFile: secondCA) == nil, "the second CA's certificate is not served yet")

        // Renewed by the second CA, then SIGHUP: new connections get it at once, an open one keeps going.
        let renewed = try second.serverCertificate()
        let newCertificate = try TestCertificateAuthority.write(renewed.certificate, named: "renewed.pem", in: dir)
        let newKey = try TestCertificateAuthority.write(renewed.key, named: "renewed.key", in: dir)
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/tls_reload.py").path
        let r = try await Binary.complete(
            StandardClientInteropTests.python,
            [script, "\(port)", "\(server.process.processIdentifier)", firstCA, secondCA, newCertificate, newKey, certificate, key]
        )
        #expect(r.code == 0 && r.stdout.contains("tls reload ok"), "\(r.stdout)\n\(r.stderr)\n\(server.output)")
        #expect(server.process.isRunning)
        #expect(try await Self.fetch(base + "/healthz", caFile: firstCA) == nil)
        #expect(try await Self.fetch(base + "/healthz", caFile: secondCA) != nil)
    }

    @Test func certificateOptionsThatCannotServeStopTheStart() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let alone = try await Binary.run(["serve", "--db", db, "--port", "0", "--tls-cert", "/nonexistent.pem"])
        #expect(alone.code != 0)
        #expect(alone.stderr.contains("--tls-cert and --tls-key go together"), "\(alone.stderr)")

        let missing = try await Binary.run(["serve", "--db", db, "--port", "0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key"])
        #expect(missing.code == 2)
        #expect(missing.stderr.contains("cannot read the certificate (--tls-cert) file /nonexistent.pem: no such file"), "\(missing.stderr)")

        let ca = try TestCertificateAuthority()
        let certificate = try TestCertificateAuthority.write(try ca.serverCertificate().certificate, named: "server.pem", in: dir)
        let otherKey = try TestCertificateAuthority.write(try ca.serverCertificate().key, named: "other.key", in: dir)
        let mismatch = try await Binary.run(["serve", "--db", db, "--port", "0", "--tls-cert", certificate, "--tls-key", otherKey])
        #expect(mismatch.code == 2)
        #expect(mismatch.stderr.contains("does not belong to the first certificate"), "\(mismatch.stderr)")
        #expect(!mismatch.stderr.contains("PRIVATE KEY"))
    }
}

/// `claimdeck serve --mtls-port --tls-client-ca` as a process, with a client registered by the CLI
/// and Python's `requests` presenting a client certificate (RFC 8705).
@Suite("serve with mutual TLS (the binary, Python requests)")
struct ServeMutualTLSTests {
    @Test func boundTokenAndIntrospectionWithRequests() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try TestCertificateAuthority(name: "mtls CA")
        let caFile = try TestCertificateAuthority.write(ca.pem, named: "ca.pem", in: dir)
        let serverPair = try ca.serverCertificate()
        let certificate = try TestCertificateAuthority.write(serverPair.certificate, named: "server.pem", in: dir)
        let key = try TestCertificateAuthority.write(serverPair.key, named: "server.key", in: dir)
        let client = try ca.clientCertificate(commonName: "orders-mtls")
        let clientCert = try TestCertificateAuthority.write(client.certificate, named: "client.pem", in: dir)
        let clientKey = try TestCertificateAuthority.write(client.key, named: "client.key", in: dir)
        let other = try ca.clientCertificate(commonName: "someone-else")
        let otherCert = try TestCertificateAuthority.write(other.certificate, named: "other.pem", in: dir)
        let otherKey = try TestCertificateAuthority.write(other.key, named: "other.key", in: dir)

        #expect(try await Binary.run(["demo", "load", "--db", db]).code == 0)
        let registered = try await Binary.run([
            "client", "register", "--db", db, "--tenant", "sms", "--id", "orders-mtls", "--name", "orders", "--auth-method", "tls_client_auth",
            "--tls-subject-dn", "CN=orders-mtls", "--certificate-bound", "true", "--scope", "status", "--audience", "https://api.sms.example/status",
        ])
        #expect(registered.code == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("certificate:    tls_client_auth_subject_dn CN=orders-mtls"), "\(registered.stdout)")
        #expect(registered.stdout.contains("client certificate (mTLS, cnf x5t#S256)"), "\(registered.stdout)")

        let server = try Binary.Running([
            "serve", "--db", db, "--port", "0", "--log-level", "error", "--tls-cert", certificate, "--tls-key", key, "--mtls-port", "0",
            "--tls-client-ca", caFile,
        ])
        defer { server.stop() }
        #expect(try await server.waitFor("Mutual TLS (client certificates, RFC 8705) on https://", timeout: .seconds(90)), "\(server.output)")
        let port = try #require(try await server.boundPort())
        let script = Binary.repoRoot.appendingPathComponent("Tests/Interop/mtls_client.py").path
        let r = try await Binary.complete(
            StandardClientInteropTests.python,
            [script, "https://127.0.0.1:\(port)/sms", caFile, clientCert, clientKey, otherCert, otherKey]
        )
        #expect(r.code == 0 && r.stdout.contains("mtls ok"), "\(r.stdout)\n\(r.stderr)\n\(server.output)")

        // The CLI shows the binding of the issued token, and a new certificate name replaces the old.
        let tokens = try await Binary.run(["token", "list", "--db", db, "--tenant", "sms", "--client", "orders-mtls", "--json"])
        let thumbprint = try TestCertificateAuthority.thumbprint(pem: client.certificate)
        #expect(tokens.stdout.contains(#""bound":"mtls""#) && tokens.stdout.contains(thumbprint), "\(tokens.stdout)")
        let updated = try await Binary.run(["client", "update", "orders-mtls", "--db", db, "--tenant", "sms", "--tls-san-dns", "orders-mtls"])
        #expect(updated.code == 0, "\(updated.stderr)")
        #expect(updated.stdout.contains("certificate:    tls_client_auth_san_dns orders-mtls"), "\(updated.stdout)")
        #expect(!updated.stdout.contains("tls_client_auth_subject_dn"), "\(updated.stdout)")
        let stray = try await Binary.run(["client", "update", "billing-service", "--db", db, "--tenant", "sms", "--tls-san-dns", "x.example"])
        #expect(stray.code != 0 && stray.stderr.contains("only a tls_client_auth client registers a certificate name"), "\(stray.stderr)")
    }

    @Test func optionsThatDoNotGoTogetherAreRefused() async throws {
        let (dir, db) = try Binary.tempDB()
        defer { try? FileManager.default.removeItem(at: dir) }
        let noTLS = try await Binary.run(["serve", "--db", db, "--port", "0", "--mtls-port", "0"])
        #expect(noTLS.code != 0 && noTLS.stderr.contains("--mtls-port serves HTTPS: give --tls-cert and --tls-key too"), "\(noTLS.stderr)")
        let noProxy = try await Binary.run(["serve", "--db", db, "--port", "0", "--client-certificate-header", "X-SSL-Client-Cert"])
        #expect(noProxy.code != 0 && noProxy.stderr.contains("give --trusted-proxy"), "\(noProxy.stderr)")
        let ca = try TestCertificateAuthority()
        let pair = try ca.serverCertificate()
        let certificate = try TestCertificateAuthority.write(pair.certificate, named: "server.pem", in: dir)
        let key = try TestCertificateAuthority.write(pair.key, named: "server.key", in: dir)
        let badCA = try await Binary.run([
            "serve", "--db", db, "--port", "0", "--tls-cert", certificate, "--tls-key", key, "--mtls-port", "0", "--tls-client-ca", key,
        ])
        #expect(badCA.code == 2 && badCA.stderr.contains("--tls-client-ca: the client CA file \(key) holds no"), "\(badCA.stderr)")
    }
}
