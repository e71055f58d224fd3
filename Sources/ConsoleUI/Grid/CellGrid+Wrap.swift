extension CellGrid {
    /// Writes `text` wrapped to `width` columns on rows from `y` down, at most `maxRows` of them
    /// (the last one ends in "…" only when even those cannot hold it). Returns the rows used. Messages
    /// go through here so that a long one is read whole instead of being cut at the screen's edge.
    @discardableResult
    public mutating func putWrapped(_ text: String, x: Int, y: Int, width: Int, role: Role, maxRows: Int = .max) -> Int {
        let lines = TextWrap.wrap(text, width: width, indent: "")
        let shown = Array(lines.prefix(max(1, maxRows)))
        for (i, line) in shown.enumerated() {
            let cut = i == shown.count - 1 && lines.count > shown.count
            put(cut ? (line + " …").fitted(to: width) : line, x: x, y: y + i, role: role, limit: width)
        }
        return shown.count
    }
}
