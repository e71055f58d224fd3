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
    static func registerAPI(_ server: TestServer, id: String = apiID, type: ClientType = .confidential,
                            grants: [GrantType] = [.tokenExchange, .clientCredentials], scopes: [String] = ["invoice-read", "sms"],
                            targets: [String]? = [ledger], subjectAudiences: [String] = [Audience.invoices],
                            subjectClients: [String] = []) async throws -> DemoClient {
        let registered = try await server.engine.registerClient(
            tenantID: "sms", id: id, ClientSpec(name: id, type: type, grantTypes: grants, scopes: scopes), actor: "test")
        if let targets {
            _ = try await server.engine.setTokenExchangePolicy(
                tenantID: "sms", clientID: id,
                TokenExchangePolicySpec(targetAudiences: targets, subjectAudiences: subjectAudiences, subjectClients: subjectClients),
                actor: "test")
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
            let everything = String(decoding: try JSONEncoder().encode(try await server.store.events(after: 0, limit: 10_000, filter: AuditFilter())), as: UTF8.self)
            #expect(!everything.contains(subject) && !everything.contains(token))
        }
    }

    @Test("RFC 8707 resource works like audience, and the jwt subject token type is accepted for a JWT")
    func resourceAndJWTType() async throws {
        try await Self.withSubject { server, api, subject in
            let result = try await server.tokenRequest(Self.form(subject, type: Self.jwtType, [("resource", Self.ledger),
                                                                                             ("requested_token_type", Self.accessTokenType)]), basic: api)
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
            let ledgerAPI = try await Self.registerAPI(server, id: "ledger-api", grants: [.tokenExchange], scopes: ["invoice-read"],
                                                       targets: [Self.reports], subjectAudiences: [Self.ledger])
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
            let result = try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("actor_token", own),
                                                                           ("actor_token_type", Self.accessTokenType)]), basic: api)
            #expect(result.status == 200, "\(result)")
            let jws = try await server.verifiedJWS(try #require(try result.json()["access_token"]?.stringValue))
            #expect(jws.payload["act"] == .object(["sub": .string(Self.apiID)]))
            let foreign = try await server.accessToken(.apiGateway)
            let refused = try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("actor_token", foreign),
                                                                            ("actor_token_type", Self.accessTokenType)]), basic: api)
            expectOAuthError(refused, status: 400, code: "invalid_request")
        }
    }

    @Test("actor_token without actor_token_type, or the type without the token: 400 invalid_request")
    func actorTokenTypePairing() async throws {
        try await Self.withSubject { server, api, subject in
            let own = try await server.accessToken(api)
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("actor_token", own)]), basic: api),
                             status: 400, code: "invalid_request")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("actor_token_type", Self.accessTokenType)]),
                                                           basic: api), status: 400, code: "invalid_request")
        }
    }

    @Test("missing subject_token: 400 invalid_request")
    func missingSubjectToken() async throws {
        try await Self.withSubject { server, api, _ in
            let result = try await server.tokenRequest([("grant_type", Self.grant), ("subject_token_type", Self.accessTokenType)], basic: api)
            let body = expectOAuthError(result, status: 400, code: "invalid_request")
            #expect(body["error_description"]?.stringValue?.contains("subject_token") == true)
        }
    }

    @Test("missing subject_token_type: 400 invalid_request")
    func missingSubjectTokenType() async throws {
        try await Self.withSubject { server, api, subject in
            let result = try await server.tokenRequest([("grant_type", Self.grant), ("subject_token", subject)], basic: api)
            expectOAuthError(result, status: 400, code: "invalid_request")
        }
    }

    @Test("an unsupported subject_token_type: 400 invalid_request")
    func unsupportedSubjectTokenType() async throws {
        try await Self.withSubject { server, api, subject in
            for type in ["urn:ietf:params:oauth:token-type:refresh_token", "urn:ietf:params:oauth:token-type:id_token",
                         "urn:ietf:params:oauth:token-type:saml2", "bearer"] {
                expectOAuthError(try await server.tokenRequest(Self.form(subject, type: type, [("audience", Self.ledger)]), basic: api),
                                 status: 400, code: "invalid_request")
            }
        }
    }

    @Test("a requested_token_type other than access_token: 400 invalid_request")
    func unsupportedRequestedTokenType() async throws {
        try await Self.withSubject { server, api, subject in
            for type in ["urn:ietf:params:oauth:token-type:refresh_token", "urn:ietf:params:oauth:token-type:id_token", Self.jwtType] {
                let result = try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("requested_token_type", type)]), basic: api)
                expectOAuthError(result, status: 400, code: "invalid_request")
            }
        }
    }

    @Test("a revoked subject token: 400 invalid_request")
    func revokedSubject() async throws {
        try await Self.withSubject { server, api, subject in
            let jti = try #require(JWS.parse(subject)?.string("jti"))
            _ = try await server.engine.revokeTokens(.token(tenantID: "sms", tokenID: jti), reason: "test", actor: "test")
            let body = expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                                        status: 400, code: "invalid_request")
            #expect(body["error_description"]?.stringValue?.contains("revoked") == true)
        }
    }

    @Test("an expired subject token: 400 invalid_request")
    func expiredSubject() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let api = try await Self.registerAPI(server)
            let short = try await server.engine.registerClient(
                tenantID: "sms", id: "short-lived", ClientSpec(name: "Short lived", scopes: ["invoice-read"], audiences: [Audience.invoices],
                                            accessTokenLifetime: 1), actor: "test")
            let subject = try await server.accessToken(DemoClient(id: "short-lived", secret: short.secret ?? "", method: .clientSecretBasic))
            clock.advance(by: 2.1)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                                        status: 400, code: "invalid_request")
            #expect(body["error_description"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test("a token of another tenant: 400 invalid_request")
    func foreignTenantSubject() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server)
            _ = try await server.engine.createTenant(id: "other", actor: "test")
            _ = try await server.engine.publishDesign(
                PublishRequest(tenantID: "other", design: TokenDesign(scopes: [ScopeDefinition(tenantID: "other", name: "invoice-read", description: "read")]),
                               note: "scope"), actor: "test")
            let other = try await server.engine.registerClient(
                tenantID: "other", id: "billing-service", ClientSpec(name: "Other billing", scopes: ["invoice-read"], audiences: [Audience.invoices]),
                actor: "test")
            let issued = try await server.postForm("/other/token", [("grant_type", "client_credentials")],
                                                   basic: DemoClient(id: "billing-service", secret: other.secret ?? "", method: .clientSecretBasic))
            let foreign = try #require(try issued.json()["access_token"]?.stringValue)
            expectOAuthError(try await server.tokenRequest(Self.form(foreign, [("audience", Self.ledger)]), basic: api),
                             status: 400, code: "invalid_request")
        }
    }

    @Test("a subject token whose client is disabled: 400 invalid_request, accepted again once it is enabled")
    func disabledSubjectClient() async throws {
        try await Self.withSubject { server, api, subject in
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                             status: 400, code: "invalid_request")
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: false, actor: "test")
            #expect(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api).status == 200)
        }
    }

    @Test("a forged or altered subject token: 400 invalid_request")
    func forgedSubject() async throws {
        try await Self.withSubject { server, api, subject in
            var parts = subject.split(separator: ".").map(String.init)
            var claims = try #require(JWS.parse(subject)?.payload)
            claims["scope"] = .string("invoice-read sms")
            parts[1] = Base64URL.encode(JSONValue.object(claims).serialized())
            let altered = parts.joined(separator: ".")
            for token in [altered, "cdo_" + String(repeating: "A", count: 60), "not-a-token"] {
                expectOAuthError(try await server.tokenRequest(Self.form(token, [("audience", Self.ledger)]), basic: api),
                                 status: 400, code: "invalid_request")
            }
        }
    }

    @Test("a subject token not issued for the caller (aud), or from a client the policy excludes: 400 invalid_request")
    func subjectNotMeantForCaller() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, subjectClients: ["partner-portal"])
            // billing-service's token is for the invoices API, but the policy accepts only partner-portal's tokens.
            let billing = try await server.accessToken(.billing)
            expectOAuthError(try await server.tokenRequest(Self.form(billing, [("audience", Self.ledger)]), basic: api),
                             status: 400, code: "invalid_request")
            // api-gateway's token is for the status API, not for invoices-api.
            let gateway = try await server.accessToken(.apiGateway)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(gateway, [("audience", Self.ledger)]), basic: api),
                                        status: 400, code: "invalid_request")
            #expect(body["error_description"]?.stringValue?.contains("aud") == true)
        }
    }

    @Test("a scope the subject token lacks, or the client may not have: 400 invalid_scope")
    func scopeWidening() async throws {
        try await Self.withSubject { server, api, subject in
            // The client may have sms, the subject token (invoice-read invoice-write) has not.
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-read sms")]), basic: api),
                             status: 400, code: "invalid_scope")
            // The subject token has invoice-write, the client may not have it.
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-write")]), basic: api),
                             status: 400, code: "invalid_scope")
            #expect(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-read")]), basic: api).status == 200)
        }
    }

    @Test("a subject token sharing no scope with the client: 400 invalid_scope")
    func noCommonScope() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, scopes: ["sms"])
            let subject = try await server.accessToken(.billing)
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                             status: 400, code: "invalid_scope")
        }
    }

    @Test("an audience or resource the policy does not allow: 400 invalid_target")
    func disallowedAudience() async throws {
        try await Self.withSubject { server, api, subject in
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Audience.sms)]), basic: api),
                             status: 400, code: "invalid_target")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("resource", Self.reports)]), basic: api),
                             status: 400, code: "invalid_target")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("resource", "not a uri")]), basic: api),
                             status: 400, code: "invalid_target")
        }
    }

    @Test("no target named while the policy allows several: 400 invalid_request")
    func ambiguousTarget() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, targets: [Self.ledger, Self.reports])
            let subject = try await server.accessToken(.billing)
            expectOAuthError(try await server.tokenRequest(Self.form(subject), basic: api), status: 400, code: "invalid_request")
            let both = try await server.tokenRequest(Self.form(subject, [("audience", "\(Self.ledger) \(Self.reports)")]), basic: api)
            #expect(both.status == 200, "\(both)")
        }
    }

    @Test("a client without a policy: 400 unauthorized_client; the policy cleared: refused again")
    func clientWithoutPolicy() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, targets: nil)
            let subject = try await server.accessToken(.billing)
            let body = expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                                        status: 400, code: "unauthorized_client")
            #expect(body["error_description"]?.stringValue?.contains("exchange-policy") == true)
            _ = try await server.engine.setTokenExchangePolicy(tenantID: "sms", clientID: Self.apiID,
                                                               TokenExchangePolicySpec(targetAudiences: [Self.ledger], subjectAudiences: [Audience.invoices]),
                                                               actor: "test")
            #expect(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api).status == 200)
            try await server.engine.clearTokenExchangePolicy(tenantID: "sms", clientID: Self.apiID, actor: "test")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                             status: 400, code: "unauthorized_client")
        }
    }

    @Test("a client not allowed the grant: 400 unauthorized_client")
    func clientWithoutGrant() async throws {
        try await TestServer.with { server in
            let subject = try await server.accessToken(.apiGateway)
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: .billing),
                             status: 400, code: "unauthorized_client")
        }
    }

    @Test("a public client: 400 unauthorized_client")
    func publicClient() async throws {
        try await TestServer.with { server in
            try await Self.registerAPI(server, id: "spa", type: .public, grants: [.tokenExchange], targets: nil)
            let subject = try await server.accessToken(.billing)
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("client_id", "spa")])),
                             status: 400, code: "unauthorized_client")
        }
    }

    @Test("unauthenticated exchange: 401 invalid_client")
    func unauthenticated() async throws {
        try await Self.withSubject { server, api, subject in
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)])), status: 401, code: "invalid_client")
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api.withSecret("wrong")),
                             status: 401, code: "invalid_client")
        }
    }

    @Test("a refusal is audited as token.refused with its reason, without the token")
    func refusalAudited() async throws {
        try await Self.withSubject { server, api, subject in
            _ = try await server.tokenRequest(Self.form(subject, [("audience", Audience.sms)]), basic: api)
            let refused = try await server.store.events(after: 0, limit: 1000, filter: AuditFilter(tenantID: "sms", type: .tokenRefused))
            let event = try #require(refused.last)
            #expect(event.event.reason == "invalid_target")
            #expect(event.event.clientID == Self.apiID)
            #expect(event.event.details["grant_type"] == Self.grant)
            #expect(event.event.details["description"]?.contains(Audience.sms) == true)
            #expect(!String(decoding: try JSONEncoder().encode(refused), as: UTF8.self).contains(subject))
        }
    }

    @Test("discovery lists the token exchange and JWT bearer grants")
    func discovery() async throws {
        try await TestServer.with { server in
            let doc = try await server.get("/sms/.well-known/openid-configuration").json()
            let grants = doc["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(grants.contains(Self.grant))
            #expect(grants.contains("urn:ietf:params:oauth:grant-type:jwt-bearer"))
        }
    }

    @Test("policy input is validated and names the field")
    func policyValidation() async throws {
        try await TestServer.with { server in
            try await Self.registerAPI(server, targets: nil)
            func refusal(_ clientID: String, _ spec: TokenExchangePolicySpec) async -> AdminError? {
                do {
                    _ = try await server.engine.setTokenExchangePolicy(tenantID: "sms", clientID: clientID, spec, actor: "test")
                    return nil
                } catch {
                    return error
                }
            }
            #expect(await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: []))?.field == "audience")
            let noGrant = await refusal("billing-service", TokenExchangePolicySpec(targetAudiences: [Self.ledger]))
            #expect(noGrant?.field == "client" && noGrant?.message.contains("token-exchange") == true)
            #expect(await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: ["has space"]))?.field == "audience")
            #expect(await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: [Self.ledger], subjectClients: ["ghost"]))?.field == "subject client")
            #expect(await refusal("ghost", TokenExchangePolicySpec(targetAudiences: [Self.ledger]))?.code == .notFound)
            #expect(await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: [Self.ledger])) == nil)
        }
    }
}
