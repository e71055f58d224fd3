/// A one-line text input with a cursor; used by the palette, filters and forms.
public struct TextField: Sendable, Hashable {
    public private(set) var text: String
    /// Cursor position in characters.
    public private(set) var cursor: Int
    /// Masks the content (passwords).
    public var secure: Bool

    public init(_ text: String = "", secure: Bool = false) {
        self.text = text
        self.cursor = text.count
        self.secure = secure
    }

    public mutating func set(_ text: String) {
        self.text = text
        cursor = text.count
    }

    /// Applies an editing key; false if the key is not an editing key.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c):
            text.insert(c, at: text.index(text.startIndex, offsetBy: cursor))
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor - 1))
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = text.count
        case .ctrl("u"), .ctrl("w"):
            text = ""
            cursor = 0
        default: return false
        }
        return true
    }

    /// Draws the field; the cursor cell is shown in the selection role. Returns the cursor column.
    @discardableResult
    public func draw(x: Int, y: Int, width: Int, grid: inout CellGrid, role: Role = .input, showCursor: Bool = true) -> Int {
        let shown = secure ? String(repeating: "•", count: text.count) : text
        // Scroll so the cursor stays visible.
        let chars = Array(shown)
        var start = 0
        while DisplayWidth.of(String(chars[start..<cursor])) >= width && start < cursor { start += 1 }
        grid.fill(Rect(x: x, y: y, width: width, height: 1), role: role)
        let visible = String(chars[start...])
        grid.put(visible, x: x, y: y, role: role, limit: width)
        let cursorX = x + DisplayWidth.of(String(chars[start..<cursor]))
        if showCursor && cursorX < x + width {
            let under = cursor < chars.count ? chars[cursor] : " "
            grid.put(String(under), x: cursorX, y: y, role: .selection, limit: 2)
        }
        return cursorX
    }
}
