import AuthEngine
import ClaimdeckTestSupport
import Foundation
import JOSE
import Testing

/// Token exchange's refusals (RFC 8693 §2.2.2), each rule a subject token, a target or a client can break;
/// then discovery and the policy's validation.
extension TokenExchangeTests {
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
            for type in [
                "urn:ietf:params:oauth:token-type:refresh_token", "urn:ietf:params:oauth:token-type:id_token",
                "urn:ietf:params:oauth:token-type:saml2", "bearer",
            ] {
                expectOAuthError(
                    try await server.tokenRequest(Self.form(subject, type: type, [("audience", Self.ledger)]), basic: api),
                    status: 400,
                    code: "invalid_request"
                )
            }
        }
    }

    @Test("a requested_token_type other than access_token: 400 invalid_request")
    func unsupportedRequestedTokenType() async throws {
        try await Self.withSubject { server, api, subject in
            for type in ["urn:ietf:params:oauth:token-type:refresh_token", "urn:ietf:params:oauth:token-type:id_token", Self.jwtType] {
                let result = try await server.tokenRequest(
                    Self.form(subject, [("audience", Self.ledger), ("requested_token_type", type)]),
                    basic: api
                )
                expectOAuthError(result, status: 400, code: "invalid_request")
            }
        }
    }

    @Test("a revoked subject token: 400 invalid_request")
    func revokedSubject() async throws {
        try await Self.withSubject { server, api, subject in
            let jti = try #require(JWS.parse(subject)?.string("jti"))
            _ = try await server.engine.revokeTokens(.token(tenantID: "sms", tokenID: jti), reason: "test", actor: "test")
            let body = expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
            #expect(body["error_description"]?.stringValue?.contains("revoked") == true)
        }
    }

    @Test("an expired subject token: 400 invalid_request")
    func expiredSubject() async throws {
        let clock = ManualWallClock(Date())
        try await TestServer.with(clock: clock) { server in
            let api = try await Self.registerAPI(server)
            let short = try await server.engine.registerClient(
                tenantID: "sms",
                id: "short-lived",
                ClientSpec(
                    name: "Short lived",
                    scopes: ["invoice-read"],
                    audiences: [Audience.invoices],
                    accessTokenLifetime: 1
                ),
                actor: "test"
            )
            let subject = try await server.accessToken(DemoClient(id: "short-lived", secret: short.secret ?? "", method: .clientSecretBasic))
            clock.advance(by: 2.1)
            let body = expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
            #expect(body["error_description"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test("a token of another tenant: 400 invalid_request")
    func foreignTenantSubject() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server)
            _ = try await server.engine.createTenant(id: "other", actor: "test")
            _ = try await server.engine.publishDesign(
                PublishRequest(
                    tenantID: "other",
                    design: TokenDesign(scopes: [ScopeDefinition(tenantID: "other", name: "invoice-read", description: "read")]),
                    note: "scope"
                ),
                actor: "test"
            )
            let other = try await server.engine.registerClient(
                tenantID: "other",
                id: "billing-service",
                ClientSpec(name: "Other billing", scopes: ["invoice-read"], audiences: [Audience.invoices]),
                actor: "test"
            )
            let issued = try await server.postForm(
                "/other/token",
                [("grant_type", "client_credentials")],
                basic: DemoClient(id: "billing-service", secret: other.secret ?? "", method: .clientSecretBasic)
            )
            let foreign = try #require(try issued.json()["access_token"]?.stringValue)
            expectOAuthError(
                try await server.tokenRequest(Self.form(foreign, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
        }
    }

    @Test("a subject token whose client is disabled: 400 invalid_request, accepted again once it is enabled")
    func disabledSubjectClient() async throws {
        try await Self.withSubject { server, api, subject in
            _ = try await server.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
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
                expectOAuthError(
                    try await server.tokenRequest(Self.form(token, [("audience", Self.ledger)]), basic: api),
                    status: 400,
                    code: "invalid_request"
                )
            }
        }
    }

    @Test("a subject token not issued for the caller (aud), or from a client the policy excludes: 400 invalid_request")
    func subjectNotMeantForCaller() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, subjectClients: ["partner-portal"])
            // billing-service's token is for the invoices API, but the policy accepts only partner-portal's tokens.
            let billing = try await server.accessToken(.billing)
            expectOAuthError(
                try await server.tokenRequest(Self.form(billing, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
            // api-gateway's token is for the status API, not for invoices-api.
            let gateway = try await server.accessToken(.apiGateway)
            let body = expectOAuthError(
                try await server.tokenRequest(Self.form(gateway, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_request"
            )
            #expect(body["error_description"]?.stringValue?.contains("aud") == true)
        }
    }

    @Test("a scope the subject token lacks, or the client may not have: 400 invalid_scope")
    func scopeWidening() async throws {
        try await Self.withSubject { server, api, subject in
            // The client may have sms, the subject token (invoice-read invoice-write) has not.
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-read sms")]), basic: api),
                status: 400,
                code: "invalid_scope"
            )
            // The subject token has invoice-write, the client may not have it.
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-write")]), basic: api),
                status: 400,
                code: "invalid_scope"
            )
            #expect(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("scope", "invoice-read")]), basic: api).status == 200
            )
        }
    }

    @Test("a subject token sharing no scope with the client: 400 invalid_scope")
    func noCommonScope() async throws {
        try await TestServer.with { server in
            let api = try await Self.registerAPI(server, scopes: ["sms"])
            let subject = try await server.accessToken(.billing)
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "invalid_scope"
            )
        }
    }

    @Test("an audience or resource the policy does not allow: 400 invalid_target")
    func disallowedAudience() async throws {
        try await Self.withSubject { server, api, subject in
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Audience.sms)]), basic: api),
                status: 400,
                code: "invalid_target"
            )
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("resource", Self.reports)]), basic: api),
                status: 400,
                code: "invalid_target"
            )
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("resource", "not a uri")]), basic: api),
                status: 400,
                code: "invalid_target"
            )
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
            let body = expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "unauthorized_client"
            )
            #expect(body["error_description"]?.stringValue?.contains("exchange-policy") == true)
            _ = try await server.engine.setTokenExchangePolicy(
                tenantID: "sms",
                clientID: Self.apiID,
                TokenExchangePolicySpec(targetAudiences: [Self.ledger], subjectAudiences: [Audience.invoices]),
                actor: "test"
            )
            #expect(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api).status == 200)
            try await server.engine.clearTokenExchangePolicy(tenantID: "sms", clientID: Self.apiID, actor: "test")
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api),
                status: 400,
                code: "unauthorized_client"
            )
        }
    }

    @Test("a client not allowed the grant: 400 unauthorized_client")
    func clientWithoutGrant() async throws {
        try await TestServer.with { server in
            let subject = try await server.accessToken(.apiGateway)
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: .billing),
                status: 400,
                code: "unauthorized_client"
            )
        }
    }

    @Test("a public client: 400 unauthorized_client")
    func publicClient() async throws {
        try await TestServer.with { server in
            try await Self.registerAPI(server, id: "spa", type: .public, grants: [.tokenExchange], targets: nil)
            let subject = try await server.accessToken(.billing)
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger), ("client_id", "spa")])),
                status: 400,
                code: "unauthorized_client"
            )
        }
    }

    @Test("unauthenticated exchange: 401 invalid_client")
    func unauthenticated() async throws {
        try await Self.withSubject { server, api, subject in
            expectOAuthError(try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)])), status: 401, code: "invalid_client")
            expectOAuthError(
                try await server.tokenRequest(Self.form(subject, [("audience", Self.ledger)]), basic: api.withSecret("wrong")),
                status: 401,
                code: "invalid_client"
            )
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
            #expect(
                await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: [Self.ledger], subjectClients: ["ghost"]))?.field
                    == "subject client"
            )
            #expect(await refusal("ghost", TokenExchangePolicySpec(targetAudiences: [Self.ledger]))?.code == .notFound)
            #expect(await refusal(Self.apiID, TokenExchangePolicySpec(targetAudiences: [Self.ledger])) == nil)
        }
    }
}
