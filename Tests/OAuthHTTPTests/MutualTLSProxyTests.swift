import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import OAuthHTTP
import Testing

/// RFC 8705 behind a TLS-terminating proxy: the client certificate comes in a configured header, and
/// only from a trusted proxy's address; from anyone else the header is ignored. Also the settings'
/// checks at registration.
@Suite("Mutual TLS behind a proxy, and its settings")
struct MutualTLSProxyTests {
    static let header = "X-SSL-Client-Cert"
    static let portal = CodeFlowClient(id: "portal-mtls", secret: nil, redirectURI: "http://127.0.0.1:8799/callback")

    /// A live plain-HTTP server believing `header` from `proxy`, trusting `ca` for `tls_client_auth`.
    static func withServer(proxy: String, ca: TestCertificateAuthority, _ body: (TestServer) async throws -> Void) async throws {
        try await TestServer.with(mode: .live) { server in
            server.trustedProxies = try! TrustedProxies([proxy])
            server.clientCertificates = ClientCertificateSource(
                header: header,
                reader: ClientCertificateReader(trustAnchors: [ca.certificate], now: { Date() })
            )
        } _: { server in
            var orders = ClientSpec(name: "orders", authMethod: .tlsClientAuth, scopes: ["status"], audiences: [Audience.status])
            orders.tlsClientAuthSANDNS = "orders-mtls"
            orders.tlsClientCertificateBoundAccessTokens = true
            _ = try await server.engine.registerClient(tenantID: "sms", id: "orders-mtls", orders, actor: "test")
            var portal = ClientSpec(
                name: "portal",
                authMethod: .tlsClientAuth,
                grantTypes: [.authorizationCode],
                scopes: ["openid", "profile", "invoice-read"],
                redirectURIs: [Self.portal.redirectURI]
            )
            // Compared as a DN: the certificate's CN=portal-mtls matches whatever the spacing and case.
            portal.tlsClientAuthSubjectDN = "cn = Portal-MTLS"
            portal.tlsClientCertificateBoundAccessTokens = true
            _ = try await server.engine.registerClient(tenantID: "sms", id: "portal-mtls", portal, actor: "test")
            try await body(server)
        }
    }

    /// The header value as nginx's `$ssl_client_escaped_cert` writes it: the PEM, URL-encoded.
    static func forwarded(_ pem: String) -> (String, String) {
        (header, pem.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pem)
    }

