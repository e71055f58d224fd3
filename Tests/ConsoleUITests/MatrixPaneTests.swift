import AuthEngine
import Foundation
import Testing

@testable import ConsoleUI

/// The designer's matrix as a value, drawn without a console: the cursor stays on a column of the
/// design, columns that do not fit scroll sideways, and the cursor's cell is put in words.
@Suite("Designer matrix pane")
struct MatrixPaneTests {
    static let design = TokenDesign(
        scopes: (1...8).map { ScopeDefinition(tenantID: "t", name: "scope-\($0)") },
        claims: [
            ClaimDefinition(
                tenantID: "t",
                name: "tier",
                type: "string",
                source: .constant(.string("gold")),
                scopes: ["scope-8"],
                destinations: [.accessToken]
            ),
            ClaimDefinition(tenantID: "t", name: "region", type: "string", source: .constant(.string("eu")), isPII: true, scopes: ["scope-1"]),
        ],
        apis: [
            APIResource(
                tenantID: "t",
                name: "reports",
                audience: "https://reports.example",
                scopes: ["scope-8"],
                requiredClaims: ["scope-8": ["tier"]]
            )
        ]
    )

    @Test func theCursorScrollsTheColumnsAndStaysOnTheDesign() {
        var pane = MatrixPane()
        let claims = Self.design.claims
        pane.setCount(claims.count)
        var grid = CellGrid(width: 60, height: 14)
        pane.draw(claims, of: Self.design, filtered: false, in: Rect(x: 0, y: 0, width: 60, height: 14), focused: true, grid: &grid)
        #expect(grid.row(0).hasPrefix("CLAIM"), "\(grid.row(0))")
        #expect(grid.row(0).contains("›"), "more columns to the right")
        for _ in 0..<20 { pane.right(Self.design) }
        #expect(pane.column == 7, "the last of the 8 scopes, not past it")
        grid = CellGrid(width: 60, height: 14)
        pane.draw(claims, of: Self.design, filtered: false, in: Rect(x: 0, y: 0, width: 60, height: 14), focused: true, grid: &grid)
        #expect(grid.row(0).hasPrefix("‹ CLAIM") && grid.row(0).contains("scope-8"), "\(grid.row(0))")
        // Claims sort by name: region first, so down selects tier, mapped to scope-8 for access_token only.
        pane.move(.down)
        #expect(pane.selectedClaim(claims)?.name == "tier" && pane.selectedScope(Self.design) == "scope-8")
        let words = MatrixPane.cellWords(claims[1], scope: "scope-8", design: Self.design).map(\.text)
        #expect(words.first == "tier × scope-8: mapped → access_token  (space unmaps)")
        #expect(words.contains("required by API reports (scope-8)"))
        // A design with fewer scopes pulls the cursor back onto one of them.
        pane.clampColumn(TokenDesign(scopes: [ScopeDefinition(tenantID: "t", name: "only")], claims: [], apis: []))
        #expect(pane.column == 0)
        pane.left()
        #expect(pane.column == 0)
    }

    @Test func anEmptyListSaysWhy() {
        var pane = MatrixPane()
        var grid = CellGrid(width: 60, height: 10)
        pane.draw([], of: Self.design, filtered: true, in: Rect(x: 0, y: 0, width: 60, height: 10), focused: true, grid: &grid)
        #expect(grid.row(1).contains("No claim matches."))
        pane.draw([], of: Self.design, filtered: false, in: Rect(x: 0, y: 0, width: 60, height: 10), focused: true, grid: &grid)
        #expect(grid.row(1).contains("No claims; n adds one."))
        #expect(pane.selectedClaim([]) == nil)
    }
}
