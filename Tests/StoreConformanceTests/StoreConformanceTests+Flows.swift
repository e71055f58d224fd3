import AuthEngine
import Foundation
import JOSE
import Testing

/// The real engine over each store: the flows that reach every store call, end to end.
@Suite("Store conformance: engine flows")
struct StoreConformanceFlowTests {
    let T = ConformanceFixture.tenant
    static let redirect = "https://app.example/cb"
    static let password = "dana-demo-password"

    @Test(arguments: StoreKind.allCases)
    func clientCredentialsIntrospectionAndRevocationWithPreview(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let svc = try await f.registerService("svc")
        let opq = try await f.registerService("opq", format: .opaque)
        let jwt = try await f.issue("svc", secret: svc)
        let opaque = try await f.issue("opq", secret: opq)
        #expect(try await f.store.token(id: opaque.record.id)?.digest == SecretDigest.sha256(opaque.accessToken))
        #expect(try await f.isActive(jwt.accessToken, caller: "opq", secret: opq))
        #expect(try await f.isActive(opaque.accessToken, caller: "svc", secret: svc))

        let preview = try await f.engine.previewRevocation(.tenant(tenantID: T))
        #expect(preview.revoked == 2 && preview.jwtCount == 1 && preview.opaqueCount == 1)
        #expect(preview.jwtUsableUntil == jwt.record.expiresAt)
        #expect(Set(preview.clients) == ["svc", "opq"] && Set(preview.subjects) == ["svc", "opq"])
        #expect(try await f.isActive(jwt.accessToken, caller: "opq", secret: opq))  // the dry run changed nothing

        let done = try await f.engine.revokeTokens(.client(tenantID: T, clientID: "svc"), reason: "incident", actor: "test")
        #expect(done.revoked == 1 && done.jwtCount == 1 && done.clients == ["svc"])
        #expect(try await f.isActive(jwt.accessToken, caller: "opq", secret: opq) == false)
        #expect(try await f.isActive(opaque.accessToken, caller: "svc", secret: svc))
        // RFC 7009, by the client the token was issued to.
        try await f.engine.revoke(f.tokenRequest([("token", opaque.accessToken)], client: "opq", secret: opq))
        #expect(try await f.isActive(opaque.accessToken, caller: "svc", secret: svc) == false)
        #expect(try await f.engine.revokeTokens(.tenant(tenantID: T), reason: "again", actor: "test").revoked == 0)
        let revoked = try await f.store.events(after: 0, limit: 100, filter: AuditFilter(type: .tokenRevoked))
        #expect(revoked.map { $0.event.details["revoked"] } == ["1", "1", "0"])
        #expect(revoked.first?.event.reason == "incident" && revoked.first?.event.details["jwt_usable_until"] != nil)

        let late = try await f.issue("opq", secret: opq)
        f.clock.advance(by: 301)
        #expect(try await f.isActive(late.accessToken, caller: "svc", secret: svc) == false)
        #expect(try await f.store.verifyChain().isIntact)
    }

