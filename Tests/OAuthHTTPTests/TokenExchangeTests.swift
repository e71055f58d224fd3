import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Issue #3 item 7: token exchange (RFC 8693) over HTTP. An API ("invoices-api") receives billing-service's
/// token (aud: the invoices API) and exchanges it for a token for a downstream API (the ledger).
/// Refusals of the subject or actor token are `invalid_request` (RFC 8693 §2.2.2).
@Suite("token exchange")
struct TokenExchangeTests {
    static let grant = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let jwtType = "urn:ietf:params:oauth:token-type:jwt"
    static let ledger = "https://api.sms.example/ledger"
    static let reports = "https://api.sms.example/reports"
    static let apiID = "invoices-api"

    /// Registers an exchanging client and, unless `targets` is nil, its policy; returns its credentials.
    @discardableResult
    static func registerAPI(
        _ server: TestServer,
        id: String = apiID,
        type: ClientType = .confidential,
        grants: [GrantType] = [.tokenExchange, .clientCredentials],
        scopes: [String] = ["invoice-read", "sms"],
        targets: [String]? = [ledger],
        subjectAudiences: [String] = [Audience.invoices],
        subjectClients: [String] = []
    ) async throws -> DemoClient {
        let registered = try await server.engine.registerClient(
            tenantID: "sms",
            id: id,
            ClientSpec(name: id, type: type, grantTypes: grants, scopes: scopes),
            actor: "test"
        )
        if let targets {
            _ = try await server.engine.setTokenExchangePolicy(
                tenantID: "sms",
                clientID: id,
                TokenExchangePolicySpec(targetAudiences: targets, subjectAudiences: subjectAudiences, subjectClients: subjectClients),
                actor: "test"
            )
        }
        return DemoClient(id: id, secret: registered.secret ?? "", method: .clientSecretBasic)
    }

