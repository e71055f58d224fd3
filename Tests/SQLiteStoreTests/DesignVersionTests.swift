import AuthEngine
import Foundation
import JOSE
import Testing

/// Token designs as versioned contracts, on a real SQLite file: drafts, publishing through the gate,
/// versions recorded in tokens, rollback, races, all-or-nothing apply, required claims.
@Suite struct DesignVersionTests {
    /// The demo design with a constant claim `tier` added under invoice-read (a non-breaking change).
    static func withTier(_ d: TokenDesign) -> TokenDesign {
        var d = d
        d.claims.append(ClaimDefinition(tenantID: "sms", name: "tier", type: "string", source: .constant(.string("gold")), scopes: ["invoice-read"]))
        return TokenDesign(scopes: d.scopes, claims: d.claims, apis: d.apis)
    }

    /// The demo design without account-nbr under sms, which the sms API requires (breaking).
    static func withoutSMSAccount(_ d: TokenDesign) -> TokenDesign {
        var d = d
        let i = d.claims.firstIndex { $0.name == "account-nbr" }!
        d.claims[i].scopes.removeAll { $0 == "sms" }
        return d
    }

    func events(_ f: Fixture, _ type: AuditEventType) async throws -> [AuditEventDraft] {
        try await f.store.events(after: 0, limit: 1000, filter: AuditFilter(type: type)).map(\.event)
    }

