/// A modal dialog: a title, lines, and buttons; the first button is Cancel and has the focus, so
/// Enter right away never destroys anything.
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

    /// A question whose answer changes something: [Cancel] [confirm].
    public init(confirm title: String, lines: [Line], action: String, onConfirm: @escaping () -> Void) {
        self.title = title
        self.lines = lines
        self.buttons = ["Cancel", action]
        self.onConfirm = onConfirm
        self.onAction = nil
        self.actionKey = nil
        self.actionLabel = nil
    }

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
    }

    public enum Outcome { case stay, close, confirm, action }

    public mutating func handle(_ key: Key) -> Outcome {
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

    public func draw(in screen: Rect, grid: inout CellGrid) {
        let contentWidth = max(
            DisplayWidth.of(title) + 4,
            lines.map { DisplayWidth.of($0.text) }.max() ?? 0,
            buttons.map { DisplayWidth.of($0) + 5 }.reduce(0, +)
        )
        let width = min(screen.width - 2, contentWidth + 4)
        // A line wider than the screen wraps inside the box: a dry run's last words are what it changes.
        let wrapped = lines.flatMap { line in TextWrap.wrap(line.text, width: width - 4, indent: "  ").map { Line($0, role: line.role) } }
        let height = min(screen.height - 2, wrapped.count + 4)
        let box = Rect(x: screen.x + (screen.width - width) / 2, y: screen.y + (screen.height - height) / 2, width: width, height: height)
        grid.fill(box, role: .dialog)
        Frame.draw(box, title: title, grid: &grid, role: .dialog)
        for (i, line) in wrapped.prefix(height - 4).enumerated() {
            grid.put(line.text.fitted(to: width - 4), x: box.x + 2, y: box.y + 1 + i, role: line.role)
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
