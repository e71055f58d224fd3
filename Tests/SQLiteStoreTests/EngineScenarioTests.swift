import AuthEngine
import Foundation
import JOSE
import SQLiteStore
import Testing

@Suite("Engine over a real SQLite file")
struct EngineScenarioTests {
    @Test func issuedTokenIsStoredAndAudited() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let response = try await f.issue()
        let record = try #require(try await f.store.token(id: response.record.id))
        #expect(record.digest == SecretDigest.sha256(response.accessToken))
        #expect(record.subject == "billing-service")
        #expect(record.audiences == ["https://api.sms.example/invoices"])
        let events = try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(tokenID: record.id))
        #expect(events.map(\.event.type) == [.tokenIssued])
        #expect(try await f.store.verifyChain().isIntact)
    }

    @Test func expiryMakesIntrospectionInactive() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let t = try await f.issue()
        #expect(try await f.introspect(t.accessToken).active)
        f.clock.advance(by: 301)
        #expect(try await f.introspect(t.accessToken).active == false)
    }

    @Test func revocationSummarySaysUntilWhenJWTsStayUsable() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let jwt = try await f.issue()
        let opaque = try await f.engine.token(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [
                    ("grant_type", "client_credentials"), ("client_id", "partner-portal"), ("client_secret", "partner-demo-secret"),
                ]),
                authorization: nil
            )
        )
        let preview = try await f.engine.previewRevocation(.tenant(tenantID: "sms"))
        #expect(preview.revoked == 2 && preview.jwtCount == 1 && preview.opaqueCount == 1)
        #expect(preview.jwtUsableUntil == jwt.record.expiresAt)
        #expect(Set(preview.clients) == ["billing-service", "partner-portal"])
        // The dry run changed nothing.
        #expect(try await f.introspect(opaque.accessToken).active)
        let done = try await f.engine.revokeTokens(.tenant(tenantID: "sms"), reason: "incident", actor: "test")
        #expect(done == preview)
        #expect(try await f.introspect(opaque.accessToken).active == false)
        #expect(try await f.introspect(jwt.accessToken).active == false)
        // Nothing left to revoke.
        #expect(try await f.engine.revokeTokens(.tenant(tenantID: "sms"), reason: "again", actor: "test").revoked == 0)
        let revoked = try await f.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenRevoked))
        #expect(revoked.first?.event.details["revoked"] == "2")
        #expect(revoked.first?.event.reason == "incident")
    }

    @Test func revokeBySubjectAndClientOnlyTouchesThose() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let a = try await f.issue()
        let b = try await f.issue("api-gateway", secret: "gateway-demo-secret")
        let s = try await f.engine.revokeTokens(.client(tenantID: "sms", clientID: "billing-service"), reason: "x", actor: "test")
        #expect(s.revoked == 1)
        #expect(try await f.introspect(a.accessToken).active == false)
        #expect(try await f.introspect(b.accessToken).active)
        let s2 = try await f.engine.revokeTokens(.subject(tenantID: "sms", subject: "api-gateway"), reason: "x", actor: "test")
        #expect(s2.revoked == 1)
        await #expect(throws: AdminError.self) {
            try await f.engine.revokeTokens(.token(tenantID: "sms", tokenID: "nope"), reason: "x", actor: "test")
        }
        await #expect(throws: AdminError.self) {
            try await f.engine.revokeTokens(.tenant(tenantID: "ghost"), reason: "x", actor: "test")
        }
    }

    @Test func keyRotationPublishesBeforeSigningAndKeepsRetiredKeysUntilTokensExpire() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let before = try await f.engine.keys(tenantID: "sms").filter { $0.record.algorithm == .es256 }
        let active = try #require(before.first { $0.record.state == .active })
        let next = try #require(before.first { $0.record.state == .next })
        let jwks0 = try f.engine.jwks(tenantID: "sms").keys.map(\.kid)
        #expect(jwks0.contains(next.record.kid))  // published before it signs
        let old = try await f.issue()
        #expect(old.record.keyID == active.record.kid)

        let change = try await f.engine.rotateKey(tenantID: "sms", actor: "test")
        #expect(change.activated == next.record.kid && change.retired == active.record.kid)
        #expect(change.outstandingTokens == 1)
        #expect(change.publishedUntil! >= old.record.expiresAt)
        let fresh = try await f.issue()
        #expect(fresh.record.keyID == next.record.kid)
        let jwks1 = try f.engine.jwks(tenantID: "sms").keys.map(\.kid)
        #expect(jwks1.contains(active.record.kid) && jwks1.contains(next.record.kid) && jwks1.contains(change.next!))
        // Old tokens still verify with the published retired key.
        let parsed = try #require(JWS.parse(old.accessToken))
        let key = try VerificationKey(jwk: try #require(f.engine.jwks(tenantID: "sms").key(kid: active.record.kid)))
        #expect(parsed.verify(with: key))
        f.clock.advance(by: 86_401)
        #expect(!(try f.engine.jwks(tenantID: "sms").keys.map(\.kid)).contains(active.record.kid))
    }

    @Test func retireActiveKeyPromotesNextAndUnpublishRemovesIt() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let active = try #require(try await f.engine.keys(tenantID: "sms").first { $0.record.state == .active && $0.record.algorithm == .es256 })
        let dry = try await f.engine.retireKey(tenantID: "sms", kid: active.record.kid, unpublish: true, dryRun: true, actor: "test")
        #expect(dry.retired == active.record.kid)
        #expect(try f.engine.jwks(tenantID: "sms").key(kid: active.record.kid) != nil)  // dry run changed nothing
        _ = try await f.engine.retireKey(tenantID: "sms", kid: active.record.kid, unpublish: true, dryRun: false, actor: "test")
        #expect(try f.engine.jwks(tenantID: "sms").key(kid: active.record.kid) == nil)
        _ = try await f.issue()  // signing never stopped
        await #expect(throws: AdminError.self) {
            try await f.engine.retireKey(tenantID: "sms", kid: "unknown", unpublish: false, dryRun: false, actor: "test")
        }
    }

    @Test func tenantDeletionIsRefusedWhileItHasClientsUnlessForced() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        _ = try await f.issue()
        do {
            _ = try await f.engine.deleteTenant("sms", force: false, actor: "test")
            Issue.record("expected a conflict")
        } catch {
            #expect(error.code == .conflict)
        }
        let s = try await f.engine.deleteTenant("sms", force: true, actor: "test")
        #expect(s.revoked == 1)
        #expect(f.engine.tenantSummaries().isEmpty)
        #expect(try await f.store.tokens(matching: TokenQuery(tenantID: "sms"), at: f.clock.now()).isEmpty)
        // Audit events outlive the tenant.
        #expect(try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tenantDeleted)).count == 1)
    }

    @Test func clientAdminValidatesAndNamesTheField() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let cases: [(ClientSpec, String, String?)] = [
            (ClientSpec(name: "x", scopes: ["nope"]), "scopes", nil),
            (ClientSpec(name: "x", grantTypes: [GrantType(rawValue: "password")]), "grant types", nil),
            (ClientSpec(name: "x", type: .public, grantTypes: [.clientCredentials]), "grant types", nil),
            (ClientSpec(name: "x", authMethod: .privateKeyJWT), "jwks", nil),
            (ClientSpec(name: "", scopes: []), "name", nil),
            (ClientSpec(name: "x"), "client id", "a b"),
            (ClientSpec(name: "x", redirectURIs: ["http://evil.example/cb"]), "redirect_uri", nil),
            (ClientSpec(name: "x", accessTokenLifetime: 0), "access token lifetime", nil),
            (ClientSpec(name: "x", audiences: ["a b"]), "audiences", nil),
        ]
        let before = f.engine.config.snapshot.clients["sms"]?.count
        for (spec, field, id) in cases {
            do {
                _ = try await f.engine.registerClient(tenantID: "sms", id: id, spec, actor: "test")
                Issue.record("expected \(field) to be refused")
            } catch {
                #expect(error.field == field, "\(error)")
            }
        }
        #expect(f.engine.config.snapshot.clients["sms"]?.count == before)  // nothing half-written
        await #expect(throws: AdminError.self) {
            try await f.engine.registerClient(tenantID: "sms", id: "billing-service", ClientSpec(name: "dup"), actor: "test")
        }
    }

    @Test func secretIsGeneratedOnceAndRotationKillsTheOldOne() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let r = try await f.engine.registerClient(
            tenantID: "sms",
            ClientSpec(name: "Reports", scopes: ["status"], audiences: ["https://api.sms.example/status"]),
            actor: "test"
        )
        let secret = try #require(r.secret)
        #expect(Base64URL.decode(secret)?.count == 32)
        #expect(r.client.secretDigest == SecretDigest.sha256(secret))
        _ = try await f.issue(r.client.id, secret: secret)
        let rotated = try await f.engine.rotateClientSecret(tenantID: "sms", clientID: r.client.id, actor: "test")
        await #expect(throws: OAuthError.self) { try await f.issue(r.client.id, secret: secret) }
        _ = try await f.issue(r.client.id, secret: rotated.secret!)
    }

    @Test func disabledClientCannotAuthenticateAndItsTokensDie() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let t = try await f.issue()
        _ = try await f.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: true, actor: "test")
        #expect(try await f.introspect(t.accessToken).active == false)
        do throws(OAuthError) {
            _ = try await f.engine.token(
                TokenEndpointRequest(
                    tenantID: "sms",
                    form: FormParameters(pairs: [("grant_type", "client_credentials")]),
                    authorization: f.basic("billing-service", "billing-demo-secret")
                )
            )
            Issue.record("expected invalid_client")
        } catch {
            // The client is told one text whatever the cause; the audit keeps the cause.
            #expect(error.code == "invalid_client" && error.errorDescription == "client authentication failed")
            #expect(error.auditDescription?.contains("disabled") == true)
        }
        _ = try await f.engine.setClientDisabled(tenantID: "sms", clientID: "billing-service", disabled: false, actor: "test")
        #expect(try await f.introspect(t.accessToken).active)
    }

    @Test func refusedAttemptsAreAuditedWithoutTheSecret() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        await #expect(throws: OAuthError.self) { try await f.issue(secret: "very-wrong-secret-123") }
        let events = try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tokenRefused))
        let e = try #require(events.last)
        #expect(e.event.outcome == .failure && e.event.reason == "invalid_client" && e.event.clientID == "billing-service")
        #expect(!"\(e)".contains("very-wrong-secret-123"))
    }
}

