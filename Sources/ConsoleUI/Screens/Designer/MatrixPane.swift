import AuthEngine
import Foundation

/// The designer's matrix pane: the draft's claims as rows, its scopes as columns, a cursor on one
/// cell, and the words for that cell under the grid. Scope columns that do not fit scroll sideways
/// so the cursor's column shows.
struct MatrixPane {
    /// The claim rows (selection and scrolling).
    private(set) var rows = ListState()
    /// The scope column under the cursor.
    private(set) var column = 0
    /// The first scope column shown.
    private var columnOffset = 0

    mutating func setCount(_ claims: Int) { rows.setCount(claims) }
    mutating func select(_ row: Int) { rows.select(row) }
    mutating func move(_ m: ListMove) { rows.move(m) }

    /// Keeps the cursor on a column of `design` (columns go when scopes do).
    mutating func clampColumn(_ design: TokenDesign) { column = min(column, max(0, DesignEdit.columns(design).count - 1)) }
    mutating func left() { column = max(0, column - 1) }
    mutating func right(_ design: TokenDesign) { column = min(max(0, DesignEdit.columns(design).count - 1), column + 1) }

    func selectedClaim(_ claims: [ClaimDefinition]) -> ClaimDefinition? { claims.indices.contains(rows.selected) ? claims[rows.selected] : nil }

    func selectedScope(_ design: TokenDesign) -> String? {
        let columns = DesignEdit.columns(design)
        return columns.indices.contains(column) ? columns[column] : nil
    }

    /// Draws `claims` (the draft's, filtered) against the scope columns of `design`. Drawing learns how
    /// many rows and columns fit, so it moves the scroll offsets.
    mutating func draw(_ claims: [ClaimDefinition], of design: TokenDesign, filtered: Bool, in area: Rect, focused: Bool, grid: inout CellGrid) {
        let columns = DesignEdit.columns(design)
        let detailHeight = area.height >= 12 ? 5 : area.height >= 8 ? 2 : 0
        let claimWidth = min(20, max(8, (claims.map { DisplayWidth.of($0.name) }.max() ?? 5) + 2))
        let widths = columns.map { min(13, max(4, DisplayWidth.of($0))) }
        let flagsWidth = 7
        // Scope columns that fit, scrolled so the cursor's column shows.
        let room = area.width - claimWidth - 1 - flagsWidth - 1
        func fits(from start: Int) -> Int {
            var used = 0
            var n = 0
            for w in widths.dropFirst(start) {
                if used + w + 1 > room { break }
                used += w + 1
                n += 1
            }
            return max(1, n)
        }
        column = min(column, max(0, columns.count - 1))
        if column < columnOffset { columnOffset = column }
        while columnOffset < column, column >= columnOffset + fits(from: columnOffset) { columnOffset += 1 }
        let visible = columns.isEmpty ? 0..<0 : columnOffset..<min(columns.count, columnOffset + fits(from: columnOffset))

        // Header.
        grid.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), role: .columnHeader)
        var x = grid.put((columnOffset > 0 ? "‹ CLAIM" : "CLAIM").padded(to: claimWidth), x: area.x, y: area.y, role: .columnHeader) + 1
        for i in visible {
            x = grid.put(columns[i].padded(to: widths[i]), x: x, y: area.y, role: .columnHeader, limit: area.maxX - x) + 1
        }
        if visible.upperBound < columns.count { x = grid.put("›", x: x - 1, y: area.y, role: .columnHeader) + 1 }
        x = grid.put("FLAGS".padded(to: flagsWidth), x: x, y: area.y, role: .columnHeader, limit: max(0, area.maxX - x)) + 1
        let sourceX = x
        if area.maxX - sourceX >= 10 { grid.put("SOURCE", x: sourceX, y: area.y, role: .columnHeader, limit: area.maxX - sourceX) }

        // Rows.
        rows.setVisible(max(1, area.height - 1 - detailHeight))
        rows.setCount(claims.count)
        if claims.isEmpty {
            grid.put(filtered ? "No claim matches." : "No claims; n adds one.", x: area.x + 1, y: area.y + 1, role: .muted)
            return
        }
        for line in 0..<min(rows.visible, claims.count - rows.offset) {
            let index = rows.offset + line
            let c = claims[index]
            let y = area.y + 1 + line
            let isRow = index == rows.selected
            var x = grid.put(((isRow ? "▸ " : "  ") + c.name).padded(to: claimWidth), x: area.x, y: y, role: isRow && focused ? .accent : .text) + 1
            for i in visible {
                let isCell = isRow && i == column
                let text = DesignEdit.cell(c, scope: columns[i])
                x =
                    grid.put(
                        text.padded(to: widths[i]),
                        x: x,
                        y: y,
                        role: isCell ? (focused ? .selection : .accent) : (text == "·" ? .muted : .text),
                        limit: area.maxX - x
                    ) + 1
            }
            if visible.upperBound < columns.count { x += 1 }
            let flags = [c.isPII ? "pii" : "", c.isRequired ? "req" : ""].filter { !$0.isEmpty }.joined(separator: " ")
            x = grid.put(flags.padded(to: flagsWidth), x: x, y: y, role: c.isPII ? .flashWarn : .text, limit: max(0, area.maxX - x)) + 1
            if area.maxX - x >= 10 { grid.put(("\(c.type) · " + DesignText.source(c.source)).fitted(to: area.maxX - x), x: x, y: y, role: .muted) }
        }
        if claims.count > rows.visible {
            let label = " \(rows.selected + 1)/\(claims.count) "
            grid.put(label, x: area.maxX - DisplayWidth.of(label), y: area.y + 1 + rows.visible - 1, role: .muted)
        }

        // The cell under the cursor, in words.
        guard detailHeight > 0, let c = selectedClaim(claims) else { return }
        let lines = Self.cellWords(c, scope: selectedScope(design), design: design)
        let top = area.maxY - detailHeight
        for (i, l) in lines.suffix(detailHeight == 2 ? 2 : 4).enumerated() {
            grid.put(l.text.fitted(to: area.width), x: area.x, y: top + 1 + i - (detailHeight == 2 ? 1 : 0), role: l.role, limit: area.width)
        }
    }

    /// What the cursor's cell means: mapped or not (and where it goes), the claim's type and source,
    /// which APIs require it, and the legend of the cells.
    static func cellWords(_ c: ClaimDefinition, scope: String?, design: TokenDesign) -> [PaneLine] {
        var lines: [PaneLine] = []
        if let s = scope {
            lines.append(
                c.scopes.contains(s)
                    ? PaneLine("\(c.name) × \(s): mapped → \(c.destinations.map(\.rawValue).joined(separator: ", "))  (space unmaps)", .accent)
                    : PaneLine("\(c.name) × \(s): not mapped  (space maps it)", .accent)
            )
        }
        let requiredBy = design.apis.compactMap { a -> String? in
            let scopes = a.requiredClaims.keys.sorted().filter { a.requiredClaims[$0]!.contains(c.name) }
            return scopes.isEmpty ? nil : "\(a.name) (\(scopes.joined(separator: ", ")))"
        }
        lines.append(
            PaneLine("\(c.type) · \(DesignText.source(c.source))" + (c.isPII ? " · personal data" : "") + (c.isRequired ? " · required" : ""))
        )
        lines.append(PaneLine(requiredBy.isEmpty ? "no API requires it" : "required by API " + requiredBy.joined(separator: ", ")))
        lines.append(PaneLine(DesignEdit.legend, .muted))
        return lines
    }
}
