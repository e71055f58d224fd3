import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// The designer over the demo tenant (design version 1): claims account-nbr (pii) and account-type,
/// scopes invoice-read invoice-write sms status, APIs invoices, sms, status.
@Suite("Designer screen")
struct DesignerScreenTests {
    func lines(_ h: Harness) -> [String] { h.screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    func designer(_ h: Harness) throws -> DesignerScreen { try #require(h.app.screen(.designer) as? DesignerScreen) }

    @Test func matrixAt80x24() async throws {
        let h = try await Harness()
        await h.press(.char(":"))
        await h.type("designer")
        await h.press(.enter)
        #expect(h.app.current == .designer)
        let l = lines(h)
        #expect(l[1].contains("6 Keys [7 Designer] › matrix"), "\(l[1])")
        #expect(l[2] == "[Matrix] APIs  Preview  Diff  Lint 0  │ live v1 · no draft (an edit starts one)")
        #expect(
            Array(l[3...5]) == [
                "CLAIM          invoice-read invoice-write sms  status FLAGS   SOURCE",
                "▸ account-nbr  A--N         A--N          A--N ·      pii     string · user att…",
                "  account-type A--N         A--N          A--N A--N           string · user att…",
            ]
        )
        #expect(l[18] == "account-nbr × invoice-read: mapped → access_token, introspection  (space unmaps)")
        #expect(l[19] == "string · user attribute account.number · personal data")
        #expect(l[20] == "required by API invoices (invoice-read, invoice-write), sms (sms)")
        #expect(l[21] == DesignEdit.legend)
        #expect(l[22].hasPrefix("<space> map  <A> I U N destinations  <Enter> edit  <Tab> pane"), "\(l[22])")
        // The cursor cell is the selection; moving right and down moves it, and the words follow.
        #expect(h.grid.role(of: "A--N") == .selection)
        await h.press(.down, .right, .right, .right)
        #expect(h.line(18) == "account-type × status: mapped → access_token, introspection  (space unmaps)")
        await h.press(.up)
        #expect(h.line(18) == "account-nbr × status: not mapped  (space maps it)")
    }

    @Test func matrixAt120x40ShowsThePreviewBesideIt() async throws {
        let h = try await Harness(width: 120, height: 40, start: .designer)
        let l = lines(h)
        // The matrix on the left (its SOURCE column gives way), the preview of the draft on the right.
        #expect(l[3].hasPrefix("CLAIM          invoice-read invoice-write sms  status FLAGS       │"), "\(l[3])")
        #expect(l[4].hasPrefix("▸ account-nbr  A--N         A--N          A--N ·      pii         │"), "\(l[4])")
        #expect(l[3].contains("│ Preview of the draft"))
        #expect(l[4].contains("│ client    api-gateway"))
        #expect(h.screen.contains("client_credentials · sub api-gateway · scopes status"))
        #expect(l[38].contains("<space> map") && l[38].contains("<?> help"))
    }

    @Test func toggleSavesTheDraft() async throws {
        let h = try await Harness(start: .designer)
        #expect(try await h.engine.designDraft(tenantID: "sms") == nil)
        // Unmap account-nbr from invoice-read.
        await h.press(.char(" "))
        #expect(h.line(23) == "ℹ account-nbr unmapped from invoice-read (draft saved)")
        #expect(h.line(4).hasPrefix("▸ account-nbr  ·            A--N          A--N ·"), "\(h.line(4))")
        var draft = try #require(try await h.engine.designDraft(tenantID: "sms"))
        #expect(draft.design.claim("account-nbr")?.scopes == ["invoice-write", "sms"])
        #expect(draft.baseVersion == 1)
        #expect(h.line(2).hasSuffix("│ live v1 · draft saved · ⚠ 2 breaking"), "\(h.line(2))")
        // Send account-nbr to the ID token too: every mapped cell of the row says so.
        await h.press(.char("I"))
        #expect(h.line(4).hasPrefix("▸ account-nbr  ·            AI-N          AI-N ·"), "\(h.line(4))")
        draft = try #require(try await h.engine.designDraft(tenantID: "sms"))
        #expect(draft.design.claim("account-nbr")?.destinations == [.accessToken, .idToken, .introspection])
        // The live design is untouched until a publish.
        #expect(try await h.engine.design(tenantID: "sms", .live).claim("account-nbr")?.scopes == ["invoice-read", "invoice-write", "sms"])
    }

    @Test func invalidEditsAreRefusedWithTheFieldNamed() async throws {
        let h = try await Harness(start: .designer)
        // account-nbr goes to access_token and introspection; taking both away leaves it nowhere.
        await h.press(.char("A"))
        await h.press(.char("N"))
        #expect(h.message.hasPrefix("✕ error: claims.account-nbr.destinations: give at least one of"), "\(h.message)")
        #expect(try await h.engine.designDraft(tenantID: "sms")?.design.claim("account-nbr")?.destinations == [.introspection])
        #expect(h.line(4).hasPrefix("▸ account-nbr  ---N"), "\(h.line(4))")

        // Removing a claim an API's contract requires: refused before the dialog, nothing changes.
        await h.press(.char("D"))
        #expect(h.app.context.dialog == nil)
        // (invoice-read or invoice-write: the engine checks the contract's scopes in no set order)
        #expect(h.message.hasPrefix("✕ error: apis.invoices.required_claims.invoice-"), "\(h.message)")
        #expect(h.app.context.flash.message?.hasSuffix("claim 'account-nbr' is not defined") == true)

        // The claim form: the type takes one of its choices only; typing changes nothing, space
        // picks the next, and Esc leaves the draft as it was.
        await h.press(.char("e"))
        #expect(h.screen.contains("Edit claim account-nbr (draft)"))
        await h.press(.tab)
        await h.type("text")
        #expect(h.screen.contains("‹ string ›  space: string | number | boolean | array | object"), "\(h.screen)")
        await h.press(.char(" "))
        #expect(h.screen.contains("‹ number ›"), "\(h.screen)")
        await h.press(.left, .left)
        #expect(h.screen.contains("‹ object ›"), "← goes back, round the end: \(h.screen)")
        await h.press(.escape)
        #expect(try await h.engine.designDraft(tenantID: "sms")?.design.claim("account-nbr")?.type == "string")
    }

    @Test func claimAndAPIFormsEditTheDraft() async throws {
        let h = try await Harness(width: 100, height: 30, start: .designer)
        // A new claim, mapped to the scope under the cursor (status, the fourth column).
        await h.press(.right, .right, .right, .char("n"))
        #expect(h.screen.contains("Add a claim (draft)"))
        await h.type("region")
        await h.press(.tab, .tab)
        // user_attribute, client_attribute, constant: two presses of space.
        await h.press(.char(" "), .char(" "))
        await h.press(.tab)
        await h.type("\"eu-north\"")
        await h.press(.enter)
        #expect(h.line(h.grid.height - 1).contains("Added claim region (draft saved)"), "\(h.screen)")
        var design = try #require(try await h.engine.designDraft(tenantID: "sms")?.design)
        let region = try #require(design.claim("region"))
        #expect(
            region.scopes == ["status"] && region.source == .constant(.string("eu-north")) && region.destinations == [.accessToken, .introspection]
        )
        #expect(h.screen.contains("▸ region"))

        // The status API now requires it.
        await h.press(.tab, .char("G"), .char("e"))
        #expect(h.screen.contains("Edit API status (draft)"))
        await h.press(.tab, .tab)
        await h.type("status: region")
        await h.press(.enter)
        design = try #require(try await h.engine.designDraft(tenantID: "sms")?.design)
        #expect(design.api("status")?.requiredClaims == ["status": ["region"]])
        #expect(h.screen.contains("status: region"))

        // A new API whose audience is another's: the form marks it.
        await h.press(.char("n"))
        await h.type("billing")
        await h.press(.tab)
        await h.type("https://api.sms.example/status")
        #expect(h.screen.contains("✕ 'https://api.sms.example/status' is another API's audience"), "\(h.screen)")
        await h.press(.escape)
        #expect(try await h.engine.designDraft(tenantID: "sms")?.design.api("billing") == nil)
    }

