/// Word wrapping by display columns, for panes, dialogs and detail values.
enum TextWrap {
    /// Wraps `text` to `width` display columns at spaces; a word longer than a whole line is broken
    /// where the line ends, so nothing is cut. Continuation lines start with `indent`. A width too
    /// narrow to wrap in returns the text as it is (the drawing cuts it).
    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        let indentWidth = DisplayWidth.of(indent)
        guard width > indentWidth + 4, DisplayWidth.of(text) > width else { return [text] }
        var lines: [String] = []
        var line = ""
        var used = 0
        var fresh = true  // nothing but the indent on the line yet
        func breakLine() {
            lines.append(line)
            line = indent
            used = indentWidth
            fresh = true
        }
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let w = DisplayWidth.of(word)
            if !fresh {
                if used + 1 + w <= width {
                    line += " " + word
                    used += 1 + w
                    continue
                }
                if w <= width - indentWidth {
                    breakLine()  // the word fits on a line of its own
                } else {
                    line += " "  // too long for any line: it starts here and is broken
                    used += 1
                }
            }
            for c in word {
                let cw = DisplayWidth.of(c)
                if used + cw > width { breakLine() }
                line.append(c)
                used += cw
            }
            fresh = false
        }
        if used > indentWidth || lines.isEmpty { lines.append(line) }
        return lines
    }
}