    @Test func theDemoLoadsAsVersionOneAndTokensRecordIt() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let versions = try await f.engine.designVersions(tenantID: "sms")
        #expect(versions.map(\.number) == [1])
        #expect(f.engine.config.snapshot.tenants["sms"]?.designVersion == 1)
        #expect(versions[0].design == (try await f.engine.design(tenantID: "sms", .live)))
        let token = try await f.issue()
        #expect(token.record.designVersion == 1)
        #expect(try await f.store.token(id: token.record.id)?.designVersion == 1, "stored, not only in memory")
        #expect(try await f.engine.lintDesign(tenantID: "sms").isEmpty, "the demo design lints clean")
    }

    @Test func aPublishedDraftIsWhatTheNextTokenCarries() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let live = try await f.engine.design(tenantID: "sms", .live)
        let draft = try await f.engine.saveDesignDraft(tenantID: "sms", Self.withTier(live), actor: "ann")
        #expect(draft.baseVersion == 1)
        #expect(try await f.engine.design(tenantID: "sms", .draft).claim("tier") != nil)
        #expect(try await f.engine.design(tenantID: "sms", .live).claim("tier") == nil, "a draft changes nothing live")
        let before = try await f.issue(extra: [("scope", "invoice-read")])
        #expect(JWS.parse(before.accessToken)?.payload["tier"] == nil)

        let diff = try await f.engine.diffDesigns(tenantID: "sms")
        #expect(diff.claimChanges.map(\.claim) == ["tier", "tier"] && diff.breaking.isEmpty)
        let outcome = try await f.engine.publishDesign(PublishRequest(tenantID: "sms", note: "tier for invoices"), actor: "ann")
        #expect(outcome.version == 2 && !outcome.refused)
        #expect(try await f.engine.designDraft(tenantID: "sms") == nil, "the draft is consumed")
        let after = try await f.issue(extra: [("scope", "invoice-read")])
        #expect(JWS.parse(after.accessToken)?.payload["tier"] == .string("gold"))
        #expect(after.record.designVersion == 2)
        let published = try await events(f, .designPublished)
        #expect(published.last?.details["version"] == "2" && published.last?.actor == "ann" && published.last?.details["note"] == "tier for invoices")
        // Nothing left to publish: no new version.
        let again = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: try await f.engine.design(tenantID: "sms", .live), note: "same"),
            actor: "ann"
        )
        #expect(again.version == nil && !again.changed)
        #expect(try await f.engine.designVersions(tenantID: "sms").count == 2)
    }

    @Test func theGateRefusesBreakingChangesUnlessForcedWithAReason() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let live = try await f.engine.design(tenantID: "sms", .live)
        let breaking = Self.withoutSMSAccount(live)
        let refused = try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: breaking, note: "drop"), actor: "ann")
        #expect(refused.refused && refused.version == nil)
        #expect(refused.diff.affectedAPIs == ["sms"])
        #expect(refused.verdict.contains("refused") && refused.verdict.contains("sms"))
        #expect(try await f.engine.design(tenantID: "sms", .live) == live, "nothing changed")
        #expect(try await events(f, .designPublishRefused).last?.details["apis"] == "sms")
        // A dry run with force says it would publish, and changes nothing.
        let dry = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: breaking, note: "drop", forceReason: "sms v2", dryRun: true),
            actor: "ann"
        )
        #expect(!dry.refused && dry.version == nil && f.engine.config.snapshot.tenants["sms"]?.designVersion == 1)
        // A blank reason is no reason.
        #expect(
            try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: breaking, note: "drop", forceReason: "  "), actor: "ann").refused
        )

        let forced = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: breaking, note: "drop", forceReason: "the sms API v2 reads accounts itself"),
            actor: "ann"
        )
        #expect(forced.version == 2)
        let override = try #require(try await events(f, .designGateOverridden).last)
        #expect(override.details["reason"] == "the sms API v2 reads accounts itself" && override.details["apis"] == "sms")
        #expect(try await f.engine.designVersion(tenantID: "sms", number: 2).forcedReason == "the sms API v2 reads accounts itself")
        let token = try await f.engine.token(
            TokenEndpointRequest(
                tenantID: "sms",
                form: FormParameters(pairs: [
                    ("grant_type", "client_credentials"), ("scope", "sms"), ("client_id", "partner-portal"), ("client_secret", "partner-demo-secret"),
                ]),
                authorization: nil
            )
        )
        #expect(token.record.designVersion == 2)
    }

    @Test func rollbackPublishesAnOldVersionAsANewOne() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let v1 = try await f.engine.design(tenantID: "sms", .live)
        _ = try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: Self.withTier(v1), note: "tier"), actor: "ann")
        let back = try await f.engine.rollbackDesign(tenantID: "sms", to: 1, note: nil, forceReason: nil, actor: "bob")
        #expect(back.version == 3)
        let v3 = try await f.engine.designVersion(tenantID: "sms", number: 3)
        #expect(v3.rolledBackFrom == 1 && v3.note == "rollback to version 1" && v3.author == "bob")
        #expect(try await f.engine.design(tenantID: "sms", .live) == v1)
        #expect(try await f.engine.design(tenantID: "sms", .version(2)).claim("tier") != nil, "old versions stay as they were")
        // Rolling back past a breaking change goes through the gate too.
        _ = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: Self.withoutSMSAccount(v1), note: "drop", forceReason: "ok"),
            actor: "ann"
        )
        #expect(
            try await f.engine.rollbackDesign(tenantID: "sms", to: 2, note: nil, forceReason: nil, actor: "bob").refused == false,
            "adding a requirement back is not breaking"
        )
        await #expect(throws: AdminError.self) {
            try await f.engine.rollbackDesign(tenantID: "sms", to: 99, note: nil, forceReason: nil, actor: "bob")
        }
    }

    @Test func concurrentPublishesFromTwoProcessesNeverShareAVersionNumber() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let (other, _) = try await f.secondEngine()
        let live = try await f.engine.design(tenantID: "sms", .live)
        func attempt(_ engine: ClaimdeckEngine, _ design: TokenDesign) async -> Result<PublishOutcome, AdminError> {
            do { return .success(try await engine.publishDesign(PublishRequest(tenantID: "sms", design: design, note: "race"), actor: "x")) } catch {
                return .failure(error)
            }
        }
        var other2 = live
        other2.scopes.append(ScopeDefinition(tenantID: "sms", name: "reports"))
        async let a = attempt(f.engine, Self.withTier(live))
        async let b = attempt(other, other2)
        let results = await [a, b]
        let won = results.compactMap { try? $0.get().version }
        #expect(won == [2], "exactly one publish takes version 2: \(results)")
        let lost = results.compactMap { r -> AdminError? in if case .failure(let e) = r { return e } else { return nil } }
        #expect(lost.count == 1 && lost[0].code == AdminError.Code.conflict && lost[0].message.contains("published meanwhile"))
        #expect(try await f.engine.designVersions(tenantID: "sms").map(\.number) == [1, 2])
    }

    @Test func aDraftStartedBeforeAnotherPublishMustBeReviewedAgain() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let live = try await f.engine.design(tenantID: "sms", .live)
        _ = try await f.engine.saveDesignDraft(tenantID: "sms", Self.withTier(live), actor: "ann")
        var other = live
        other.scopes.append(ScopeDefinition(tenantID: "sms", name: "reports"))
        _ = try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: other, note: "reports"), actor: "bob")
        await #expect(
            throws: AdminError.conflict(
                "the draft was started from version 1, but version 2 went live since; review 'claimdeck design diff' and save the draft again"
            )
        ) {
            try await f.engine.publishDesign(PublishRequest(tenantID: "sms", note: "tier"), actor: "ann")
        }
        try await f.engine.discardDesignDraft(tenantID: "sms", actor: "ann")
        #expect(try await f.engine.designDraft(tenantID: "sms") == nil)
        await #expect(throws: AdminError.self) { try await f.engine.discardDesignDraft(tenantID: "sms", actor: "ann") }
        await #expect(throws: AdminError.self) { try await f.engine.publishDesign(PublishRequest(tenantID: "sms", note: "x"), actor: "ann") }
    }

    @Test func invalidDraftsAndNotesAreRefusedAndChangeNothing() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        var bad = try await f.engine.design(tenantID: "sms", .live)
        bad.claims[0].type = "text"
        do {
            _ = try await f.engine.saveDesignDraft(tenantID: "sms", bad, actor: "ann")
            Issue.record("an invalid draft was saved")
        } catch {
            #expect(error.field == "claims.account-nbr.type")
        }
        #expect(try await f.engine.designDraft(tenantID: "sms") == nil)
        let live = try await f.engine.design(tenantID: "sms", .live)
        await #expect(throws: AdminError.invalid(field: "note", "say in a few words (up to 500 characters) what this version changes")) {
            try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: Self.withTier(live), note: " "), actor: "ann")
        }
    }

    @Test func applyWithClientsIsAllOrNothing() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        let live = try await f.engine.design(tenantID: "sms", .live)
        let good = DeclaredClient(
            id: "reports-job",
            spec: ClientSpec(name: "Reports", scopes: ["status"], audiences: ["https://api.sms.example/status"])
        )
        let bad = DeclaredClient(id: "broken", spec: ClientSpec(name: "Broken", scopes: ["no-such-scope"]))
        do {
            _ = try await f.engine.publishDesign(
                PublishRequest(tenantID: "sms", design: Self.withTier(live), clients: [good, bad], note: "x"),
                actor: "ann"
            )
            Issue.record("an invalid client was applied")
        } catch {
            #expect(error.message.contains("no-such-scope"))
        }
        #expect(f.engine.config.snapshot.client("sms", "reports-job") == nil && f.engine.config.snapshot.tenants["sms"]?.designVersion == 1)
        #expect(try await f.engine.design(tenantID: "sms", .live) == live)

        let ok = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: Self.withTier(live), clients: [good], note: "x"),
            actor: "ann"
        )
        #expect(ok.version == 2 && ok.createdClients.map(\.client.id) == ["reports-job"] && ok.createdClients[0].secret != nil)
        // Narrowing an existing client's audiences breaks the APIs it called.
        var billing = DeclaredClient(id: "billing-service", spec: try f.engine.client(tenantID: "sms", clientID: "billing-service").spec)
        billing.spec.audiences = []
        billing.spec.scopes = ["invoice-read", "invoice-write"]
        var narrowed = DeclaredClient(id: "partner-portal", spec: try f.engine.client(tenantID: "sms", clientID: "partner-portal").spec)
        narrowed.spec.audiences = ["https://api.sms.example/status"]
        let refused = try await f.engine.publishDesign(
            PublishRequest(tenantID: "sms", design: Self.withTier(live), clients: [narrowed], note: "y"),
            actor: "ann"
        )
        #expect(refused.refused && refused.diff.affectedAPIs == ["sms"])
        #expect(f.engine.config.snapshot.client("sms", "partner-portal")?.audiences.count == 2)
    }

    @Test func aRequiredClaimWithoutAValueRefusesIssuance() async throws {
        let f = try await Fixture.make()
        defer { f.cleanup() }
        var design = try await f.engine.design(tenantID: "sms", .live)
        let i = design.claims.firstIndex { $0.name == "account-nbr" }!
        design.claims[i].isRequired = true
        _ = try await f.engine.publishDesign(PublishRequest(tenantID: "sms", design: design, note: "account required"), actor: "ann")
        _ = try await f.engine.createUser(tenantID: "sms", username: "dave", attributes: ["name": .string("Dave")], actor: "test")
        do {
            _ = try await f.engine.previewTokens(
                PreviewRequest(tenantID: "sms", clientID: "customer-portal", user: "dave", scope: "openid invoice-read")
            )
            Issue.record("issued without a required claim")
        } catch {
            #expect(error.message.contains("scope 'invoice-read' requires claim 'account-nbr', which has no value for this user"))
        }
        // Users who have it get it; service tokens (no user) are not held to a user's claim.
        let alice = try await f.engine.previewTokens(
            PreviewRequest(tenantID: "sms", clientID: "customer-portal", user: "alice", scope: "openid invoice-read")
        )
        #expect(alice.accessToken?["account-nbr"] == .string("1001-42"))
        _ = try await f.issue(extra: [("scope", "invoice-read")])
    }
}
