/// Selection and scrolling of a list of `count` rows shown `visible` at a time.
public struct ListState: Sendable, Hashable {
    public private(set) var selected: Int = 0
    public private(set) var offset: Int = 0
    public private(set) var count: Int = 0
    public var visible: Int = 10

    public init() {}

    public mutating func setCount(_ n: Int) {
        count = max(0, n)
        selected = count == 0 ? 0 : min(selected, count - 1)
        clampOffset()
    }

    public mutating func select(_ index: Int) {
        selected = count == 0 ? 0 : min(max(0, index), count - 1)
        clampOffset()
    }

    /// Selects the row now at `index` (the same item after a refresh moved it), keeping it on the
    /// same screen row: rows arriving above do not scroll the operator's place away.
    public mutating func reselect(_ index: Int) {
        let row = selected - offset
        selected = count == 0 ? 0 : min(max(0, index), count - 1)
        offset = max(0, selected - row)
        clampOffset()
    }

    public mutating func move(_ m: ListMove) {
        let page = max(1, visible - 1)
        switch m {
        case .up: select(selected - 1)
        case .down: select(selected + 1)
        case .pageUp: select(selected - page)
        case .pageDown: select(selected + page)
        case .top: select(0)
        case .bottom: select(count - 1)
        }
    }

    public mutating func setVisible(_ rows: Int) {
        visible = max(1, rows)
        clampOffset()
    }

    /// Keeps the last row in view: a live tail follows new rows while the selection is at the bottom.
    public var isAtBottom: Bool { count == 0 || selected == count - 1 }

    private mutating func clampOffset() {
        if selected < offset { offset = selected }
        if selected >= offset + visible { offset = selected - visible + 1 }
        offset = max(0, min(offset, max(0, count - visible)))
    }
}
