@preconcurrency import CNcursesw
import ConsoleUI

/// Flushes a cell grid to the terminal, writing only the cells that changed since the last frame.
/// UI thread only.
final class Painter {
    private(set) var themeGeneration = -1
    private let depth: ColorDepth
    private var previous: CellGrid?
    private var attributes: [Role: (attrs: attr_t, pair: Int16)] = [:]
    /// Cells written by the last flush (for the benchmark and tests of the diff).
    private(set) var lastWritten = 0

    init(depth: ColorDepth) {
        self.depth = depth
    }

    /// Colour pairs and attributes for each role, downgraded to the terminal's depth.
    func apply(_ theme: Theme, generation: Int) {
        themeGeneration = generation
        for (i, role) in Role.allCases.enumerated() {
            let style = theme.style(role)
            var attrs = cn_a_normal()
            if style.bold { attrs |= cn_a_bold() }
            if style.reverse { attrs |= cn_a_reverse() }
            if style.underline { attrs |= cn_a_underline() }
            var pair: Int16 = 0
            if depth != .none, i + 1 < Int(COLOR_PAIRS) {
                pair = Int16(i + 1)
                init_pair(pair, Int16(style.foreground.index(for: depth)), Int16(style.background.index(for: depth)))
            }
            attributes[role] = (attrs, pair)
        }
        if let bg = attributes[.text] { wbkgdset(stdscr, chtype(bg.attrs) | chtype(COLOR_PAIR(Int32(bg.pair)))) }
        invalidate()
    }

    /// The next flush redraws everything (after a resize or a theme change).
    func invalidate() {
        previous = nil
        clearok(stdscr, true)
    }

    func flush(_ grid: CellGrid) {
        let old = previous.flatMap { $0.width == grid.width && $0.height == grid.height ? $0 : nil }
        if old == nil { werase(stdscr) }
        var written = 0
        var buffer = [wchar_t](repeating: 0, count: 6)
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if cell.continuation { continue }
                if let old, old[x, y] == cell, !(x + 1 < grid.width && old[x + 1, y] != grid[x + 1, y] && grid[x + 1, y].continuation) { continue }
                var n = 0
                for s in cell.character.unicodeScalars where n < 5 {
                    buffer[n] = wchar_t(bitPattern: s.value)
                    n += 1
                }
                buffer[n] = 0
                let style = attributes[cell.role] ?? (cn_a_normal(), 0)
                _ = buffer.withUnsafeBufferPointer { cn_put_cell(stdscr, Int32(y), Int32(x), $0.baseAddress, style.attrs, style.pair) }
                written += 1
            }
        }
        lastWritten = written
        previous = grid
        wnoutrefresh(stdscr)
        doupdate()
    }
}