    @Test(arguments: StoreKind.allCases)
    func authorizationCodeWithSessionAndRememberedConsent(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let dana = try await f.engine.createUser(tenantID: T, username: "dana", password: Self.password, actor: "test")
        let app = try await f.engine.registerClient(
            tenantID: T,
            id: "app",
            ClientSpec(
                name: "App",
                grantTypes: [.authorizationCode, .refreshToken],
                scopes: ["openid"],
                redirectURIs: [Self.redirect],
                tokenFormat: .opaque,
                thirdParty: true
            ),
            actor: "test"
        )
        let secret = try #require(app.secret)
        let login = try await f.engine.login(tenantID: T, username: "dana", password: Self.password, remoteAddress: nil)
        #expect(try await f.store.session(id: login.session.id) == login.session)

        let verifier = String(repeating: "v", count: 43)
        let params = FormParameters(pairs: [
            ("response_type", "code"), ("client_id", "app"), ("redirect_uri", Self.redirect), ("scope", "openid"), ("state", "s"),
            ("code_challenge", Base64URL.encode(SecretDigest.sha256(verifier))), ("code_challenge_method", "S256"),
        ])
        guard case .consent = await f.engine.authorize(tenantID: T, parameters: params, sessionCookie: login.cookie, remoteAddress: nil) else {
            Issue.record("a third-party client asks for consent first")
            return
        }
        let first = try #require(
            Self.code(
                await f.engine.decideConsent(
                    tenantID: T,
                    parameters: params,
                    sessionCookie: login.cookie,
                    approved: true,
                    remoteAddress: nil
                )
            )
        )
        #expect(try await f.store.consent(tenantID: T, userID: dana.id, clientID: "app")?.scopes == ["openid"])
        // Remembered: the second authorization goes straight to a code.
        let second = try #require(
            Self.code(
                await f.engine.authorize(
                    tenantID: T,
                    parameters: params,
                    sessionCookie: login.cookie,
                    remoteAddress: nil
                )
            )
        )

        func exchange(_ code: String) -> TokenEndpointRequest {
            f.tokenRequest(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Self.redirect), ("code_verifier", verifier)],
                client: "app",
                secret: secret
            )
        }
        let tokens = try await f.engine.token(exchange(first))
        #expect(tokens.refreshToken != nil)
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(exchange(first)) } == "invalid_grant")
        // The replay revoked everything issued from the code.
        #expect(try await f.isActive(tokens.accessToken, caller: "app", secret: secret) == false)
        // Two redemptions of one code at once: one gets tokens.
        let race = exchange(second)
        async let a = try? f.engine.token(race)
        async let b = try? f.engine.token(race)
        let results = await [a, b]
        #expect(results.compactMap { $0 }.count == 1)

        #expect(try await f.engine.consents(tenantID: T, user: "dana").map(\.clientID) == ["app"])
        _ = try await f.engine.revokeConsent(tenantID: T, user: "dana", clientID: "app", actor: "test")
        #expect(try await f.store.consent(tenantID: T, userID: dana.id, clientID: "app") == nil)
        #expect(try await f.store.deleteConsent(tenantID: T, userID: dana.id, clientID: "app", audit: [f.event()]) == false)

        // A session ends once; disabling the user ends the others, expired or not.
        let now = f.clock.now()
        #expect(try await f.store.endSession(tenantID: T, id: login.session.id, at: now, audit: [f.event(.sessionEnded)]))
        #expect(try await f.store.endSession(tenantID: T, id: login.session.id, at: now, audit: [f.event(.sessionEnded)]) == false)
        #expect(try await f.store.session(id: login.session.id)?.endedAt == now)
        for _ in 0..<2 { _ = try await f.engine.login(tenantID: T, username: "dana", password: Self.password, remoteAddress: nil) }
        f.clock.advance(by: 13 * 3600)
        #expect(try await f.store.endSessions(tenantID: T, userID: dana.id, at: f.clock.now()) == 2)
        #expect(try await f.store.endSessions(tenantID: T, userID: dana.id, at: f.clock.now()) == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func deviceAuthorizationWithUniqueUserCodesPollingAndOneConsumption(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        _ = try await f.engine.createUser(tenantID: T, username: "dana", password: Self.password, actor: "test")
        let tv = try #require(
            try await f.engine.registerClient(
                tenantID: T,
                id: "tv",
                ClientSpec(
                    name: "TV",
                    grantTypes: [.deviceCode],
                    scopes: ["openid"]
                ),
                actor: "test"
            ).secret
        )
        let started = try await f.engine.deviceAuthorization(f.tokenRequest([("scope", "openid")], client: "tv", secret: tv))
        let id = String(started.deviceCode.dropFirst(4).prefix(26))
        let poll = f.tokenRequest([("grant_type", GrantType.deviceCode.rawValue), ("device_code", started.deviceCode)], client: "tv", secret: tv)
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(poll) } == "authorization_pending")
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(poll) } == "slow_down")
        let pending = try #require(try await f.store.deviceAuthorization(id: id))
        #expect(pending.interval == 10 && pending.lastPolledAt == f.clock.now() && pending.status == .pending)
        #expect(try await f.store.deviceAuthorization(tenantID: T, userCode: try #require(UserCode.normalize(started.userCode))) == pending)

        // The user code is unique in its tenant; what a new authorization says about polls and decisions is not stored.
        var clash = pending
        clash.id = "another-id"
        #expect(try await f.store.createDeviceAuthorization(clash, audit: [f.event()]) == false)
        var fresh = pending
        fresh.id = "fresh-id"
        fresh.userCode = "BBBBBBBB"
        fresh.status = .pending
        fresh.userID = "someone"
        #expect(try await f.store.createDeviceAuthorization(fresh, audit: []))
        let stored = try #require(try await f.store.deviceAuthorization(id: "fresh-id"))
        #expect(stored.lastPolledAt == nil && stored.userID == nil && stored.interval == 10)
        fresh.id = "ghost-id"
        fresh.tenantID = "ghost"
        await #expect(throws: (any Error).self) { try await f.store.createDeviceAuthorization(fresh, audit: []) }
        #expect(try await f.store.recordDevicePoll(tenantID: T, id: "nothing", at: f.clock.now(), slowDownBy: 5) == nil)

        let login = try await f.engine.login(tenantID: T, username: "dana", password: Self.password, remoteAddress: nil)
        guard
            case .finished(approved: true, _) = await f.engine.decideDevice(
                tenantID: T,
                typedCode: started.userCode,
                approved: true,
                sessionCookie: login.cookie,
                remoteAddress: nil
            )
        else {
            Issue.record("the approval did not go through")
            return
        }
        #expect(
            try await f.store.decideDeviceAuthorization(
                tenantID: T,
                id: id,
                approved: false,
                userID: "x",
                sessionID: nil,
                authTime: f.clock.now(),
                at: f.clock.now(),
                audit: []
            ) == false
        )
        let approved = try #require(try await f.store.deviceAuthorization(id: id))
        #expect(approved.status == .approved && approved.userID == login.user.id && approved.sessionID == login.session.id)
        f.clock.advance(by: 11)
        let issued = try await f.engine.token(poll)
        #expect(try await f.store.token(id: issued.record.id) != nil)
        #expect(try await f.store.deviceAuthorization(id: id)?.status == .consumed)
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(poll) } == "invalid_grant")
        #expect(try await f.store.consumeDeviceAuthorization(tenantID: T, id: id, issuing: [], audit: []) == false)
    }

    @Test(arguments: StoreKind.allCases)
    func aClientAssertionIsAcceptedOnce(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let key = try SigningKeyPair.generate(.es256)
        _ = try await f.engine.registerClient(
            tenantID: T,
            id: "signer",
            ClientSpec(
                name: "Signer",
                authMethod: .privateKeyJWT,
                audiences: [ConformanceFixture.audience],
                jwks: JWKSet(keys: [key.publicKey.jwk(kid: "k1")])
            ),
            actor: "test"
        )
        let now = Int(f.clock.now().timeIntervalSince1970)
        func request(jti: String) throws -> TokenEndpointRequest {
            let payload: JSONValue = .object([
                "iss": .string("signer"), "sub": .string("signer"), "aud": .string(f.engine.configuration.issuer(for: T) + "/token"),
                "exp": .number(Double(now + 120)), "iat": .number(Double(now)), "jti": .string(jti),
            ])
            let assertion = try JWS.sign(headerJSON: JWS.header(for: key, kid: "k1"), payloadJSON: payload.serialized(), key: key)
            return TokenEndpointRequest(
                tenantID: T,
                form: FormParameters(pairs: [
                    ("grant_type", "client_credentials"), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion),
                ]),
                authorization: nil
            )
        }
        let first = try request(jti: "j1")
        _ = try await f.engine.token(first)
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(first) } == "invalid_client")
        #expect(await f.oauthErrorCode { _ = try await f.engine.token(try request(jti: "j1")) } == "invalid_client")
        _ = try await f.engine.token(try request(jti: "j2"))
    }

    @Test(arguments: StoreKind.allCases)
    func deletionsCascadeAndTheAuditTrailStays(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.createTenant()
        let svc = try await f.registerService("svc")
        let otherSecret = try await f.registerService("other")
        let token = try await f.issue("svc", secret: svc)
        let now = f.clock.now()
        try await f.store.apply(
            [
                .putTokenExchangePolicy(
                    TokenExchangePolicy(
                        tenantID: T,
                        clientID: "svc",
                        targetAudiences: ["x"],
                        createdAt: now,
                        updatedAt: now
                    )
                )
            ],
            audit: []
        )
        _ = try await f.engine.deleteClient(tenantID: T, clientID: "svc", actor: "test")
        #expect(try await f.store.loadSnapshot().tokenExchangePolicies[T] == nil)  // went with its client
        #expect(try await f.store.token(id: token.record.id)?.revokedAt != nil)  // revoked, not deleted

        // Deleting a user takes their sessions and consents; their tokens are revoked.
        let gone = try await f.engine.createUser(tenantID: T, username: "gone", password: Self.password, actor: "test")
        let login = try await f.engine.login(tenantID: T, username: "gone", password: Self.password, remoteAddress: nil)
        try await f.store.putConsent(Consent(tenantID: T, userID: gone.id, clientID: "other", scopes: ["openid", ""], grantedAt: now), audit: [])
        #expect(try await f.store.consents(tenantID: T, userID: gone.id).map(\.scopes) == [["openid"]])
        _ = try await f.engine.deleteUser(tenantID: T, "gone", actor: "test")
        #expect(try await f.store.session(id: login.session.id) == nil)
        #expect(try await f.store.consents(tenantID: T, userID: gone.id).isEmpty)

        // Deleting the tenant takes everything it owns.
        let dana = try await f.engine.createUser(tenantID: T, username: "dana", password: Self.password, actor: "test")
        let session = try await f.engine.login(tenantID: T, username: "dana", password: Self.password, remoteAddress: nil)
        try await f.store.putConsent(Consent(tenantID: T, userID: dana.id, clientID: "other", scopes: ["openid"], grantedAt: now), audit: [])
        let device = DeviceAuthorization(
            id: "d1",
            tenantID: T,
            clientID: "other",
            deviceDigest: Data([1]),
            userCode: "CCCCCCCC",
            scopes: [],
            audiences: [],
            interval: 5,
            createdAt: now,
            expiresAt: now.addingTimeInterval(600)
        )
        #expect(try await f.store.createDeviceAuthorization(device, audit: []))
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "other", jti: "j", expiresAt: now.addingTimeInterval(60), now: now))
        try await f.store.apply(
            [.putDesignDraft(DesignDraft(tenantID: T, design: TokenDesign(), baseVersion: 0, author: "a", updatedAt: now))],
            audit: []
        )
        let other = try await f.issue("other", secret: otherSecret)
        let eventsBefore = try await f.store.latestSequence()
        let versionBefore = try await f.store.configVersion()

        let summary = try await f.engine.deleteTenant(T, force: true, actor: "test")
        #expect(summary.revoked == 1)
        let snapshot = try await f.store.loadSnapshot()
        #expect(snapshot.tenants.isEmpty && snapshot.clients.isEmpty && snapshot.keys.isEmpty && snapshot.trustedIssuers.isEmpty)
        #expect(snapshot.version == versionBefore + 1)
        #expect(try await f.store.users(tenantID: T).isEmpty)
        #expect(try await f.store.session(id: session.session.id) == nil)
        #expect(try await f.store.consent(tenantID: T, userID: dana.id, clientID: "other") == nil)
        #expect(try await f.store.deviceAuthorization(id: "d1") == nil)
        #expect(try await f.store.designDraft(tenantID: T) == nil)
        #expect(try await f.store.token(id: other.record.id) == nil)
        #expect(try await f.store.tokens(matching: TokenQuery(tenantID: T), at: now).isEmpty)
        #expect(try await f.store.consumeAssertionID(tenantID: T, clientID: "other", jti: "j", expiresAt: now.addingTimeInterval(60), now: now))
        // The audit trail outlives the tenant.
        #expect(try await f.store.latestSequence() == eventsBefore + 1)
        #expect(try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tenantDeleted)).count == 1)
        #expect(try await f.store.verifyChain().isIntact)
        // The id is free again, for a tenant that starts empty.
        try await f.createTenant()
        #expect(try await f.store.loadSnapshot().clients[T] == nil)
    }

    /// What the engine writes comes back equal, from either store: a test over the memory store sees what
    /// SQLite's JSON and columns would have given back.
    @Test(arguments: StoreKind.allCases)
    func recordsComeBackAsWritten(kind: StoreKind) async throws {
        let f = try await ConformanceFixture.make(kind)
        defer { f.cleanup() }
        try await f.store.ping()
        try await f.createTenant()
        let svc = try await f.engine.registerClient(
            tenantID: T,
            id: "svc",
            ClientSpec(
                name: "Service",
                audiences: [ConformanceFixture.audience],
                tokenFormat: .opaque
            ),
            actor: "test"
        )
        let attributes: [String: JSONValue] = ["name": .string("Dana"), "n": .number(1.5), "roles": .array([.string("a"), .null, .bool(true)])]
        let dana = try await f.engine.createUser(tenantID: T, username: "dana", attributes: attributes, password: Self.password, actor: "test")
        let snapshot = try await f.store.loadSnapshot()
        #expect(snapshot.client(T, "svc") == svc.client)
        #expect(snapshot.tenants[T] == f.engine.config.snapshot.tenants[T])
        #expect(try await f.store.user(tenantID: T, id: dana.id) == dana)
        let issued = try await f.issue("svc", secret: try #require(svc.secret))
        #expect(try await f.store.token(id: issued.record.id) == issued.record)

        // Keys keep their place when their state changes; a new one comes last.
        let before = try #require(snapshot.keys[T]).map(\.kid)
        let change = try await f.engine.rotateKey(tenantID: T, actor: "test")
        let after = try #require(try await f.store.loadSnapshot().keys[T])
        #expect(after.map(\.kid) == before + [try #require(change.next)])
        #expect(after.map(\.state) == [.retired, .active, .next])
    }

    /// The code in the redirect an authorization answered with.
    static func code(_ outcome: AuthorizationOutcome) -> String? {
        guard case .redirect(let url) = outcome else { return nil }
        return URLComponents(string: url)?.queryItems?.first { $0.name == "code" }?.value
    }
}
