/// The characters the console draws its own furniture with. In a locale that is not UTF-8, ncurses
/// cannot show box drawing, status glyphs, block elements or arrows, so the grid draws each as a
/// one-column ASCII stand-in: the same width, so no layout moves, and status keeps its word beside
/// the glyph. Characters without a stand-in (data values: a user's name) are kept as they are.
public enum GlyphSet: Sendable, Hashable {
    case unicode
    case ascii

    /// Every non-ASCII character the console's own text uses, and its stand-in.
    static let asciiStandIns: [Character: Character] = [
        // Frames and separators
        "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
        "─": "-", "│": "|", "·": ".", "–": "-", "—": "-", "…": "~", "•": "*",
        // Status and levels (always followed by a word)
        "●": "*", "○": "o", "◌": ".", "⊘": "/", "✓": "+", "✕": "x", "⚠": "!", "ℹ": "i", "⏸": "=",
        // Arrows and markers
        "↑": "^", "↓": "v", "←": "<", "→": ">", "‹": "<", "›": ">", "▸": ">", "▲": "^", "▼": "v", "✚": "+", "↺": "@", "×": "x",
        // Sparkline blocks, lowest to highest
        "▁": "_", "▂": ".", "▃": "-", "▄": ":", "▅": "=", "▆": "+", "▇": "*", "█": "#",
    ]

    /// The character to draw for `c`.
    @inline(__always)
    func draw(_ c: Character) -> Character {
        guard self == .ascii, !c.isASCII else { return c }
        return Self.asciiStandIns[c] ?? c
    }
}
