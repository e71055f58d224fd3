import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// The designer's publish and rollback gate: breaking changes refused, then forced with a reason;
/// the version history.
extension DesignerScreenTests {
    @Test func breakingPublishIsRefusedThenForcedWithAReason() async throws {
        let h = try await Harness(start: .designer)
        await h.press(.char(" "))
        await h.press(.char("p"))
        #expect(h.line(21).hasPrefix("Publish note (what this version changes):"))
        await h.type("invoice-read tokens lose account-nbr")
        await h.press(.enter)
        var text = h.screen
        #expect(text.contains("Breaking changes: the gate refuses"), "\(text)")
        #expect(text.contains("Gate: refused: breaking changes for API invoices"))
        #expect(text.contains("! claim account-nbr is removed from scope invoice-read"))
        #expect(text.contains("[ Cancel ]") && text.contains("Force with a reason…"))
        // Enter on the focused Cancel publishes nothing.
        await h.press(.enter)
        #expect(h.app.context.dialog == nil)
        #expect(try await h.engine.designVersions(tenantID: "sms").count == 1)

        await h.press(.char("p"))
        await h.type("invoice-read tokens lose account-nbr")
        await h.press(.enter, .tab, .enter)
        #expect(h.line(21).hasPrefix("Reason for publishing breaking changes (audited):"), "\(h.screen)")
        // An empty reason is not one.
        await h.press(.enter)
        #expect(h.line(23).contains("reason: give the reason"))
        await h.type("invoices API 2.3 reads account-nbr from invoice-write only")
        await h.press(.enter)
        text = h.screen
        #expect(h.line(23).contains("Gate: published as version 2 (breaking changes forced; reason audited)"), "\(text)")
        let versions = try await h.engine.designVersions(tenantID: "sms")
        #expect(versions.map(\.number) == [1, 2])
        #expect(versions.last?.forcedReason == "invoices API 2.3 reads account-nbr from invoice-write only")
        #expect(versions.last?.note == "invoice-read tokens lose account-nbr")
        #expect(h.engine.config.snapshot.tenants["sms"]?.designVersion == 2)
        #expect(try await h.engine.designDraft(tenantID: "sms") == nil)
        #expect(h.line(2).contains("live v2 · no draft"), "\(h.line(2))")
        #expect(h.line(4).hasPrefix("▸ account-nbr  ·            A--N"))
    }

    @Test func nonBreakingPublishAndDiscardAskFirst() async throws {
        let h = try await Harness(start: .designer)
        // Nothing to publish yet.
        await h.press(.char("p"))
        #expect(h.line(23).contains("No draft to publish"))
        // account-type also to the ID token: not breaking.
        await h.press(.down, .char("I"))
        await h.press(.char("p"))
        await h.type("account-type in ID tokens")
        await h.press(.enter)
        var text = h.screen
        #expect(text.contains("Publish the design") && text.contains("Gate: would publish (no breaking changes)"), "\(text)")
        await h.press(.tab, .enter)
        #expect(h.line(23).contains("Gate: published as version 2"), "\(h.screen)")
        #expect(h.engine.config.snapshot.tenants["sms"]?.designVersion == 2)

        // Discard asks, Cancel focused.
        await h.press(.char("N"))
        #expect(try await h.engine.designDraft(tenantID: "sms") != nil)
        await h.press(.char("X"))
        text = h.screen
        #expect(text.contains("Discard the draft started from version 2?"), "\(text)")
        await h.press(.enter)
        #expect(try await h.engine.designDraft(tenantID: "sms") != nil)
        await h.press(.char("X"), .tab, .enter)
        #expect(try await h.engine.designDraft(tenantID: "sms") == nil)
        #expect(h.line(23).contains("Draft discarded; showing live version 2."))
        #expect(h.line(5).hasPrefix("▸ account-type AI-N"), "\(h.line(5))")
    }

