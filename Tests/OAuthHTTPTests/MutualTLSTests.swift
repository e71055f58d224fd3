import AsyncHTTPClient
import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import NIOCore
import NIOSSL
import OAuthHTTP
import Testing

/// RFC 8705 over real TLS on loopback: the mutual-TLS listener asks for a client certificate (the
/// main one does not), `tls_client_auth` and `self_signed_tls_client_auth` authenticate clients,
/// tokens are bound to the certificate (`cnf` `x5t#S256`), and every refusal answers as the RFCs say.
@Suite("Mutual TLS (RFC 8705)")
struct MutualTLSTests {
    /// A live HTTPS server with a mutual-TLS listener trusting `ca` for `tls_client_auth`, and its clients.
    struct Fixture {
        let server: TestServer
        let ca: TestCertificateAuthority
        /// `https://127.0.0.1:<mtls port>/sms`.
        let mtls: String
        /// `https://127.0.0.1:<main port>/sms`.
        let main: String
        /// The certificate (and key) of `orders-mtls`: CN=orders-mtls from `ca`.
        let orders: (certificate: String, key: String)
        /// The self-signed certificate of `edge-device`, whose public key its JWKS holds.
        let device: (certificate: String, key: String, publicKey: String)
    }

    static func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let ca = try TestCertificateAuthority(name: "client CA")
        let files = try TLSTests.Files()
        defer { try? FileManager.default.removeItem(at: files.directory) }
        try files.write(try ca.serverCertificate())
        let tls = try ServerTLS(certificatePath: files.certificate, keyPath: files.key, logger: TestServer.quietLogger("test.tls"))
        try await TestServer.with(mode: .live, tls: tls) { server in
            server.mtlsPort = 0
            server.clientCertificates.reader = ClientCertificateReader(trustAnchors: [ca.certificate], now: { Date() })
        } _: { server in
            let device = try TestCertificateAuthority.selfSignedClientCertificate(commonName: "edge-device")
            try await register(server, device: device)
            let main = try #require(server.liveURL).replacingOccurrences(of: "http://", with: "https://") + "/sms"
            let mtls = try #require(server.engine.configuration.mtlsBaseURL) + "/sms"
            try await body(
                Fixture(server: server, ca: ca, mtls: mtls, main: main, orders: try ca.clientCertificate(commonName: "orders-mtls"), device: device)
            )
        }
    }

    static func register(_ server: TestServer, device: (certificate: String, key: String, publicKey: String)) async throws {
        var orders = ClientSpec(name: "orders", authMethod: .tlsClientAuth, scopes: ["status"], audiences: [Audience.status])
        orders.tlsClientAuthSubjectDN = "CN=orders-mtls"
        orders.tlsClientCertificateBoundAccessTokens = true
        _ = try await server.engine.registerClient(tenantID: "sms", id: "orders-mtls", orders, actor: "test")
        let jwk = try VerificationKey(pem: device.publicKey).jwk(kid: "device")
        let edge = ClientSpec(
            name: "edge",
            authMethod: .selfSignedTLSClientAuth,
            scopes: ["status"],
            audiences: [Audience.status],
            jwks: JWKSet(keys: [jwk])
        )
        _ = try await server.engine.registerClient(tenantID: "sms", id: "edge-device", edge, actor: "test")
    }

    /// An HTTPS client trusting `ca`, presenting `certificate` when given.
    static func withClient<T>(
        trusting ca: TestCertificateAuthority,
        presenting certificate: (certificate: String, key: String)?,
        _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.pem.utf8)))
        if let certificate {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificate.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.key.utf8), format: .pem))
        }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(tlsConfiguration: tls, timeout: .init(connect: .seconds(60)))
        )
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func send(
        _ client: HTTPClient,
        _ url: String,
        form: [(String, String)]? = nil,
        headers: [(String, String)] = []
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: url)
        if let form {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return HTTPResult(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    static let clientCredentials = [("grant_type", "client_credentials"), ("scope", "status")]

    /// The `description` of the last `type` event: the real reason of a refusal.
    static func lastRefusal(_ server: TestServer, _ type: AuditEventType) async throws -> AuditEventDraft? {
        try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: type)).last?.event
    }

    @Test("tls_client_auth: a certificate of the trusted CA with the registered DN gets a token bound to it, cnf in the JWT and introspection")
    func boundTokenOverMutualTLS() async throws {
        try await Self.withFixture { f in
            let thumbprint = try TestCertificateAuthority.thumbprint(pem: f.orders.certificate)
            let token = try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                let result = try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "orders-mtls")])
                #expect(result.status == 200, "\(result)")
                #expect(try result.json()["token_type"]?.stringValue == "Bearer", "RFC 8705 tokens stay Bearer tokens")
                return try #require(try result.json()["access_token"]?.stringValue)
            }
            let jwt = try #require(JWS.parse(token))
            #expect(jwt.payload["cnf"]?.objectValue?["x5t#S256"]?.stringValue == thumbprint)
            #expect(jwt.payload["cnf"]?.objectValue?["jkt"] == nil)
            // RFC 8705 §3.2: introspection says the binding too (the gateway authenticates with its secret over the main port).
            let introspection = try await Self.withClient(trusting: f.ca, presenting: nil) { client in
                try await Self.send(
                    client,
                    f.main + "/introspect",
                    form: [("token", token)],
                    headers: [("Authorization", DemoClient.apiGateway.basicAuthorization)]
                )
            }
            #expect(try introspection.json()["active"] == .bool(true), "\(introspection)")
            #expect(try introspection.json()["cnf"]?.objectValue?["x5t#S256"]?.stringValue == thumbprint)
            let issued = try #require(try await Self.lastRefusal(f.server, .tokenIssued))
            #expect(issued.details["bound"] == "mtls")
        }
    }

    @Test("tls_client_auth refusals: wrong DN, an untrusted chain, no certificate; each 401 invalid_client, audited with its reason")
    func tlsClientAuthRefusals() async throws {
        try await Self.withFixture { f in
            let stranger = try TestCertificateAuthority(name: "not trusted")
            let cases: [(String, (certificate: String, key: String)?, String)] = [
                ("wrong DN", try f.ca.clientCertificate(commonName: "someone-else"), "does not carry the tls_client_auth_subject_dn"),
                ("untrusted chain", try stranger.clientCertificate(commonName: "orders-mtls"), "does not verify against the trusted client CAs"),
                ("no certificate", nil, "without a client certificate"),
            ]
            for (name, certificate, reason) in cases {
                let result = try await Self.withClient(trusting: f.ca, presenting: certificate) { client in
                    try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "orders-mtls")])
                }
                expectOAuthError(result, status: 401, code: "invalid_client", mentioning: "client authentication failed")
                let refusal = try #require(try await Self.lastRefusal(f.server, .tokenRefused), "\(name)")
                #expect(refusal.reason == "invalid_client")
                #expect(refusal.details["description"]?.contains(reason) == true, "\(name): \(refusal.details)")
                // Named as an mTLS failure, with its reason, as DPoP failures are under `dpop`.
                #expect(refusal.details["mtls"]?.contains(reason) == true, "\(name): \(refusal.details)")
                if let certificate {
                    // The subject and thumbprint name the certificate; nothing else of it is written.
                    #expect(refusal.details["certificate_x5t_s256"] == (try TestCertificateAuthority.thumbprint(pem: certificate.certificate)))
                    #expect(!refusal.details.values.contains { $0.contains("BEGIN") }, "no certificate contents in the audit")
                }
            }
            // The main listener never asks for a certificate: the same client there has none to show.
            let main = try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                try await Self.send(client, f.main + "/token", form: Self.clientCredentials + [("client_id", "orders-mtls")])
            }
            expectOAuthError(main, status: 401, code: "invalid_client")
        }
    }

    @Test("self_signed_tls_client_auth: the key in the JWKS authenticates; another self-signed certificate is refused")
    func selfSigned() async throws {
        try await Self.withFixture { f in
            let ok = try await Self.withClient(trusting: f.ca, presenting: (f.device.certificate, f.device.key)) { client in
                try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "edge-device")])
            }
            #expect(ok.status == 200, "\(ok)")
            let impostor = try TestCertificateAuthority.selfSignedClientCertificate(commonName: "edge-device")
            let refused = try await Self.withClient(trusting: f.ca, presenting: (impostor.certificate, impostor.key)) { client in
                try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "edge-device")])
            }
            expectOAuthError(refused, status: 401, code: "invalid_client")
            let refusal = try #require(try await Self.lastRefusal(f.server, .tokenRefused))
            #expect(refusal.details["description"]?.contains("is not in the JWKS registered") == true, "\(refusal.details)")
        }
    }

    @Test("a certificate-bound token at userinfo: refused over another certificate or none (401 invalid_token), taken over its own")
    func boundTokenAtUserinfo() async throws {
        try await Self.withFixture { f in
            let token = try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                let result = try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "orders-mtls")])
                return try #require(try result.json()["access_token"]?.stringValue, "\(result)")
            }
            let bearer = [("Authorization", "Bearer \(token)")]
            let other = try await Self.withClient(trusting: f.ca, presenting: try f.ca.clientCertificate(commonName: "orders-mtls")) { client in
                try await Self.send(client, f.mtls + "/userinfo", headers: bearer)
            }
            expectOAuthError(other, status: 401, code: "invalid_token", mentioning: "bound to another client certificate")
            #expect(other.header("WWW-Authenticate")?.contains("error=\"invalid_token\"") == true)
            let none = try await Self.withClient(trusting: f.ca, presenting: nil) { client in
                try await Self.send(client, f.mtls + "/userinfo", headers: bearer)
            }
            expectOAuthError(none, status: 401, code: "invalid_token", mentioning: "bound to a client certificate")
            let unbound = try #require(try await Self.lastRefusal(f.server, .userinfoRefused))
            #expect(unbound.details["mtls"]?.hasPrefix("the access token is bound to a client certificate") == true, "\(unbound.details)")
            // Over its own certificate the binding holds; the token (no openid: a client_credentials
            // token) then meets the next rule, which proves the binding check passed.
            let own = try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                try await Self.send(client, f.mtls + "/userinfo", headers: bearer)
            }
            expectOAuthError(own, status: 403, code: "insufficient_scope")
            let refused = try #require(try await Self.lastRefusal(f.server, .userinfoRefused))
            #expect(refused.reason == "insufficient_scope")
        }
    }

    @Test("discovery: mtls_endpoint_aliases on the mutual-TLS listener, bound tokens and both methods announced")
    func discovery() async throws {
        try await Self.withFixture { f in
            let doc = try await Self.withClient(trusting: f.ca, presenting: nil) { client in
                try await Self.send(client, f.main + "/.well-known/openid-configuration").json()
            }
            #expect(doc["tls_client_certificate_bound_access_tokens"] == .bool(true))
            let aliases = try #require(doc["mtls_endpoint_aliases"]?.objectValue)
            for (name, path) in [
                ("token_endpoint", "/token"), ("introspection_endpoint", "/introspect"), ("revocation_endpoint", "/revoke"),
                ("userinfo_endpoint", "/userinfo"), ("pushed_authorization_request_endpoint", "/par"),
            ] {
                #expect(aliases[name]?.stringValue == f.mtls + path)
            }
            let methods = doc["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(methods.contains("tls_client_auth") && methods.contains("self_signed_tls_client_auth"))
        }
        // A server without the listener announces no aliases.
        try await TestServer.with { server in
            let doc = try await server.get("/sms/.well-known/openid-configuration").json()
            #expect(doc["mtls_endpoint_aliases"] == nil)
            #expect(doc["tls_client_certificate_bound_access_tokens"] == .bool(false))
        }
    }

    @Test("introspection and revocation authenticate tls_client_auth clients over the mutual-TLS listener")
    func otherEndpoints() async throws {
        try await Self.withFixture { f in
            try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                let token = try #require(
                    try await Self.send(client, f.mtls + "/token", form: Self.clientCredentials + [("client_id", "orders-mtls")]).json()[
                        "access_token"
                    ]?
                    .stringValue
                )
                let revoked = try await Self.send(client, f.mtls + "/revoke", form: [("token", token), ("client_id", "orders-mtls")])
                #expect(revoked.status == 200, "\(revoked)")
                let introspection = try await Self.send(client, f.mtls + "/introspect", form: [("token", token), ("client_id", "orders-mtls")])
                #expect(introspection.status == 200, "\(introspection)")
                #expect(try introspection.json()["active"] == .bool(false))
            }
            let wrong = try await Self.withClient(trusting: f.ca, presenting: try f.ca.clientCertificate(commonName: "intruder")) { client in
                try await Self.send(client, f.mtls + "/introspect", form: [("token", "x"), ("client_id", "orders-mtls")])
            }
            expectOAuthError(wrong, status: 401, code: "invalid_client")
        }
    }

    @Test("DPoP at the mTLS alias: the proof's htu names the alias; the token is bound to both key and certificate")
    func dpopAtTheAlias() async throws {
        try await Self.withFixture { f in
            let key = try DPoPKey()
            try await Self.withClient(trusting: f.ca, presenting: f.orders) { client in
                let form = Self.clientCredentials + [("client_id", "orders-mtls")]
                let main = try await Self.send(
                    client,
                    f.mtls + "/token",
                    form: form,
                    headers: [("DPoP", try key.proof(htu: f.server.issuer + "/token"))]
                )
                expectOAuthError(main, status: 400, code: "invalid_dpop_proof", mentioning: "htu")
                let ok = try await Self.send(client, f.mtls + "/token", form: form, headers: [("DPoP", try key.proof(htu: f.mtls + "/token"))])
                #expect(ok.status == 200, "\(ok)")
                #expect(try ok.json()["token_type"]?.stringValue == "DPoP")
                let token = try #require(try ok.json()["access_token"]?.stringValue)
                let cnf = try #require(JWS.parse(token)?.payload["cnf"]?.objectValue)
                #expect(cnf["jkt"]?.stringValue == key.thumbprint)
                #expect(cnf["x5t#S256"]?.stringValue == (try TestCertificateAuthority.thumbprint(pem: f.orders.certificate)))
                let issued = try #require(try await Self.lastRefusal(f.server, .tokenIssued))
                #expect(issued.details["bound"] == "dpop+mtls")
            }
        }
    }
}