    @Test func previewShowsWhatEachDestinationWouldContainForTheDraft() async throws {
        let h = try await Harness(width: 100, height: 60, start: .designer)
        await h.press(.tab, .tab)
        // customer-portal is the fourth client by id; alice the first user.
        await h.press(.char("c"), .char("c"), .char("c"), .char("u"))
        var text = h.screen
        #expect(text.contains("client    customer-portal") && text.contains("user      alice (u-alice)"), "\(text)")
        #expect(text.contains("authorization_code · sub u-alice"))
        #expect(text.contains("access_token · JWT ·"))
        let nbr = try #require(text.split(separator: "\n").first { $0.hasPrefix("  account-nbr ") })
        #expect(nbr.contains("\"1001-42\"") && nbr.contains("← user attribute account.number (invoice-read sms)"), "\(nbr)")
        let iss = try #require(text.split(separator: "\n").first { $0.hasPrefix("  iss ") })
        #expect(iss.contains("\"http://127.0.0.1:8080/sms\"") && iss.hasSuffix(" server"))
        #expect(text.contains("← standard claim (email)"))
        #expect(text.contains("id_token ·") && text.contains("userinfo") && text.contains("introspection"))
        let screen = try designer(h)
        #expect(screen.preview?.accessToken?["account-type"] != nil)

        // Change the draft in the matrix: the preview follows it.
        await h.press(.backTab, .backTab, .down, .char("A"))
        #expect(screen.preview?.accessToken?["account-type"] == nil)
        #expect(screen.preview?.introspection["account-type"] != nil)

        // Scopes narrowed by hand; an unknown one is said in the pane.
        await h.press(.tab, .tab, .char("s"))
        await h.type("openid bogus")
        await h.press(.enter)
        text = h.screen
        #expect(text.contains("✕ scope:"), "\(text)")
        await h.press(.char("s"), .ctrl("u"))
        await h.type("openid email")
        await h.press(.enter)
        text = h.screen
        #expect(text.contains("scopes openid email"), "\(text)")
        #expect(!text.contains("account-nbr"))
        #expect(text.contains("\"alice@example.com\""))
    }

