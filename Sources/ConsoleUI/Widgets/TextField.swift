/// A one-line text input with a cursor; used by the palette, filters and forms.
public struct TextField: Sendable, Hashable {
    public private(set) var text: String
    /// Cursor position in characters.
    public private(set) var cursor: Int
    /// Masks the content (passwords).
    public var secure: Bool
    /// `text.count`, kept so typing at the end (and a pasted token, one key per character) appends
    /// instead of walking the string.
    public private(set) var length: Int

    public init(_ text: String = "", secure: Bool = false) {
        self.text = text
        self.cursor = text.count
        self.length = cursor
        self.secure = secure
    }

    public mutating func set(_ text: String) {
        self.text = text
        cursor = text.count
        length = cursor
    }

    /// Applies an editing key; false if the key is not an editing key.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let c):
            if cursor == length && DisplayWidth.of(c) > 0 {
                // The common case, a character typed (or pasted) at the end: no walk over the string.
                text.append(c)
                cursor += 1
                length += 1
                return true
            }
            text.insert(c, at: text.index(text.startIndex, offsetBy: cursor))
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor - 1))
            cursor -= 1
        case .delete:
            guard cursor < length else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(length, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = length
        case .ctrl("u"), .ctrl("w"):
            text = ""
            cursor = 0
        default: return false
        }
        // Edits in the middle, and combining marks that merge with their neighbour: count again.
        length = text.count
        cursor = min(cursor, length)
        return true
    }

    /// Draws the field; the cursor cell is shown in the selection role. Returns the cursor column.
    @discardableResult
    public func draw(x: Int, y: Int, width: Int, grid: inout CellGrid, role: Role = .input, showCursor: Bool = true) -> Int {
        let shown = secure ? String(repeating: "•", count: text.count) : text
        let chars = Array(shown)
        // Scroll so the cursor stays visible: walk back from it until the field is full.
        var start = cursor
        var used = 0
        while start > 0, used + DisplayWidth.of(chars[start - 1]) < width {
            start -= 1
            used += DisplayWidth.of(chars[start])
        }
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