@Suite("Users")
struct UserAdminTests {
    @Test func disablingAUserRevokesTheirTokensAtOnce() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let user = try await f.engine.user(tenantID: "sms", "alice")
        #expect(user.id == "u-alice" && user.passwordHash.map { PasswordHasher.verify("alice-demo-password", against: $0) } == true)
        // A token for Alice, as the authorization-code grant will store it.
        let now = f.clock.now()
        let token = TokenRecord(
            id: f.engine.ids.timeOrdered(at: now),
            tenantID: "sms",
            kind: .access,
            format: .opaque,
            clientID: "partner-portal",
            subject: user.id,
            scopes: ["sms"],
            audiences: ["https://api.sms.example/sms"],
            issuedAt: now,
            expiresAt: now.addingTimeInterval(600),
            digest: SecretDigest.sha256("x"),
            keyID: nil,
            grantType: .clientCredentials
        )
        try await f.store.record(tokens: [token], audit: [])
        let summary = try await f.engine.setUserDisabled(tenantID: "sms", "alice", disabled: true, actor: "test")
        #expect(summary.revoked == 1 && summary.subjects == ["u-alice"])
        #expect(try await f.store.token(id: token.id)?.revokedAt != nil)
        #expect(try await f.engine.user(tenantID: "sms", "u-alice").disabled)
        // Enabling does not bring revoked tokens back.
        _ = try await f.engine.setUserDisabled(tenantID: "sms", "alice", disabled: false, actor: "test")
        #expect(try await f.store.token(id: token.id)?.revokedAt != nil)
    }

    @Test func badInputChangesNothing() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let before = try await f.engine.users(tenantID: "sms")
        for (username, password, field) in [("has space", nil, "username"), ("", nil, "username"), ("zed", "short", "password")]
            as [(String, String?, String)]
        {
            do {
                _ = try await f.engine.createUser(tenantID: "sms", username: username, password: password, actor: "test")
                Issue.record("expected \(field) to be refused")
            } catch {
                #expect(error.field == field)
            }
        }
        await #expect(throws: AdminError.self) { try await f.engine.createUser(tenantID: "nope", username: "x", actor: "test") }
        await #expect(throws: AdminError.self) { try await f.engine.updateUser(tenantID: "sms", "alice", actor: "test") }
        await #expect(throws: AdminError.self) { try await f.engine.updateUser(tenantID: "sms", "alice", username: "bob", actor: "test") }
        #expect(try await f.engine.users(tenantID: "sms") == before)
    }
}

