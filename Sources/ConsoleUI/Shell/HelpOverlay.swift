/// The `?` overlay laid out for the box it is drawn in: section titles, then each key with what it
/// does, a description too long for the box wrapped under itself (nothing is cut). The same layout
/// draws the box and bounds its scrolling, so the last line stops at the bottom of the box.
struct HelpOverlay {
    enum Row: Equatable {
        case title(String)
        case entry(keys: String, text: String)
        case blank
    }

    let box: Rect
    let rows: [Row]
    let keyWidth: Int

    /// - Parameter sections: a title and its entries, in the order shown.
    init(sections: [(title: String, entries: [HelpEntry])], box: Rect) {
        self.box = box
        let widest = sections.flatMap(\.entries).map { DisplayWidth.of($0.keys) }.max() ?? 0
        keyWidth = min(18, widest + 1)
        let textWidth = max(1, box.width - keyWidth - 5)
        var rows: [Row] = []
        for (i, section) in sections.enumerated() {
            if i > 0 { rows.append(.blank) }
            rows.append(.title(section.title))
            for e in section.entries {
                // Keys wider than their column (a filter key's values) take a row of their own.
                let ownRow = DisplayWidth.of(e.keys) >= keyWidth
                if ownRow { rows.append(.entry(keys: e.keys, text: "")) }
                for (n, line) in TextWrap.wrap(e.text, width: textWidth).enumerated() {
                    rows.append(.entry(keys: n == 0 && !ownRow ? e.keys : "", text: line))
                }
            }
        }
        self.rows = rows
    }

    /// Rows inside the frame.
    var visibleRows: Int { max(0, box.height - 2) }
    /// The furthest scroll that still fills the box.
    var maxScroll: Int { max(0, rows.count - visibleRows) }

    /// `scroll` moved by `delta` and kept within the rows.
    func scrolled(_ scroll: Int, by delta: Int) -> Int { max(0, min(maxScroll, min(scroll, maxScroll) + delta)) }

    func draw(title: String, scroll: Int, grid: inout CellGrid) {
        grid.fill(box, role: .dialog)
        Frame.draw(box, title: title, grid: &grid, role: .dialog)
        let start = min(max(0, scroll), maxScroll)
        for (i, row) in rows.dropFirst(start).prefix(visibleRows).enumerated() {
            let y = box.y + 1 + i
            switch row {
            case .title(let t): grid.put(t, x: box.x + 2, y: y, role: .title, limit: box.width - 3)
            case .entry(let keys, let text) where text.isEmpty:
                grid.put(keys, x: box.x + 2, y: y, role: .key, limit: box.width - 3)
            case .entry(let keys, let text):
                grid.put(keys.padded(to: keyWidth), x: box.x + 2, y: y, role: .key)
                grid.put(text, x: box.x + 3 + keyWidth, y: y, role: .dialog, limit: box.width - keyWidth - 4)
            case .blank: break
            }
        }
        guard rows.count > visibleRows else { return }
        // Arrows only where there is more to see in that direction.
        let arrows = (start > 0 ? "↑" : "") + (start < maxScroll ? "↓" : "")
        let marker = " \(start + 1)-\(min(rows.count, start + visibleRows))/\(rows.count) \(arrows) "
        grid.put(marker, x: box.maxX - 2 - DisplayWidth.of(marker), y: box.maxY - 1, role: .muted)
    }
}
