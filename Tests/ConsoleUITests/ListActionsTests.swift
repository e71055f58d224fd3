import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

/// What the lists do beyond looking: revoke a client's tokens from the clients list, copy the
/// selected row's id, read every field of an audit event, and the designer's bar when two panes show.
@Suite("List actions: revoke from clients, copy ids, audit event detail, designer bar")
struct ListActionsTests {
    static let sizes = [(80, 24), (160, 48)]

    @Test(arguments: sizes)
    func aClientsTokensAreRevokedFromTheClientsListWithTheDryRun(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .clients)
        let a = try await h.issue()
        let other = try await h.issue("partner-portal", secret: "partner-demo-secret")
        #expect(h.screen.contains("<C> revoke tokens"), "\(h.screen)")
        await h.press(.down, .char("C"))
        let text = h.screen
        #expect(text.contains("Revoke all tokens of client billing-service in tenant sms?"), "\(text)")
        #expect(text.contains("Dies:     1 active token (1 JWT, 0 opaque)"))
        #expect(h.grid.role(of: "[ Cancel ]") == .buttonFocus)
        await h.press(.tab, .enter)
        #expect(try await h.introspect(a.accessToken).active == false)
        #expect(try await h.introspect(other.accessToken).active, "another client's token lives")
        #expect(h.message.contains("Revoked 1 token"))
    }

    /// The id as OSC 52 sends it.
    func osc52(_ text: String) -> [UInt8] { OSC52.copy(text) }

    @Test(arguments: sizes)
    func cCopiesTheSelectedRowsIdOnEveryList(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        let terminal = RecordingTerminal()
        h.app.attach(terminal: terminal)
        let token = try await h.issue()
        let jti = try #require(try await h.introspect(token.accessToken).record?.id)
        await h.press(.ctrl("r"), .char("c"))
        #expect(terminal.sent.last == osc52(jti))
        #expect(h.message.contains("token id \(jti) copied to the terminal clipboard (OSC 52)"), "\(h.message)")
        // In the token's detail too; o now opens its client.
        await h.press(.enter, .char("y"))
        #expect(terminal.sent.count == 2 && terminal.sent.last == osc52(jti))

        h.app.show(.clients)
        await h.settle()
        await h.press(.down, .char("c"))
        #expect(terminal.sent.last == osc52("billing-service"))
        h.app.show(.keys)
        await h.settle()
        await h.press(.char("c"))
        let kid = try #require(try await h.engine.keys(tenantID: "sms").first?.record.kid)
        #expect(terminal.sent.last == osc52(kid), "\(h.screen)")
        h.app.show(.tenants)
        await h.settle()
        await h.press(.char("c"))
        #expect(terminal.sent.last == osc52("sms"))
        h.app.show(.users)
        await h.settle()
        await h.press(.char("c"))
        let user = try #require(try await h.engine.users(tenantID: "sms").sorted { $0.username < $1.username }.first)
        #expect(terminal.sent.last == osc52(user.id))
        #expect(h.message.contains("user id \(user.id) copied"))
    }

    @Test(arguments: sizes)
    func enterOnAnEventThatNamesNothingShowsEveryField(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height)
        await h.press(.char("/"))
        await h.type("type:tenant.created")
        await h.press(.enter, .end, .enter)
        let stored = try #require(try await h.store.events(after: 0, limit: 1000, filter: AuditFilter(type: .tenantCreated)).last)
        let all = try await h.store.events(after: 0, limit: 10000, filter: AuditFilter())
        let previous = all.first { $0.sequence == stored.sequence - 1 }?.hash ?? AuditChain.genesis
        let text = h.screen
        #expect(h.line(1).contains("› event #\(stored.sequence)"), "\(h.line(1))")
        for field in ["sequence", "time", "type", "outcome", "reason", "subject", "actor", "tenant", "client", "Details", "Hash chain"] {
            #expect(text.contains(field), "\(field) missing:\n\(text)")
        }
        #expect(text.contains("tenant.created") && text.contains("✓ ok"))
        #expect(text.contains("event \(stored.sequence) of \(all.last!.sequence)"), "\(text)")
        #expect(text.contains("✓ the hash covers the previous event's hash and this event"), "\(text)")
        // The 64-character hashes wrap within 80 columns rather than being cut.
        let rows = text.split(separator: "\n").map(String.init)
        #expect(rows.allSatisfy { $0.trimmingCharacters(in: .whitespaces).count <= 80 || !$0.contains(stored.hash.prefix(20)) })
        let joined = rows.joined()
        #expect(joined.replacingOccurrences(of: " ", with: "").contains(stored.hash), "the whole hash is there")
        #expect(joined.replacingOccurrences(of: " ", with: "").contains(previous))
        await h.press(.escape)
        #expect(h.screen.contains("● live"))
    }

    @Test func dShowsTheDetailsOfAnyEventWithItsReasonAndSubject() async throws {
        let h = try await Harness()
        await h.failedAuth()
        await h.closeRefusalWindows()
        await h.tick()
        await h.press(.end, .char("d"))
        let text = h.screen
        #expect(text.contains("Audit event #"), "\(text)")
        #expect(text.contains("✕ fail"), "\(text)")
        #expect(text.contains("invalid_client"), "the reason the 80-column tail drops: \(text)")
    }

    @Test func atWideWidthsTheDesignersBarMarksBothVisiblePanes() async throws {
        let h = try await Harness(width: 130, height: 40, start: .designer)
        #expect(h.line(2).contains("[Matrix] APIs ‹Preview› Diff"), "\(h.line(2))")
        #expect(h.grid.role(of: "‹Preview›") == .accent)
        await h.press(.tab, .tab)
        #expect(h.line(2).contains("‹APIs›[Preview] Diff"), "\(h.line(2))")
        await h.resize(width: 80, height: 24)
        #expect(h.line(2).contains(" APIs [Preview] Diff"), "one pane: only the focused one is marked: \(h.line(2))")
    }
}
