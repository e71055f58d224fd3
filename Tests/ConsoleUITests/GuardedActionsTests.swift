import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

/// Mass actions ask for a typed name; read-only mode refuses every write and says so.
@Suite("Guarded mass actions and read-only mode")
struct GuardedActionsTests {
    static let sizes = [(80, 24), (160, 48)]

    @Test(arguments: sizes)
    func aTenantWideRevocationWaitsForTheTenantsName(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        let a = try await h.issue()
        let b = try await h.issue("partner-portal", secret: "partner-demo-secret")
        await h.press(.ctrl("r"), .char("T"))
        var text = h.screen
        #expect(text.contains("Revoke all tokens of tenant sms?"), "\(text)")
        #expect(text.contains("Type sms to confirm:"), "\(text)")
        #expect(h.grid.role(of: "[ Cancel ]") == .buttonFocus)
        // Tab cannot reach the button before the name is typed; Enter presses Cancel.
        await h.press(.tab)
        #expect(h.screen.contains("✕ type sms exactly first; Esc cancels"), "\(h.screen)")
        #expect(h.grid.role(of: "[ Cancel ]") == .buttonFocus)
        await h.type("smx")
        #expect(h.grid.role(of: "[ Cancel ]") == .buttonFocus, "a wrong name leaves Cancel focused")
        await h.press(.enter)
        #expect(!h.screen.contains("Type sms to confirm:"), "Enter on Cancel closes")
        #expect(try await h.introspect(a.accessToken).active)
        #expect(try await h.introspect(b.accessToken).active)

        // Typed exactly (h and l are letters here, not button moves), the button takes the focus.
        await h.press(.char("T"))
        await h.type("sms")
        text = h.screen
        #expect(text.contains("[ Revoke 2 tokens ]"), "\(text)")
        #expect(h.grid.role(of: "[ Revoke 2 tokens ]") == .buttonFocus)
        await h.press(.enter)
        #expect(try await h.introspect(a.accessToken).active == false)
        #expect(try await h.introspect(b.accessToken).active == false)
        #expect(h.message.contains("Revoked 2 tokens"), "\(h.message)")
    }

    @Test func aSmallRevocationAsksNoNameAndOneAboveTheThresholdDoes() async throws {
        let h = try await Harness(start: .clients)
        _ = try await h.issue()
        // billing-service is the second row.
        await h.press(.down, .char("C"))
        var text = h.screen
        #expect(text.contains("Revoke all tokens of client billing-service in tenant sms?"), "\(text)")
        #expect(!text.contains("to confirm:"), "one token is not a mass revocation")
        await h.press(.escape)
        for _ in 0..<RevocationFlow.typedThreshold { _ = try await h.issue() }
        await h.press(.char("C"))
        text = h.screen
        #expect(text.contains("Dies:     101 active tokens"), "\(text)")
        #expect(text.contains("Type billing-service to confirm:"), "\(text)")
        await h.type("billing-service")
        await h.press(.enter)
        #expect(h.message.contains("Revoked 101 tokens"), "\(h.message)")
        let left = try await h.engine.previewRevocation(.client(tenantID: "sms", clientID: "billing-service"))
        #expect(left.revoked == 0)
    }

    @Test(arguments: sizes)
    func deletingATenantWaitsForItsName(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tenants)
        await h.press(.char("D"))
        #expect(h.screen.contains("Delete tenant sms"), "\(h.screen)")
        #expect(h.screen.contains("Type sms to confirm:"))
        await h.press(.enter)
        #expect(h.app.context.engine.config.snapshot.tenants["sms"] != nil)
        await h.press(.char("D"))
        await h.type("sms")
        await h.press(.enter)
        #expect(h.app.context.engine.config.snapshot.tenants["sms"] == nil)
    }

    @Test(arguments: sizes)
    func readOnlyRefusesARevocationWithAFlashAndSaysSoInTheHeader(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens, readOnly: true)
        let token = try await h.issue()
        await h.press(.ctrl("r"))
        #expect(h.line(0).hasPrefix(" Claimdeck │ READ-ONLY │ tenant sms"), "\(h.line(0))")
        #expect(h.grid.role(of: "READ-ONLY") == .flashWarn)
        await h.press(.char("r"))
        #expect(!h.screen.contains("[ Cancel ]"), "no dialog in read-only mode")
        #expect(h.app.context.flash.level == .error)
        #expect(
            h.message.contains("✕ error: read-only mode: 'Revoke this token' refused, nothing changed (:readonly turns writes back on)"),
            "\(h.message)"
        )
        #expect(try await h.introspect(token.accessToken).active)
        // The hint line (once the flash has cleared) offers only what works, and help says which
        // keys are refused.
        await h.tick(seconds: Flash.lifetime)
        #expect(!h.line(height - 2).contains("<r> revoke") && h.line(height - 2).contains("<Enter> open"), "\(h.line(height - 2))")
        await h.press(.char("?"))
        #expect(h.screen.contains("Revoke this token (asks first) —"), "\(h.screen)")
        #expect(h.screen.contains("refused: read-only mode"), "\(h.screen)")
        await h.press(.escape)
        // Looking still works: Enter opens the token.
        await h.press(.enter)
        #expect(h.screen.contains("JWT header"))
        await h.press(.escape)
        // :readonly turns writes back on, and the header says so.
        await h.press(.char(":"))
        await h.type("readonly")
        await h.press(.enter)
        #expect(!h.line(0).contains("READ-ONLY"))
        #expect(h.line(height - 2).contains("<r> revoke"), "\(h.line(height - 2))")
        await h.press(.char("r"), .tab, .enter)
        #expect(try await h.introspect(token.accessToken).active == false)
    }

    @Test func readOnlyRefusesEveryWriteKeyOnEveryScreen() async throws {
        let h = try await Harness(start: .clients)
        let clients = try h.engine.clients(tenantID: "sms").map(\.id)
        let version = h.engine.config.snapshot.version
        await h.press(.char(":"))
        await h.type("readonly")
        await h.press(.enter)
        #expect(h.line(0).contains("READ-ONLY"))
        let writes: [(ScreenKind, Key, String)] = [
            (.clients, .char("n"), "Register a client"), (.clients, .char("D"), "Delete (revokes its tokens)"),
            (.clients, .char("C"), "Revoke every token of the client (dry run first)"),
            (.tenants, .char("n"), "Create a tenant"), (.users, .char("e"), "Edit the username and attributes (JSON)"),
            (.keys, .char("o"), "Rotate: next key signs, active key retires (dry run first)"),
            (.audit, .char("r"), "Revoke the event's token"), (.designer, .char("p"), "Publish: the gate's dry run, then publish or force"),
        ]
        for (kind, key, what) in writes {
            h.app.show(kind)
            await h.settle()
            await h.press(key)
            #expect(h.message.contains("read-only mode: '\(what)' refused"), "\(kind) \(key): \(h.message)")
            #expect(h.app.context.dialog == nil && !h.screen.contains("✓ valid"), "\(kind) \(key)")
        }
        #expect(try h.engine.clients(tenantID: "sms").map(\.id) == clients)
        #expect(h.engine.config.snapshot.version == version, "nothing was written")
    }
}
