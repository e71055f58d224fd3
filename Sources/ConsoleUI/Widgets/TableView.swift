import Foundation

/// How the operator arranges a list: the column it is sorted by and which way, and the columns
/// hidden. `>` and `<` sort by the next or previous column (the header marks it ▲ or ▼), `!`
/// reverses, `-` hides the sorted column, `+` shows every column again. Shift + a column letter (as
/// k9s does it) would take the lists' capital-letter actions (`C`, `S`, `T`, `D`), hence these keys.
public struct TableView: Sendable, Hashable {
    public enum Action: Sendable, Hashable { case next, previous, reverse, hide, showAll }

    /// The sorted column (an index into the list's columns), nil: the list's own order.
    public private(set) var sortColumn: Int?
    public private(set) var descending = false
    public private(set) var hidden: Set<Int> = []
    /// How many of the shown columns fit the last frame: `<` and `>` choose among those, so the
    /// sorted column is always one the operator sees marked.
    private var fitting: Int?

    public init() {}

    public static func bindings<A: Sendable>(_ wrap: (Action) -> A) -> [KeyBinding<A>] {
        [
            KeyBinding([.char(">")], wrap(.next), "Sort by the next column (the header marks it ▲ / ▼)"),
            KeyBinding([.char("<")], wrap(.previous), "Sort by the previous column"),
            KeyBinding([.char("!")], wrap(.reverse), "Reverse the sort"),
            KeyBinding([.char("-")], wrap(.hide), "Hide the sorted column (the others share its room)"),
            KeyBinding([.char("+")], wrap(.showAll), "Show every column again"),
        ]
    }

    /// Applies `action` to a list of `columns`; returns what the flash line says of it.
    public mutating func apply(_ action: Action, _ columns: [Column]) -> String {
        let visible = columns.indices.filter { !hidden.contains($0) }
        let shown = Array(visible.prefix(fitting ?? visible.count))
        switch action {
        case .next, .previous:
            guard !shown.isEmpty else { return "no column to sort by" }
            let at = sortColumn.flatMap { shown.firstIndex(of: $0) }
            let i = at.map { ($0 + (action == .next ? 1 : shown.count - 1)) % shown.count } ?? (action == .next ? 0 : shown.count - 1)
            sortColumn = shown[i]
            descending = false
        case .reverse:
            guard sortColumn != nil else { return "not sorted: > or < sorts by a column first" }
            descending.toggle()
        case .hide:
            guard let c = sortColumn else { return "> or < marks the column to hide first" }
            guard shown.count > 1 else { return "the last column stays" }
            hidden.insert(c)
            sortColumn = nil
            return "Hid \(columns[c].title); + shows every column"
        case .showAll:
            hidden = []
            return "Every column shown"
        }
        guard let c = sortColumn else { return "" }
        return "Sorted by \(columns[c].title) \(descending ? "▼ descending" : "▲ ascending")"
    }

    /// `items` in the order chosen: by the sorted column's text (numbers as numbers), ties and an
    /// unsorted list in their own order.
    public func sorted<T>(_ items: [T], _ cells: (T) -> [TableCell]) -> [T] {
        guard let c = sortColumn else { return items }
        let keys = items.map { item -> String in
            let row = cells(item)
            return c < row.count ? row[c].text : ""
        }
        let order = items.indices.sorted { a, b in
            switch keys[a].compare(keys[b], options: [.numeric, .caseInsensitive]) {
            case .orderedSame: return a < b
            case .orderedAscending: return !descending
            case .orderedDescending: return descending
            }
        }
        return order.map { items[$0] }
    }

    /// The columns shown, the sorted one marked in its title.
    public func visible(_ columns: [Column]) -> [Column] {
        columns.indices.filter { !hidden.contains($0) }.map { i in
            var column = columns[i]
            if i == sortColumn { column.title += descending ? " ▼" : " ▲" }
            return column
        }
    }

    /// A row's cells for the columns shown.
    public func project(_ row: [TableCell]) -> [TableCell] {
        hidden.isEmpty ? row : row.indices.filter { !hidden.contains($0) }.map { row[$0] }
    }

    /// Draws `items` as `Table.draw` does, in this arrangement (sort `items` with `sorted` first).
    public mutating func draw<T>(
        _ columns: [Column],
        _ items: [T],
        cells: (T) -> [TableCell],
        state: inout ListState,
        in area: Rect,
        grid: inout CellGrid,
        empty: String
    ) {
        let shown = visible(columns)
        fitting = Table.layout(shown, width: area.width).count
        Table.draw(shown, rows: items.map { project(cells($0)) }, state: &state, in: area, grid: &grid, empty: empty)
    }
}