    static func form(_ subject: String, type: String = accessTokenType, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("grant_type", grant), ("subject_token", subject), ("subject_token_type", type)] + extra
    }

    /// A server with invoices-api registered and a billing-service token (aud: invoices) to exchange.
    static func withSubject(_ body: (TestServer, DemoClient, String) async throws -> Void) async throws {
        try await TestServer.with { server in
            let api = try await registerAPI(server)
            try await body(server, api, try await server.accessToken(.billing))
        }
    }

    @Test("a JWT subject token becomes a token for the downstream API: same sub, act names the caller, narrower scope")
    func exchangesJWT() async throws {
        try await Self.withSubject { server, api, subject in
            let result = try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api)
            #expect(result.status == 200, "\(result)")
            #expect(result.header("Cache-Control") == "no-store")
            let body = try result.json()
            #expect(body["issued_token_type"]?.stringValue == Self.accessTokenType)
            #expect(body["token_type"]?.stringValue == "Bearer")
            #expect(body["scope"]?.stringValue == "invoice-read")
            #expect(body["refresh_token"] == nil)
            let expiresIn = try #require(body["expires_in"]?.intValue)
            #expect(expiresIn > 0 && expiresIn <= 300)
            let token = try #require(body["access_token"]?.stringValue)
            let jws = try await server.verifiedJWS(token)
            #expect(jws.string("sub") == "billing-service")
            #expect(jws.string("client_id") == Self.apiID)
            #expect(jws.string("aud") == Self.ledger)
            #expect(jws.string("scope") == "invoice-read")
            #expect(jws.payload["act"] == .object(["sub": .string(Self.apiID)]))
            let exp = try #require(jws.int("exp"))
            let subjectExp = try #require(JWS.parse(subject)?.int("exp"))
            #expect(exp <= subjectExp, "never outlives the subject token")

            let introspected = try await server.introspect(token).json()
            #expect(introspected["active"] == .bool(true))
            #expect(introspected["act"] == .object(["sub": .string(Self.apiID)]))

            let issued = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms", type: .tokenIssued))
            let event = try #require(issued.first { $0.event.tokenID == jws.string("jti") })
            #expect(event.event.details["grant_type"] == Self.grant)
            #expect(event.event.details["subject_token_id"] == JWS.parse(subject)?.string("jti"))
            #expect(event.event.subject == "billing-service" && event.event.clientID == Self.apiID)
            let everything = String(
                decoding: try JSONEncoder().encode(try await server.store.events(after: 0, limit: 10_000, filter: AuditFilter())),
                as: UTF8.self
            )
            #expect(!everything.contains(subject) && !everything.contains(token))
        }
    }

    @Test("RFC 8707 resource works like audience, and the jwt subject token type is accepted for a JWT")
    func resourceAndJWTType() async throws {
        try await Self.withSubject { server, api, subject in
            let result = try await server.tokenRequest(
                Self.form(
                    subject,
                    type: Self.jwtType,
                    [
                        ("resource", Self.ledger),
                        ("requested_token_type", Self.accessTokenType),
                    ]
                ),
                basic: api
            )
            #expect(result.status == 200, "\(result)")
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.string("aud") == Self.ledger)
        }
    }

    @Test("an exchanged token exchanged again nests the earlier actor in act")
    func nestedActor() async throws {
        try await Self.withSubject { server, api, subject in
            let first = try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api)
            let exchanged = try #require(try first.json()["access_token"]?.stringValue)
            let ledgerAPI = try await Self.registerAPI(
                server,
                id: "ledger-api",
                grants: [.tokenExchange],
                scopes: ["invoice-read"],
                targets: [Self.reports],
                subjectAudiences: [Self.ledger]
            )
            let second = try await server.tokenRequest(Self.form(exchanged), basic: ledgerAPI)
            #expect(second.status == 200, "\(second)")
            let jws = try await server.verifiedJWS(try #require(try second.json()["access_token"]?.stringValue))
            #expect(jws.string("sub") == "billing-service")
            #expect(jws.string("aud") == Self.reports, "the policy's single target is the default")
            #expect(jws.payload["act"] == .object(["sub": .string("ledger-api"), "act": .object(["sub": .string(Self.apiID)])]))
        }
    }

    @Test("an opaque subject token is exchanged as an access token, refused when called a JWT")
    func opaqueSubject() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, scopes: ["sms"], subjectAudiences: [Audience.sms])
            let opaque = try await server.accessToken(.partnerPortal)
            let result = try await server.tokenRequest(Self.form(opaque, [("audience", Self.ledger)]), basic: api)
            #expect(result.status == 200, "\(result)")
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.string("sub") == "partner-portal" && jws.string("scope") == "sms")
            let asJWT = try await server.tokenRequest(Self.form(opaque, type: Self.jwtType, [("audience", Self.ledger)]), basic: api)
            expectOAuthError(asJWT, status: 400, code: "invalid_request")
        }
    }

    @Test("an actor_token issued to the caller names the actor; one issued to another client is refused")
    func actorToken() async throws {
        try await Self.withSubject { server, api, subject in
            let own = try await server.accessToken(api)
            let result = try await server.tokenRequest(
                Self.form(
                    subject,
                    [
                        ("audience", Self.ledger), ("actor_token", own),
                        ("actor_token_type", Self.accessTokenType),
                    ]
                ),
                basic: api
            )
            #expect(result.status == 200, "\(result)")
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.payload["act"] == .object(["sub": .string(Self.apiID)]))
            let foreign = try await server.accessToken(.apiGateway)
            let refused = try await server.tokenRequest(
                Self.form(
                    subject,
                    [
                        ("audience", Self.ledger), ("actor_token", foreign),
                        ("actor_token_type", Self.accessTokenType),
                    ]
                ),
                basic: api
            )
            expectOAuthError(refused, status: 400, code: "invalid_request")
        }
    }

    @Test("actor_token without actor_token_type, or the type without the token: 400 invalid_request")
    func actorTokenTypePairing() async throws {
        try await Self.withSubject { server, api, subject in
            let own = try await server.accessToken(api)
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("actor_token", own)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
            expectOAuthError(
                try await server.tokenRequest(
                    Self.form(subject, [("audience", Self.ledger), ("actor_token_type", Self.accessTokenType)]),
                    basic: api
                ),
                status: 400,
                code: "invalid_request"
            )
        }
    }
}
