import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

/// Tokens, clients, users and keys refresh themselves every 2 s of the injected clock while shown,
/// keeping the selection and scroll; new rows are marked ✚ and counted; space pauses.
@Suite("Live lists")
struct LiveListsTests {
    static let sizes = [(80, 24), (160, 48)]

    /// Two seconds pass, in frames of 0.2 s as the terminal ticks.
    func twoSeconds(_ h: Harness) async {
        for _ in 0..<11 { await h.tick(seconds: 0.2) }
    }

    func tokenID(_ h: Harness, _ t: TokenResponse) async throws -> String {
        try #require(try await h.introspect(t.accessToken).record?.id)
    }

    @Test(arguments: sizes)
    func newTokensArriveMarkedWithTheSelectionKept(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        let first = try await tokenID(h, try await h.issue())
        await h.press(.ctrl("r"))
        #expect(h.screen.contains("1 token"))
        #expect(h.grid.role(of: first) == .selection)
        let a = try await tokenID(h, try await h.issue("partner-portal", secret: "partner-demo-secret"))
        let b = try await tokenID(h, try await h.issue())
        #expect(!h.screen.contains(a), "not before the refresh is due")
        await twoSeconds(h)
        let text = h.screen
        #expect(text.contains("3 tokens") && text.contains(a) && text.contains(b), "\(text)")
        #expect(h.line(1).contains("✚ 2 new rows since you looked"), "\(h.line(1))")
        let rows = text.split(separator: "\n")
        #expect(rows.first { $0.contains(a) }?.contains("✚ ● active") == true, "\(text)")
        #expect(rows.first { $0.contains(first) }?.contains("✚") == false)
        // Newest first: the new rows came in above, and the selection stayed on the token it was on.
        #expect(h.grid.role(of: first) == .selection, "\(text)")

        // Paused, nothing moves; resumed, the next refresh brings what came meanwhile.
        await h.press(.char(" "))
        #expect(h.line(1).contains("⏸ PAUSED · live refresh held (space resumes)"), "\(h.line(1))")
        let c = try await tokenID(h, try await h.issue())
        await twoSeconds(h)
        #expect(!h.screen.contains(c), "paused: \(h.screen)")
        await h.press(.char(" "))
        await twoSeconds(h)
        #expect(h.screen.contains(c) && h.screen.contains("4 tokens"), "\(h.screen)")
        #expect(h.line(1).contains("✚ 3 new rows since you looked"), "\(h.line(1))")
        // Leaving and coming back is looking: nothing is new.
        await h.press(.char("2"), .char("4"))
        #expect(!h.screen.contains("✚"), "\(h.screen)")
    }

    @Test func theScrollPositionStaysWhenRowsArriveAbove() async throws {
        let h = try await Harness(start: .tokens)
        for _ in 0..<30 { _ = try await h.issue() }
        await h.press(.ctrl("r"))
        for _ in 0..<25 { await h.press(.down) }
        _ = h.screen
        let selectedRow = try #require((0..<h.grid.height).first { h.grid[0, $0].role == .selection })
        let selectedID = String(h.line(selectedRow).split(separator: " ")[0])
        _ = try await h.issue()
        await twoSeconds(h)
        #expect(h.screen.contains("31 tokens"))
        let row = try #require((0..<h.grid.height).first { h.grid[0, $0].role == .selection })
        #expect(h.line(row).hasPrefix(selectedID), "the selection stays on \(selectedID): \(h.screen)")
        #expect(row == selectedRow, "and where it was on the screen")
    }

    @Test func aRefreshReadsOnePageAndKeepsTheOlderPagesLoaded() async throws {
        let h = try await Harness(start: .tokens)
        for _ in 0..<130 { _ = try await h.issue() }
        await h.press(.ctrl("r"), .end)
        #expect(h.screen.contains("130 tokens"), "\(h.screen)")
        let before = try #require(h.app.screen(.tokens) as? TokensScreen)
        let selected = before.shown[before.list.selected].id
        // A later millisecond: ids of one millisecond order by their random part.
        h.clock.advance(by: 1)
        _ = try await h.issue()
        await twoSeconds(h)
        let screen = try #require(h.app.screen(.tokens) as? TokensScreen)
        #expect(h.screen.contains("131 tokens"), "\(h.screen)")
        #expect(Set(screen.rows.map(\.id)).count == 131, "no row twice, none lost")
        #expect(screen.rows.map(\.id) == screen.rows.map(\.id).sorted(by: >), "newest first")
        #expect(screen.shown[screen.list.selected].id == selected, "the selection stays on its token")
    }

    @Test(arguments: sizes)
    func clientsUsersAndKeysRefreshToo(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .clients)
        let billing = try #require(try h.engine.clients(tenantID: "sms").first { $0.id == "billing-service" })
        await h.press(.down)
        _ = try await h.engine.registerClient(
            tenantID: "sms",
            id: "aaa-live",
            ClientSpec(name: "Live one", scopes: billing.scopes, audiences: billing.audiences),
            actor: "test"
        )
        await twoSeconds(h)
        var text = h.screen
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("✚ aaa-live") }, "\(text)")
        #expect(h.line(1).contains("✚ 1 new row since you looked"), "\(h.line(1))")
        #expect(h.grid.role(of: "billing-service") == .selection, "the selection stays on billing-service: \(text)")

        h.app.show(.users)
        await h.settle()
        _ = try await h.engine.createUser(tenantID: "sms", username: "zz-live", actor: "test")
        await twoSeconds(h)
        text = h.screen
        #expect(text.contains("✚ zz-live"), "\(text)")

        h.app.show(.keys)
        await h.settle()
        let before = try await h.engine.keys(tenantID: "sms").map(\.record.kid)
        _ = try await h.engine.rotateKey(tenantID: "sms", actor: "test")
        let added = try #require(try await h.engine.keys(tenantID: "sms").map(\.record.kid).first { !before.contains($0) })
        await twoSeconds(h)
        #expect(h.screen.contains("✚ " + added.prefix(10)), "\(h.screen)")
    }
}
