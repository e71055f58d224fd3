import AuthEngine
import Foundation
import JOSE
import Testing

@testable import ConsoleUI

/// The users screen's forms: create, edit attributes as JSON, set a password; validated as typed by
/// the engine's rules and saved through the same use cases as `claimdeck user ...`.
@Suite("Users screen: forms")
struct UserFormTests {
    func allAudit(_ h: Harness) async throws -> String {
        try await h.store.events(after: 0, limit: 10_000, filter: AuditFilter(tenantID: "sms")).map { "\($0)" }.joined(separator: "\n")
    }

    @Test func createValidatesEveryFieldAsTypedAt80x24() async throws {
        let h = try await Harness(start: .users)
        await h.press(.char("n"))
        var text = h.screen
        #expect(text.contains("Create a user") && text.contains("✕ give a username"), "\(text)")
        await h.type("dora smith")
        #expect(h.screen.contains("✕ must be 1 to 128 characters without spaces"), "\(h.screen)")
        for _ in 0..<6 { await h.press(.backspace) }
        await h.press(.tab)
        await h.type("u dora")
        #expect(h.screen.contains("✕ 'u dora' is not valid"), "\(h.screen)")
        await h.press(.ctrl("u"))
        await h.type("u-dora")
        await h.press(.tab, .ctrl("u"))
        await h.type(#"{"name": "Dora", "roles": ["ops"]"#)
        text = h.screen
        #expect(text.contains("Attributes (JSON)") && text.contains("✕ invalid JSON at byte 33: expected"), "\(text)")
        await h.type("}")
        #expect(h.screen.contains("✓ valid"), "\(h.screen)")
        await h.press(.tab)
        await h.type("short")
        #expect(h.screen.contains("✕ must be at least 8 characters"))
        #expect(h.screen.contains("•••••") && !h.screen.contains("short"), "the password shows masked")
        await h.type("-but-long")
        #expect(h.screen.contains("✕ type the password again"))
        await h.press(.tab)
        await h.type("short-but-lonG")
        #expect(h.screen.contains("✕ does not match the password"), "\(h.screen)")
        await h.press(.backspace)
        await h.type("g")
        #expect(h.screen.contains("✓ valid"), "\(h.screen)")
        await h.press(.enter)

        text = h.screen
        #expect(text.contains("Created user dora") && text.contains("User dora") && text.contains("u-dora"), "\(text)")
        #expect(text.contains("set (scrypt)") && text.contains("Dora"))
        let user = try await h.engine.user(tenantID: "sms", "dora")
        #expect(user.id == "u-dora" && user.attributes["roles"] == .array([.string("ops")]) && user.passwordHash != nil)
        let audit = try await allAudit(h)
        #expect(audit.contains("user.created") && !audit.contains("short-but-long"))
    }

    @Test func aUsernameTakenIsRefusedByTheEngineAndTheFormStays() async throws {
        let h = try await Harness(start: .users)
        await h.press(.char("n"))
        await h.type("alice")
        await h.press(.enter)
        #expect(h.screen.contains("Create a user") && h.screen.contains("✕ user 'alice' already exists in tenant 'sms'"), "\(h.screen)")
        #expect(h.app.context.flash.level == .error)
        await h.press(.escape)
        #expect(h.screen.contains("alice") && !h.screen.contains("Create a user"))
    }

    @Test func editReplacesTheAttributesAndRefusesWhatIsNotAnObject() async throws {
        let h = try await Harness(width: 100, height: 30, start: .users)
        // The list is sorted by username: alice first.
        await h.press(.char("e"))
        var text = h.screen
        #expect(text.contains("Edit user alice") && text.contains(#""email":"alice@example.com""#), "\(text)")
        await h.press(.tab, .ctrl("u"))
        await h.type("[1, 2]")
        #expect(h.screen.contains("✕ must be a JSON object"), "\(h.screen)")
        await h.press(.enter)
        #expect(h.screen.contains("fix the marked field first"))
        await h.press(.ctrl("u"))
        await h.type(#"{"name": "Alice A", "account": {"number": "1001-43"}}"#)
        await h.press(.enter)
        text = h.screen
        #expect(text.contains("Saved user alice") && text.contains("1001-43") && !text.contains("alice@example.com"), "\(text)")
        let alice = try await h.engine.user(tenantID: "sms", "alice")
        #expect(alice.attributes["name"] == .string("Alice A") && alice.attributes["email"] == nil)
        #expect(try await allAudit(h).contains("user.updated"))
    }

    @Test func setPasswordIsMaskedTypedTwiceAndNeverShown() async throws {
        let h = try await Harness(start: .users)
        let before = try await h.engine.user(tenantID: "sms", "bob").passwordHash
        await h.press(.char("j"), .enter, .char("p"))
        var text = h.screen
        #expect(text.contains("Set the password of bob") && !text.contains("✕"), "\(text)")
        await h.type("new-bob-password")
        await h.press(.tab)
        await h.type("new-bob-passw0rd")
        #expect(h.screen.contains("✕ does not match the password"))
        await h.press(.enter)
        #expect(h.screen.contains("fix the marked field first"))
        await h.press(.ctrl("u"))
        await h.type("new-bob-password")
        text = h.screen
        #expect(!text.contains("new-bob") && text.contains("••••••••••••••••"), "\(text)")
        await h.press(.enter)
        #expect(h.screen.contains("Password set for bob"), "\(h.screen)")
        let after = try await h.engine.user(tenantID: "sms", "bob").passwordHash
        #expect(after != nil && after != before)
        let audit = try await allAudit(h)
        #expect(audit.contains("user.password_set") && !audit.contains("new-bob-password"))
        #expect(!(h.app.context.flash.message ?? "").contains("new-bob"))
    }
}
