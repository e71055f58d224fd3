/// A column of a table: a header and a width rule.
public struct Column: Sendable, Hashable {
    public var title: String
    /// Minimum width; flexible columns share what is left.
    public var width: Int
    public var flexible: Bool
    /// The widest a flexible column grows (nil: no bound), so that one column does not take all the
    /// slack of a wide terminal while its neighbours are cut.
    public var maxWidth: Int?

    public init(_ title: String, _ width: Int, flexible: Bool = false, max maxWidth: Int? = nil) {
        self.title = title
        self.width = width
        self.flexible = flexible
        self.maxWidth = maxWidth
    }
}

/// A table cell: text and the role it is drawn in (status cells carry glyph + word + a status role).
public struct TableCell: Sendable, Hashable, ExpressibleByStringLiteral {
    public var text: String
    public var role: Role?
    public init(_ text: String, role: Role? = nil) {
        self.text = text
        self.role = role
    }
    public init(stringLiteral value: String) { self.init(value) }
}

/// Draws a table with a header row, the selected row highlighted, and a scroll position indicator.
public enum Table {
    /// Column widths for `width` cells: fixed columns as given, flexible ones share the rest a cell
    /// at a time up to their `maxWidth`; columns that do not fit are dropped from the right. With
    /// `content` (the widest cell of each column), the slack goes first to the columns whose cells
    /// are cut, flexible or not, each up to what it holds (a flexible one no further than its
    /// `maxWidth`), and only then to the flexible ones: no column grows past its text while a
    /// neighbour is cut.
    public static func layout(_ columns: [Column], width: Int, content: [Int]? = nil) -> [Int] {
        var widths = columns.map(\.width)
        var total = widths.reduce(0, +) + max(0, columns.count - 1)
        var shown = columns.count
        while total > width && shown > 1 {
            shown -= 1
            total -= widths[shown] + 1
        }
        widths = Array(widths.prefix(shown))
        var spare = width - total
        if let content {
            func wants(_ i: Int) -> Bool {
                i < content.count && widths[i] < min(content[i], columns[i].flexible ? (columns[i].maxWidth ?? .max) : .max)
            }
            while spare > 0 {
                let cut = widths.indices.filter(wants)
                if cut.isEmpty { break }
                for i in cut where spare > 0 {
                    widths[i] += 1
                    spare -= 1
                }
            }
        }
        let flexible = columns.prefix(shown).indices.filter { columns[$0].flexible }
        while spare > 0 {
            let growing = flexible.filter { widths[$0] < (columns[$0].maxWidth ?? .max) }
            if growing.isEmpty { break }
            for i in growing where spare > 0 {
                widths[i] += 1
                spare -= 1
            }
        }
        return widths
    }

    public static func draw(
        _ columns: [Column],
        rows: [[TableCell]],
        state: inout ListState,
        in area: Rect,
        grid: inout CellGrid,
        focused: Bool = true,
        empty: String = "Nothing to show."
    ) {
        guard area.height >= 2 else { return }
        // The widest cell of each column among the first rows (a long list is not measured whole
        // every frame).
        let measured = rows.prefix(1000)
        let content = columns.indices.map { i in
            measured.reduce(DisplayWidth.of(columns[i].title)) { max($0, i < $1.count ? DisplayWidth.of($1[i].text) : 0) }
        }
        let widths = layout(columns, width: area.width, content: content)
        var x = area.x
        grid.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), role: .columnHeader)
        for (i, w) in widths.enumerated() {
            grid.put(columns[i].title.padded(to: w), x: x, y: area.y, role: .columnHeader, limit: w)
            x += w + 1
        }
        state.setVisible(area.height - 1)
        state.setCount(rows.count)
        if rows.isEmpty {
            grid.put(empty, x: area.x + 1, y: area.y + 1, role: .muted, limit: area.width - 1)
            return
        }
        for line in 0..<min(state.visible, rows.count - state.offset) {
            let index = state.offset + line
            let y = area.y + 1 + line
            let selected = index == state.selected && focused
            if selected { grid.fill(Rect(x: area.x, y: y, width: area.width, height: 1), role: .selection) }
            x = area.x
            for (i, w) in widths.enumerated() {
                let cell = i < rows[index].count ? rows[index][i] : TableCell("")
                grid.put(cell.text.fitted(to: w), x: x, y: y, role: selected ? .selection : (cell.role ?? .text), limit: w)
                x += w + 1
            }
        }
        if rows.count > state.visible {
            let label = " \(state.selected + 1)/\(rows.count) "
            grid.put(label, x: area.maxX - DisplayWidth.of(label), y: area.y, role: .muted)
        }
    }
}

/// Key/value lines and indented trees for detail views.
public struct DetailLine: Sendable, Hashable {
    public var label: String
    public var value: String
    public var role: Role
    public var indent: Int

    public init(_ label: String, _ value: String, role: Role = .text, indent: Int = 0) {
        self.label = label
        self.value = value
        self.role = role
        self.indent = indent
    }

    /// A section heading.
    public static func section(_ title: String) -> DetailLine { DetailLine(title, "", role: .title) }

    /// Draws label and value columns from `scroll` (in screen rows); a value wider than its column
    /// wraps onto the next rows under itself.
    public static func draw(_ lines: [DetailLine], scroll: Int, in area: Rect, grid: inout CellGrid) {
        let labelWidth = min(24, (lines.filter { $0.role != .title }.map { DisplayWidth.of($0.label) + $0.indent * 2 }.max() ?? 0) + 1)
        let valueWidth = max(0, area.width - labelWidth - 1)
        var rows: [(label: String, value: String, role: Role, title: Bool)] = []
        for line in lines {
            if line.role == .title {
                rows.append((line.label, "", .title, true))
                continue
            }
            let pad = String(repeating: "  ", count: line.indent)
            for (i, part) in TextWrap.wrap(line.value, width: valueWidth).enumerated() {
                rows.append((i == 0 ? pad + line.label : "", part, line.role, false))
            }
        }
        for (i, row) in rows.dropFirst(scroll).prefix(area.height).enumerated() {
            let y = area.y + i
            if row.title {
                grid.put(row.label, x: area.x, y: y, role: .title, limit: area.width)
                continue
            }
            grid.put(row.label.padded(to: labelWidth), x: area.x, y: y, role: .muted, limit: area.width)
            grid.put(row.value, x: area.x + labelWidth + 1, y: y, role: row.role, limit: valueWidth)
        }
    }
}