    @Test func diffAgainstLiveMarksBreakingChanges() async throws {
        let h = try await Harness(start: .designer)
        await h.press(.char(" "))
        await h.press(.tab, .tab, .tab)
        let text = h.screen
        #expect(text.contains("[Diff 2!]"), "\(text)")
        #expect(text.contains("Diff: live version 1 → draft · 2 breaking"))
        #expect(text.contains("- invoice-read / access_token: account-nbr (string from user attribute"))
        #expect(text.contains("- invoice-read / introspection: account-nbr"))
        #expect(text.contains("BREAKING (APIs affected: invoices):"))
        #expect(text.contains("! claim account-nbr is removed from scope invoice-read (access_token), and API"))
        #expect(h.grid.role(of: "BREAKING") == .flashError)
        // The lint names the undelivered requirement.
        await h.press(.tab)
        #expect(h.screen.contains("Lint of the draft: 1 error, 0 warnings, 0 info"), "\(h.screen)")
        #expect(h.screen.contains("✕ error [api-requirement-undelivered] API 'invoices' requires claim"))
        // Mapping it back leaves no diff.
        await h.press(.tab, .char(" "))
        await h.press(.tab, .tab, .tab)
        #expect(h.screen.contains("no changes: the draft is the live design"))
    }

    @Test func helpListsTheDesignersKeys() async throws {
        let h = try await Harness(start: .designer)
        await h.press(.char("?"))
        var text = h.screen
        #expect(text.contains("Help: Designer"), "\(text)")
        #expect(text.contains("Tab      Next pane (matrix, APIs, preview, diff, lint)"))
        #expect(text.contains("p        Publish: the gate's dry run, then publish or force (asks first)"))
        #expect(text.contains("X        Discard the draft (asks first)"))
        #expect(text.contains("← h      Previous scope column (matrix)"))
        await h.press(.pageDown)
        text = h.screen
        #expect(text.contains("space    Map / unmap the claim to the scope under the cursor"), "\(text)")
        #expect(text.contains("N        Toggle destination introspection of the claim"))
        #expect(text.contains("D Del    Remove the claim from the draft (asks first)"))
        await h.press(.pageDown)
        text = h.screen
        #expect(text.contains("Edit the API: audience, accepted scopes, required claims"), "\(text)")
        #expect(text.contains("c        Next client"))
        await h.press(.pageDown)
        text = h.screen
        #expect(text.contains("Cells: A access_token  I id_token  U userinfo  N introspection"), "\(text)")
        #expect(text.contains("Everywhere"))
        await h.press(.escape)
        #expect(!h.screen.contains("Help: Designer"))
    }

    @Test func keyTablesNeitherClashNorTakeTheShellsKeys() {
        #expect(PaletteCommand.parse("designer") == .screen(.designer))
        #expect(PaletteCommand.parse("des") == .screen(.designer))
        let tabs = (1...ScreenKind.allCases.count).map { Key.char(Character("\($0)")) }
        let shell = Set<Key>([.char(":"), .char("/"), .char("?"), .escape, .char("q"), .ctrl("c")] + tabs)
        var keyMaps = DesignerScreen.Pane.allCases.map { pane in
            ("\(pane) pane", [DesignerScreen.commonKeys, DesignerScreen.movementKeys] + (DesignerScreen.keys(pane).map { [$0] } ?? []))
        }
        keyMaps.append(("version history", [DesignerScreen.versionKeys, DesignerScreen.movementKeys]))
        for (pane, maps) in keyMaps {
            let keys = maps.flatMap(\.bindings).flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "a key bound twice in the \(pane)")
            #expect(Set(keys).isDisjoint(with: shell), "the \(pane) takes a shell key")
            for b in maps.flatMap(\.bindings) where b.destructive { #expect(!b.keys.contains { $0.isMovement }) }
        }
    }
}