    @Test("from the trusted proxy: the forwarded certificate authenticates and binds; userinfo checks it")
    func fromTrustedProxy() async throws {
        let ca = try TestCertificateAuthority(name: "client CA")
        try await Self.withServer(proxy: "127.0.0.1", ca: ca) { server in
            let orders = try ca.clientCertificate(commonName: "orders-mtls")
            let form = [("grant_type", "client_credentials"), ("scope", "status"), ("client_id", "orders-mtls")]
            let ok = try await server.tokenRequest(form, headers: [Self.forwarded(orders.certificate)])
            #expect(ok.status == 200, "\(ok)")
            let token = try #require(try ok.json()["access_token"]?.stringValue)
            let cnf = JWS.parse(token)?.payload["cnf"]?.objectValue?["x5t#S256"]?.stringValue
            #expect(cnf == (try TestCertificateAuthority.thumbprint(pem: orders.certificate)))
            // nginx's older $ssl_client_cert (lines joined by tabs) is read too; a certificate without the registered SAN is not.
            let tabbed = orders.certificate.trimmingCharacters(in: .newlines).replacingOccurrences(of: "\n", with: "\t")
            #expect(try await server.tokenRequest(form, headers: [(Self.header, tabbed)]).status == 200)
            let stranger = try ca.clientCertificate(commonName: "stranger")
            expectOAuthError(
                try await server.tokenRequest(form, headers: [Self.forwarded(stranger.certificate)]),
                status: 401,
                code: "invalid_client"
            )
            expectOAuthError(try await server.tokenRequest(form, headers: [(Self.header, "not a certificate")]), status: 401, code: "invalid_client")

            // A user's token bound to the portal's certificate: userinfo takes it with that certificate only.
            let certificate = try ca.clientCertificate(commonName: "portal-mtls")
            let (code, verifier) = try await DPoPBindingTests.code(server, Self.portal)
            let tokens = try await server.tokenRequest(
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.portal.redirectURI), ("code_verifier", verifier),
                    ("client_id", Self.portal.id),
                ],
                headers: [Self.forwarded(certificate.certificate)]
            )
            #expect(tokens.status == 200, "\(tokens)")
            let access = try #require(try tokens.json()["access_token"]?.stringValue)
            let bearer = ("Authorization", "Bearer \(access)")
            let claims = try await server.get("/sms/userinfo", headers: [bearer, Self.forwarded(certificate.certificate)])
            #expect(claims.status == 200, "\(claims)")
            #expect(try claims.json()["sub"]?.stringValue == "u-alice")
            let other = try await server.get("/sms/userinfo", headers: [bearer, Self.forwarded(stranger.certificate)])
            expectOAuthError(other, status: 401, code: "invalid_token", mentioning: "bound to another client certificate")
            let none = try await server.get("/sms/userinfo", headers: [bearer])
            expectOAuthError(none, status: 401, code: "invalid_token", mentioning: "bound to a client certificate")
            let refused = try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: .userinfoRefused))
            #expect(refused.contains { $0.event.details["certificate_subject"] == "CN=stranger" })
        }
    }

    @Test("from anyone else the header is ignored: no certificate, so no tls_client_auth")
    func fromAnyoneElse() async throws {
        let ca = try TestCertificateAuthority(name: "client CA")
        try await Self.withServer(proxy: "10.9.9.9", ca: ca) { server in
            let orders = try ca.clientCertificate(commonName: "orders-mtls")
            let result = try await server.tokenRequest(
                [("grant_type", "client_credentials"), ("scope", "status"), ("client_id", "orders-mtls")],
                headers: [Self.forwarded(orders.certificate)]
            )
            expectOAuthError(result, status: 401, code: "invalid_client")
            let refusal = try #require(
                try await server.engine.auditEvents(after: 0, limit: 500, filter: AuditFilter(tenantID: "sms", type: .tokenRefused)).last?.event
            )
            #expect(refusal.details["description"]?.contains("without a client certificate") == true, "\(refusal.details)")
            #expect(refusal.details["certificate_subject"] == nil)
        }
    }

    @Test("settings: tls_client_auth needs exactly one name, names only with tls_client_auth, self-signed needs a JWKS")
    func settings() async throws {
        try await TestServer.with { server in
            func refusal(_ edit: (inout ClientSpec) -> Void) async -> AdminError? {
                var spec = ClientSpec(name: "m", authMethod: .tlsClientAuth, scopes: ["status"], audiences: [Audience.status])
                edit(&spec)
                do {
                    _ = try await server.engine.registerClient(tenantID: "sms", spec, actor: "test")
                    return nil
                } catch { return error }
            }
            let none = await refusal { _ in }
            #expect(none?.field == "tls_client_auth_subject_dn" && none?.message.contains("exactly one") == true, "\(String(describing: none))")
            let two = await refusal {
                $0.tlsClientAuthSubjectDN = "CN=a"
                $0.tlsClientAuthSANDNS = "a.example"
            }
            #expect(two?.field == "tls_client_auth_subject_dn, tls_client_auth_san_dns", "\(String(describing: two))")
            let badIP = await refusal { $0.tlsClientAuthSANIP = "300.1.1.1" }
            #expect(badIP?.field == "tls_client_auth_san_ip", "\(String(describing: badIP))")
            let badDN = await refusal { $0.tlsClientAuthSubjectDN = "orders" }
            #expect(badDN?.field == "tls_client_auth_subject_dn", "\(String(describing: badDN))")
            let stray = await refusal {
                $0.authMethod = .clientSecretBasic
                $0.tlsClientAuthSANDNS = "a.example"
            }
            #expect(stray?.field == "tls_client_auth_san_dns" && stray?.message.contains("only a tls_client_auth client") == true)
            let selfSigned = await refusal { $0.authMethod = .selfSignedTLSClientAuth }
            #expect(selfSigned?.field == "jwks", "\(String(describing: selfSigned))")
            #expect(await refusal { $0.tlsClientAuthSANIP = "::1" } == nil)
        }
    }
}
