import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Issue #2 item 2: client administration through the engine, as the token endpoint sees it.
@Suite("client administration over HTTP")
struct ClientAdminTests {
    @Test("a registered client has a 256-bit secret shown once, and gets tokens with it")
    func registerClient() async throws {
        try await TestServer.with { server in
            let registered = try await server.engine.registerClient(
                tenantID: "sms",
                id: "invoice-reader",
                .init(
                    name: "Invoice reader",
                    scopes: ["invoice-read"],
                    audiences: [Audience.invoices],
                    accessTokenLifetime: 120
                ),
                actor: "test"
            )
            let secret = try #require(registered.secret)
            #expect(Base64URL.decode(secret)?.count == 32 || secret.utf8.count >= 43, "256 bits: \(secret.utf8.count) characters")
            #expect(registered.client.secretDigest != nil)
            let client = DemoClient(id: "invoice-reader", secret: secret, method: .clientSecretBasic)
            let result = try await server.tokenRequest([("grant_type", "client_credentials")], basic: client)
            #expect(result.status == 200, "\(result)")
            #expect(try result.json()["expires_in"]?.intValue == 120)
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.string("scope") == "invoice-read")
            #expect((jws.int("exp") ?? 0) - (jws.int("iat") ?? 0) == 120)
        }
    }

    @Test("a rotated secret: the old one stops working at once, the new one works")
    func rotateSecret() async throws {
        try await TestServer.with { server in
            let rotated = try await server.engine.rotateClientSecret(tenantID: "sms", clientID: "billing-service", actor: "test")
            let secret = try #require(rotated.secret)
            expectOAuthError(
                try await server.tokenRequest([("grant_type", "client_credentials")], basic: .billing),
                status: 401,
                code: "invalid_client"
            )
            #expect(try await server.tokenRequest([("grant_type", "client_credentials")], basic: DemoClient.billing.withSecret(secret)).status == 200)
        }
    }

    @Test("an updated client: new scopes and token format apply to the next token")
    func updateClient() async throws {
        try await TestServer.with { server in
            _ = try await server.engine.updateClient(tenantID: "sms", clientID: "billing-service", actor: "test") {
                $0.scopes = ["invoice-read"]
                $0.tokenFormat = .opaque
            }
            expectOAuthError(
                try await server.tokenRequest([("grant_type", "client_credentials"), ("scope", "invoice-write")], basic: .billing),
                status: 400,
                code: "invalid_scope"
            )
            let token = try await server.accessToken(.billing)
            #expect(JWS.parse(token) == nil, "now opaque")
            #expect(try await server.introspect(token).json()["scope"]?.stringValue == "invoice-read")
        }
    }

    @Test("a deleted client: its tokens are revoked and it cannot authenticate")
    func deleteClient() async throws {
        try await TestServer.with { server in
            let tokens = [try await server.accessToken(.partnerPortal), try await server.accessToken(.partnerPortal)]
            let summary = try await server.engine.deleteClient(tenantID: "sms", clientID: "partner-portal", actor: "test")
            #expect(summary.revoked == 2)
            for token in tokens { #expect(try await server.isActive(token) == false) }
            expectOAuthError(
                try await server.tokenRequest([("grant_type", "client_credentials")] + DemoClient.partnerPortal.postParameters),
                status: 401,
                code: "invalid_client"
            )
        }
    }
}
