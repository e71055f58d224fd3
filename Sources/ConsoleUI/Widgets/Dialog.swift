/// A modal dialog: a title, lines, and buttons; the first button is Cancel and has the focus, so
/// Enter right away never destroys anything. A mass action also asks for a typed phrase (the
/// tenant's or client's name, as GitHub and k9s do): its button takes the focus only once the
/// phrase is typed exactly.
public struct Dialog {
    public struct Line: Sendable, Hashable {
        public var text: String
        public var role: Role
        public init(_ text: String, role: Role = .dialog) {
            self.text = text
            self.role = role
        }
    }

    public var title: String
    public var lines: [Line]
    public var buttons: [String]
    public private(set) var focus: Int = 0
    /// Runs on the UI thread when the last button is chosen.
    let onConfirm: (() -> Void)?
    /// A second button of an information dialog that acts without closing it (copy the secret), and
    /// the key that presses it.
    let onAction: (() -> Void)?
    public let actionKey: Character?
    /// What the action does, for the hint line ("Copy secret").
    public let actionLabel: String?
    /// What must be typed before the confirm button can be chosen; nil when none is asked for.
    public let phrase: String?
    public private(set) var typed = TextField()
    /// The confirm button was asked for before the phrase was typed.
    public private(set) var refused = false

    /// A question whose answer changes something: [Cancel] [confirm]; with a `phrase`, the confirm
    /// button waits until it is typed.
    public init(confirm title: String, lines: [Line], action: String, phrase: String? = nil, onConfirm: @escaping () -> Void) {
        self.title = title
        self.lines = lines
        self.buttons = ["Cancel", action]
        self.onConfirm = onConfirm
        self.onAction = nil
        self.actionKey = nil
        self.actionLabel = nil
        self.phrase = phrase
    }

    /// Whether the phrase asked for (if any) is typed.
    public var phraseTyped: Bool { phrase == nil || typed.text == phrase }

    /// Information the user must acknowledge (a secret shown once), optionally with an `action`
    /// button (also on `key`) that runs without closing the dialog.
    public init(info title: String, lines: [Line], action: (label: String, key: Character, run: () -> Void)? = nil) {
        self.title = title
        self.lines = lines
        self.buttons = ["Close"] + (action.map { ["\($0.label) (\($0.key))"] } ?? [])
        self.onConfirm = nil
        self.onAction = action?.run
        self.actionKey = action?.key
        self.actionLabel = action?.label
        self.phrase = nil
    }

    public enum Outcome { case stay, close, confirm, action }

    public mutating func handle(_ key: Key) -> Outcome {
        if phrase != nil { return handleTyped(key) }
        switch key {
        case .escape, .ctrl("c"): return .close
        case .tab, .right, .char("l"): focus = (focus + 1) % buttons.count
        case .backTab, .left, .char("h"): focus = (focus + buttons.count - 1) % buttons.count
        case .enter:
            if focus == 0 { return .close }
            return onAction == nil ? .confirm : .action
        case .char(let c) where c == actionKey: return .action
        default: break
        }
        return .stay
    }

    /// Keys while a phrase is asked for: every character goes to the field (h and l too), Enter
    /// presses the focused button, and the confirm button is focused only while the phrase matches.
    private mutating func handleTyped(_ key: Key) -> Outcome {
        switch key {
        case .escape, .ctrl("c"): return .close
        case .tab, .backTab:
            if focus == 0, !phraseTyped {
                refused = true
            } else {
                focus = 1 - focus
            }
        case .enter:
            if focus == 0 { return .close }
            if phraseTyped { return .confirm }
            refused = true
        default:
            guard typed.handle(key) else { return .stay }
            refused = false
            focus = phraseTyped ? 1 : 0
        }
        return .stay
    }

    /// The lines under the dry run that ask for the phrase.
    private var phraseLines: [Line] {
        guard let phrase else { return [] }
        var out = [Line(""), Line("Type \(phrase) to confirm:", role: .flashWarn)]
        if refused { out.append(Line("✕ type \(phrase) exactly first; Esc cancels", role: .flashError)) }
        return out
    }

    public func draw(in screen: Rect, grid: inout CellGrid) {
        let lines = self.lines + phraseLines
        let fieldRows = phrase == nil ? 0 : 1
        let contentWidth = max(
            DisplayWidth.of(title) + 4,
            lines.map { DisplayWidth.of($0.text) }.max() ?? 0,
            buttons.map { DisplayWidth.of($0) + 5 }.reduce(0, +)
        )
        let width = min(screen.width - 2, contentWidth + 4)
        // A line wider than the screen wraps inside the box: a dry run's last words are what it changes.
        let wrapped = lines.flatMap { line in TextWrap.wrap(line.text, width: width - 4, indent: "  ").map { Line($0, role: line.role) } }
        let height = min(screen.height - 2, wrapped.count + fieldRows + 4)
        let box = Rect(x: screen.x + (screen.width - width) / 2, y: screen.y + (screen.height - height) / 2, width: width, height: height)
        grid.fill(box, role: .dialog)
        Frame.draw(box, title: title, grid: &grid, role: .dialog)
        // On a short screen the dry run's later lines give way: the phrase and its field stay.
        let room = max(0, height - 4 - fieldRows)
        let shown =
            wrapped.count > room ? Array(wrapped.prefix(max(0, room - phraseLines.count)) + wrapped.suffix(min(room, phraseLines.count))) : wrapped
        for (i, line) in shown.prefix(room).enumerated() {
            grid.put(line.text.fitted(to: width - 4), x: box.x + 2, y: box.y + 1 + i, role: line.role)
        }
        if phrase != nil {
            typed.draw(x: box.x + 2, y: box.y + 1 + min(room, shown.count), width: width - 4, grid: &grid, role: .input)
        }
        var x = box.maxX - 2 - buttons.map { DisplayWidth.of($0) + 5 }.reduce(0, +)
        for (i, b) in buttons.enumerated() {
            let label = i == focus ? "[ \(b) ]" : "  \(b)  "
            grid.put(label, x: max(box.x + 1, x), y: box.maxY - 2, role: i == focus ? .buttonFocus : .button)
            x += DisplayWidth.of(label) + 1
        }
    }
}

/// Box-drawing frames.
public enum Frame {
    public static func draw(_ r: Rect, title: String? = nil, grid: inout CellGrid, role: Role = .border) {
        guard r.width >= 2, r.height >= 2 else { return }
        grid.put("┌" + String(repeating: "─", count: r.width - 2) + "┐", x: r.x, y: r.y, role: role)
        for y in (r.y + 1)..<(r.maxY - 1) {
            grid.put("│", x: r.x, y: y, role: role)
            grid.put("│", x: r.maxX - 1, y: y, role: role)
        }
        grid.put("└" + String(repeating: "─", count: r.width - 2) + "┘", x: r.x, y: r.maxY - 1, role: role)
        if let title { grid.put(" \(title) ", x: r.x + 2, y: r.y, role: .title, limit: r.width - 4) }
    }
}
