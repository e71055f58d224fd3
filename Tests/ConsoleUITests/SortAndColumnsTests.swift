import AuthEngine
import ClaimdeckTestSupport
import Foundation
import Testing

@testable import ConsoleUI

/// Lists sort by any column (`>` `<` choose it, `!` reverses), hide a column (`-`) and show every
/// column again (`+`); the header marks the sorted column.
@Suite("Sort and columns")
struct SortAndColumnsTests {
    static let sizes = [(80, 24), (160, 48)]

    /// The client ids in the order the list shows them.
    func clientOrder(_ h: Harness) throws -> [String] {
        let ids = try h.engine.clients(tenantID: "sms").map(\.id)
        let rows = h.screen.split(separator: "\n").dropFirst(3)
        return rows.compactMap { row in ids.first { row.hasPrefix($0 + " ") || row.hasPrefix($0) && row.count == $0.count } }
    }

    @Test(arguments: sizes)
    func clientsSortByAnyColumnBothWaysAndHideOne(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .clients)
        let natural = try clientOrder(h)
        let clients = try h.engine.clients(tenantID: "sms")
        #expect(natural.count == clients.count && natural.count >= 3, "\(h.screen)")
        await h.press(.char(">"))
        #expect(h.line(2).hasPrefix("ID ▲"), "\(h.line(2))")
        #expect(h.message == "ℹ Sorted by ID ▲ ascending")
        #expect(try clientOrder(h) == natural.sorted())
        await h.press(.char(">"))
        #expect(h.line(2).contains("NAME ▲") && !h.line(2).contains("ID ▲"), "\(h.line(2))")
        let byName = clients.sorted { $0.name.lowercased() < $1.name.lowercased() }.map(\.id)
        #expect(try clientOrder(h) == byName)
        await h.press(.char("!"))
        #expect(h.line(2).contains("NAME ▼"), "\(h.line(2))")
        #expect(try clientOrder(h) == byName.reversed())
        // The selection follows the order shown: the first row is what Enter opens.
        await h.press(.enter)
        #expect(h.line(1).contains("client \(byName.last!)"), "\(h.line(1))")
        await h.press(.escape)
        // Hiding the sorted column gives its room to the others and goes back to the list's order.
        await h.press(.char("-"))
        #expect(!h.line(2).contains("NAME"), "\(h.line(2))")
        #expect(h.message == "ℹ Hid NAME; + shows every column")
        #expect(try clientOrder(h) == natural)
        // < from no sort takes the last column on screen: at 80 columns GRANTS (NAME's room let it
        // in; LAST USED still does not fit), at 160 LAST USED.
        await h.press(.char("<"))
        #expect(h.line(2).contains(width < 100 ? "GRANTS ▲" : "LAST USED ▲"), "\(h.line(2))")
        await h.press(.char("+"))
        #expect(h.line(2).contains("NAME"), "\(h.line(2))")
    }

    @Test(arguments: sizes)
    func tokensSortTheLoadedRowsByClient(width: Int, height: Int) async throws {
        let h = try await Harness(width: width, height: height, start: .tokens)
        _ = try await h.issue()
        _ = try await h.issue("partner-portal", secret: "partner-demo-secret")
        _ = try await h.issue()
        await h.press(.ctrl("r"))
        // ID, KIND, STATUS, CLIENT.
        await h.press(.char(">"), .char(">"), .char(">"), .char(">"))
        #expect(h.line(3).contains("CLIENT ▲"), "\(h.line(3))")
        var rows = h.screen.split(separator: "\n").filter { $0.contains("● active") }
        #expect(rows.count == 3)
        #expect(rows[0].contains("billing-service") && rows[1].contains("billing-service") && rows[2].contains("partner-portal"), "\(h.screen)")
        await h.press(.char("!"))
        rows = h.screen.split(separator: "\n").filter { $0.contains("● active") }
        #expect(rows[0].contains("partner-portal"), "\(h.screen)")
        // r revokes the row shown selected, not the one that was there before sorting.
        let selectedID = String(rows[0].split(separator: " ")[0])
        await h.press(.char("r"))
        #expect(h.screen.contains("Revoke token \(selectedID) of tenant sms?"), "\(h.screen)")
    }

    @Test func theSlackGoesFirstToTheColumnsThatAreCut() async throws {
        let h = try await Harness(width: 160, height: 30, start: .clients)
        let billing = try #require(try h.engine.clients(tenantID: "sms").first { $0.id == "billing-service" })
        let long = "reconciliation-batch-exporter"
        _ = try await h.engine.registerClient(
            tenantID: "sms",
            id: long,
            ClientSpec(name: "Exporter", scopes: billing.scopes, audiences: billing.audiences),
            actor: "test"
        )
        await h.press(.ctrl("r"))
        // ID (18 wide by default) holds the 29-character id whole at 160 columns; NAME stops at its
        // longest name instead of taking all the room.
        #expect(h.screen.split(separator: "\n").contains { $0.hasPrefix(long + " ") }, "\(h.screen)")
        let widths = Table.layout(ClientsScreen.columns, width: 160, content: [29, 30, 12, 10, 6, 18, 20])
        #expect(widths[0] == 29 && widths[1] <= 40, "\(widths)")
        // At 80 columns the little slack there is is shared by the id and the names, both cut
        // (marked …) rather than one whole and the other at its minimum.
        await h.resize(width: 80, height: 24)
        #expect(h.screen.contains("reconciliation-batch-expo… Exporter"), "\(h.screen)")
        #expect(h.screen.contains("Budget app by Example…"), "\(h.screen)")
    }

    @Test func sortingHelpIsListedAndTheKeysAreFreeOnEveryList() async throws {
        let h = try await Harness(start: .keys)
        await h.press(.char("?"))
        #expect(h.screen.contains("Sort by the next column"), "\(h.screen)")
        for map in [TokensScreen.listKeys.bindings.flatMap(\.keys), ClientsScreen.listKeys.bindings.flatMap(\.keys)] {
            #expect(Set(map).count == map.count, "a key bound twice")
        }
    }
}