@Suite("Key rotation without a published next key")
struct KeyRotationEdgeTests {
    @Test func aKeyIsAlwaysPublishedBeforeItSignsAndAnActiveKeyCanAlwaysBeRetired() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let keys = try await f.engine.keys(tenantID: "sms").filter { $0.record.algorithm == .es256 }
        let active = try #require(keys.first { $0.record.state == .active }).record.kid
        let next = try #require(keys.first { $0.record.state == .next }).record.kid
        _ = try await f.engine.retireKey(tenantID: "sms", kid: next, unpublish: false, dryRun: false, actor: "test")
        // Rotation now only publishes a new next key; the active one keeps signing.
        let change = try await f.engine.rotateKey(tenantID: "sms", actor: "test")
        #expect(change.activated == nil && change.retired == nil && change.next != nil)
        #expect(try await f.issue().record.keyID == active)
        #expect(try f.engine.jwks(tenantID: "sms").key(kid: change.next!) != nil)
        // Retire the next one again, then the active one (a compromise): signing moves to a new key.
        _ = try await f.engine.retireKey(tenantID: "sms", kid: change.next!, unpublish: true, dryRun: false, actor: "test")
        let dry = try await f.engine.retireKey(tenantID: "sms", kid: active, unpublish: true, dryRun: true, actor: "test")
        #expect(dry.retired == active)
        #expect(try await f.issue().record.keyID == active)  // the dry run changed nothing
        _ = try await f.engine.retireKey(tenantID: "sms", kid: active, unpublish: true, dryRun: false, actor: "test")
        let signer = try await f.issue().record.keyID
        #expect(signer != active && signer != nil)
        #expect(try f.engine.jwks(tenantID: "sms").key(kid: active) == nil)
        #expect(try f.engine.jwks(tenantID: "sms").key(kid: signer!) != nil)
    }
}
