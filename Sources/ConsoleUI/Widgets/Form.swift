/// A form of labelled text fields with one error per field, validated as the user types.
public struct Form: Sendable {
    public struct Field: Sendable {
        public var key: String
        public var label: String
        public var input: TextField
        public var help: String
        public var error: String?
        public var editable: Bool
        /// The only values the field takes (token format, claim type, yes/no): space or → picks the
        /// next, ← the previous, and nothing can be typed.
        public var choices: [String]

        public init(
            _ key: String,
            _ label: String,
            _ value: String = "",
            help: String = "",
            editable: Bool = true,
            secure: Bool = false,
            choices: [String] = []
        ) {
            self.key = key
            self.label = label
            self.input = TextField(value, secure: secure)
            self.help = help
            self.editable = editable
            self.choices = choices
        }

        /// Moves a choice field's value `by` choices around; false for a free-text field.
        mutating func cycle(by step: Int) -> Bool {
            guard !choices.isEmpty else { return false }
            let i = choices.firstIndex(of: input.text) ?? (step > 0 ? -1 : 0)
            input.set(choices[((i + step) % choices.count + choices.count) % choices.count])
            return true
        }
    }

    public var title: String
    public var fields: [Field]
    public private(set) var focus = 0
    /// An error no field owns.
    public var formError: String?

    public init(title: String, fields: [Field]) {
        self.title = title
        self.fields = fields
        focus = fields.firstIndex(where: \.editable) ?? 0
    }

    public func value(_ key: String) -> String { fields.first { $0.key == key }?.input.text ?? "" }

    /// Marks the field named by an engine error (`AdminError.field`), or the form when none matches.
    public mutating func setError(field: String?, _ message: String?, aliases: [String: String] = [:]) {
        for i in fields.indices { fields[i].error = nil }
        formError = nil
        guard let message else { return }
        let key = field.map { aliases[$0] ?? $0 }
        if let i = fields.firstIndex(where: { $0.key == key }) { fields[i].error = message } else { formError = message }
    }

    /// The keys every form answers, for `?` help while a form is open.
    public static let helpEntries = [
        HelpEntry(keys: "Tab ↓ / S-Tab ↑", text: "Next / previous field"),
        HelpEntry(keys: "space → / ←", text: "Next / previous value of a field with fixed choices (‹ jwt ›)"),
        HelpEntry(keys: "Enter", text: "Save (when valid)"), HelpEntry(keys: "Esc", text: "Cancel, nothing saved"),
    ]

    public var isValid: Bool { formError == nil && fields.allSatisfy { $0.error == nil } }

    public enum Outcome { case edited, moved, submit, cancel, ignored }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .escape: return .cancel
        case .enter: return .submit
        case .tab, .down:
            moveFocus(1)
            return .moved
        case .backTab, .up:
            moveFocus(-1)
            return .moved
        default:
            guard fields[focus].editable else { return .ignored }
            if !fields[focus].choices.isEmpty {
                switch key {
                case .char(" "), .right: return fields[focus].cycle(by: 1) ? .edited : .ignored
                case .left: return fields[focus].cycle(by: -1) ? .edited : .ignored
                default: return .ignored
                }
            }
            guard fields[focus].input.handle(key) else { return .ignored }
            return .edited
        }
    }

    private mutating func moveFocus(_ d: Int) {
        var i = focus
        for _ in fields.indices {
            i = (i + d + fields.count) % fields.count
            if fields[i].editable {
                focus = i
                return
            }
        }
    }

    public func draw(in area: Rect, grid: inout CellGrid) {
        grid.put(title, x: area.x, y: area.y, role: .title, limit: area.width)
        let labelWidth = min(20, (fields.map { DisplayWidth.of($0.label) }.max() ?? 0) + 1)
        let inputWidth = max(10, area.width - labelWidth - 3)
        var y = area.y + 2
        for (i, f) in fields.enumerated() where y < area.maxY - 1 {
            grid.put(f.label.padded(to: labelWidth), x: area.x, y: y, role: i == focus ? .accent : .muted)
            if f.editable, !f.choices.isEmpty {
                let x = grid.put("‹ \(f.input.text) ›", x: area.x + labelWidth + 1, y: y, role: i == focus ? .selection : .input)
                if i == focus {
                    grid.put("  space: " + f.choices.joined(separator: " | "), x: x, y: y, role: .muted, limit: max(0, area.maxX - x))
                }
            } else if f.editable {
                f.input.draw(x: area.x + labelWidth + 1, y: y, width: inputWidth, grid: &grid, role: .input, showCursor: i == focus)
            } else {
                grid.put(f.input.text + "  (fixed)", x: area.x + labelWidth + 1, y: y, role: .muted, limit: inputWidth)
            }
            y += 1
            // An error lists what is allowed at its end: it wraps under the field, whole.
            let room = max(1, area.maxY - 1 - y)
            if let e = f.error {
                y += grid.putWrapped("✕ " + e, x: area.x + labelWidth + 1, y: y, width: inputWidth, role: .flashError, maxRows: room)
            } else if i == focus, !f.help.isEmpty {
                y += grid.putWrapped(f.help, x: area.x + labelWidth + 1, y: y, width: inputWidth, role: .muted, maxRows: room)
            }
        }
        if let e = formError, y < area.maxY {
            y += grid.putWrapped("✕ " + e, x: area.x, y: y, width: area.width, role: .flashError, maxRows: max(1, area.maxY - 1 - y))
        }
        if y < area.maxY {
            grid.put(
                isValid ? "✓ valid · Enter saves · Tab next field · Esc cancels" : "Fix the marked field · Tab next field · Esc cancels",
                x: area.x,
                y: min(area.maxY - 1, y + 1),
                role: isValid ? .statusActive : .muted,
                limit: area.width
            )
        }
    }
}