    @Test func versionHistoryShowsWhoPublishedWhatAndRollsBack() async throws {
        let h = try await Harness(start: .designer)
        // Version 2: account-type also goes to the ID token (not breaking).
        await h.press(.down, .char("I"))
        await h.press(.char("p"))
        await h.type("account-type in ID tokens")
        await h.press(.enter, .tab, .enter)
        #expect(h.line(23).contains("Gate: published as version 2"), "\(h.screen)")

        await h.press(.char("v"))
        var l = lines(h)
        #expect(l[1] == " 1 Ten  2 Cli  3 Use  4 Tok  5 Aud  6 Key [7 Designer] › versions", "\(l[1])")
        #expect(l[2] == "Design versions · live v2 · newest first")
        #expect(l[3].hasPrefix("VERSION   PUBLISHED            BY             NOTE"), "\(l[3])")
        #expect(l[4].hasPrefix("v2 ● live") && l[4].contains("account-type in ID tokens"), "\(l[4])")
        #expect(l[5].hasPrefix("v1 ") && l[5].hasSuffix("test           loaded from a tenant file"), "\(l[5])")
        #expect(h.grid.role(of: "v2 ● live") == .selection)
        #expect(h.screen.contains("This is the live version: tokens issued now carry it."))
        #expect(l[22] == "<r> roll back  <:> command  </> filter  <?> help  <Esc> back", "\(l[22])")
        // Nothing to roll back to on the live version.
        await h.press(.char("r"))
        #expect(h.line(23).contains("Version 2 is the live version: nothing to roll back to."), "\(h.line(23))")

        // Version 1: what rolling back to it would change, then the gate's verdict and a confirmation.
        await h.press(.down)
        var text = h.screen
        #expect(text.contains("Rolling back to it (r) changes live version 2:"), "\(text)")
        #expect(text.contains("- invoice-read / id_token: account-type (string from user attribute"))
        #expect(text.contains("✓ no breaking change"))
        await h.press(.char("r"))
        text = h.screen
        #expect(text.contains("Roll back to version 1") && text.contains("Publishes version 1's design as version 3"), "\(text)")
        #expect(text.contains("Gate: would publish (no breaking changes)"))
        // Enter on the focused Cancel changes nothing.
        await h.press(.enter)
        #expect(try await h.engine.designVersions(tenantID: "sms").count == 2)
        await h.press(.char("r"), .tab, .enter)
        #expect(h.line(23).contains("Gate: published as version 3"), "\(h.screen)")
        let versions = try await h.engine.designVersions(tenantID: "sms")
        #expect(versions.map(\.number) == [1, 2, 3])
        #expect(versions.last?.rolledBackFrom == 1 && versions.last?.note == "rollback to version 1")
        #expect(try await h.engine.design(tenantID: "sms", .live) == versions[0].design)
        // The history shows the new version at once; Esc goes back to the panes, now on live v3.
        l = lines(h)
        #expect(l[4].hasPrefix("v3 ● live") && l[4].contains("↺ v1: rollback to version 1"), "\(l[4])")
        await h.press(.escape)
        #expect(h.line(2).contains("live v3 · no draft"), "\(h.line(2))")
        #expect(h.line(5).hasPrefix("▸ account-type A--N "), "\(h.line(5))")
    }

    @Test func aBreakingRollbackIsRefusedThenForcedWithAReason() async throws {
        let h = try await Harness(start: .designer)
        // Version 2 registers an API; rolling back to version 1 would take it away: breaking.
        var design = try await h.engine.design(tenantID: "sms", .live)
        design.apis.append(
            APIResource(
                tenantID: "sms",
                name: "reports",
                audience: "https://reports.example",
                scopes: ["status"],
                requiredClaims: ["status": ["account-type"]]
            )
        )
        _ = try await h.engine.publishDesign(PublishRequest(tenantID: "sms", design: design, note: "reports API"), actor: "test")
        await h.press(.char("v"))
        #expect(h.line(2) == "Design versions · live v2 · newest first", "\(h.screen)")
        await h.press(.down, .char("r"))
        let text = h.screen
        #expect(text.contains("Rolling back breaks API contracts"), "\(text)")
        #expect(text.contains("Gate: refused: breaking changes for API reports"))
        await h.press(.enter)
        #expect(h.app.context.dialog == nil)
        #expect(try await h.engine.designVersions(tenantID: "sms").count == 2)
        // Force: the reason is asked for over the history; Esc leaves it unchanged.
        await h.press(.char("r"), .tab, .enter)
        #expect(h.line(21).hasPrefix("Reason for rolling back to v1 past the gate (audited):"), "\(h.screen)")
        #expect(h.screen.contains("Design versions · live v2"))
        await h.press(.escape)
        #expect(h.line(2) == "Design versions · live v2 · newest first")
        await h.press(.char("r"), .tab, .enter, .enter)
        #expect(h.line(23).contains("reason: give the reason"), "\(h.line(23))")
        await h.type("reports API retired")
        await h.press(.enter)
        #expect(h.line(23).contains("Gate: published as version 3 (breaking changes forced; reason audited)"), "\(h.screen)")
        let last = try #require(try await h.engine.designVersions(tenantID: "sms").last)
        #expect(last.forcedReason == "reports API retired" && last.rolledBackFrom == 1)
        #expect(h.line(4).hasPrefix("v3 ● live") && h.line(4).contains("⚠ forced · ↺ v1"), "\(h.line(4))")
        #expect(h.grid.role(of: "⚠ forced") == .selection || h.grid.role(of: "⚠ forced") == .flashWarn)
    }
}
