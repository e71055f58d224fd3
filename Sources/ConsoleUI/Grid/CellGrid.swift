/// A rectangle of the grid, in cells.
public struct Rect: Sendable, Hashable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }
    public var maxY: Int { y + height }
    public var maxX: Int { x + width }
}

/// One terminal cell: a character (with its combining marks) drawn in a semantic role. The second
/// column of a wide character is a `continuation` cell the terminal never draws.
public struct Cell: Sendable, Hashable {
    public var character: Character
    public var role: Role
    public var continuation: Bool

    public init(_ character: Character = " ", role: Role = .text, continuation: Bool = false) {
        self.character = character
        self.role = role
        self.continuation = continuation
    }

    public static let blank = Cell()
}

/// What widgets draw into: the whole screen as cells. The terminal backend flushes it; tests read it
/// as text.
public struct CellGrid: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]
    /// With `.ascii`, `put` draws the console's glyphs as ASCII stand-ins (a locale that is not UTF-8).
    public var glyphs = GlyphSet.unicode

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    public mutating func clear() {
        for i in cells.indices { cells[i] = .blank }
    }

    /// Fills a rectangle with blanks of `role`.
    public mutating func fill(_ rect: Rect, role: Role) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(" ", role: role) }
        }
    }

    /// Writes `text` from (x, y), at most `limit` columns (to the right edge by default), wide
    /// characters taking two cells; a wide character that does not fit whole is replaced by a space.
    /// Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, role: Role = .text, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit.map { x + $0 } ?? width)
        var col = x
        for original in text {
            let ch = glyphs.draw(original)
            if ch == "\n" || ch == "\r" || ch == "\t" {
                if col >= end { break }
                if col >= 0 { self[col, y] = Cell(" ", role: role) }
                col += 1
                continue
            }
            let w = DisplayWidth.of(ch)
            if w == 0 {
                // A combining mark that arrived on its own joins the previous cell.
                if col > 0, col - 1 < width, col - 1 >= 0 {
                    var prev = self[col - 1, y]
                    if !prev.continuation {
                        prev.character = Character(String(prev.character) + String(ch))
                        self[col - 1, y] = prev
                    }
                }
                continue
            }
            if col + w > end {
                if w == 2 && col < end && col >= 0 {
                    self[col, y] = Cell(" ", role: role)
                    col += 1
                }
                break
            }
            if col >= 0 {
                clearWideOverlap(x: col, y: y)
                self[col, y] = Cell(ch, role: role)
                if w == 2 { self[col + 1, y] = Cell(" ", role: role, continuation: true) }
            }
            col += w
        }
        return col
    }

    /// Writing over half of a wide character blanks its other half, so the terminal never shows a torn glyph.
    private mutating func clearWideOverlap(x: Int, y: Int) {
        if self[x, y].continuation, x > 0 { self[x - 1, y] = Cell(" ", role: self[x - 1, y].role) }
        if x + 1 < width, self[x + 1, y].continuation { self[x + 1, y] = Cell(" ", role: self[x + 1, y].role) }
    }

    /// A row as text, trailing spaces removed.
    public func row(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].continuation { s.append(self[x, y].character) }
        while s.last == " " { s.removeLast() }
        return s
    }

    /// The whole grid as text, one line per row.
    public var text: String { (0..<height).map(row).joined(separator: "\n") }

    /// The role of the cell that shows `needle` first, for tests that check styling.
    public func role(of needle: String) -> Role? {
        for y in 0..<height {
            let line = row(y)
            guard let r = line.range(of: needle) else { continue }
            // Display columns are grid columns.
            return self[DisplayWidth.of(line[line.startIndex..<r.lowerBound]), y].role
        }
        return nil
    }
}
