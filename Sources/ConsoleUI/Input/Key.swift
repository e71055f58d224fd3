/// A key press, as the terminal backend decodes it and screens dispatch on it.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// Ctrl plus a letter, lower case ("c" for Ctrl-C).
    case ctrl(Character)
    case resize
    case function(Int)

    /// How help and hint lines name the key.
    public var description: String {
        switch self {
        case .char(" "): return "space"
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "BS"
        case .delete: return "Del"
        case .ctrl(let c): return "^" + String(c).uppercased()
        case .resize: return "resize"
        case .function(let n): return "F\(n)"
        }
    }

    /// A movement key never triggers a destructive action (checked by `KeyMap`).
    public var isMovement: Bool {
        switch self {
        case .up, .down, .left, .right, .pageUp, .pageDown, .home, .end: return true
        case .char(let c): return "jkhlgG".contains(c)
        case .ctrl(let c): return "udfb".contains(c)
        default: return false
        }
    }
}

/// One line of a key map: the keys, what they do, and how `?` help describes it.
public struct KeyBinding<Action: Sendable>: Sendable {
    public var keys: [Key]
    public var action: Action
    public var help: String
    /// Asks for confirmation before it changes anything; never bound to a movement key.
    public var destructive: Bool
    /// The word on the hint line, for the few keys that matter most here.
    public var hint: String?
    /// Changes something in the store (every destructive action does, and so do register, edit and
    /// create): refused in read-only mode.
    public var writes: Bool

    public init(_ keys: [Key], _ action: Action, _ help: String, destructive: Bool = false, writes: Bool = false, hint: String? = nil) {
        precondition(!destructive || !keys.contains(where: \.isMovement), "destructive action '\(help)' bound to a movement key")
        self.keys = keys
        self.action = action
        self.help = help
        self.destructive = destructive
        self.writes = writes || destructive
        self.hint = hint
    }
}

/// The one table per screen from which both key dispatch and the `?` help are generated.
public struct KeyMap<Action: Sendable>: Sendable {
    public var title: String
    public var bindings: [KeyBinding<Action>]

    public init(_ title: String, _ bindings: [KeyBinding<Action>]) {
        self.title = title
        self.bindings = bindings
    }

    public func action(for key: Key) -> Action? {
        binding(for: key)?.action
    }

    public func binding(for key: Key) -> KeyBinding<Action>? {
        bindings.first { $0.keys.contains(key) }
    }

    /// What the key does, when it changes the store ("Revoke this token"); nil for a key that only
    /// looks or moves. Read-only mode refuses the first kind, naming it.
    public func write(for key: Key) -> String? {
        binding(for: key).flatMap { $0.writes ? $0.help : nil }
    }

    /// Help lines: keys, then what they do.
    public var helpEntries: [HelpEntry] {
        bindings.map {
            HelpEntry(
                keys: $0.keys.map(\.description).joined(separator: " "),
                text: $0.help + ($0.destructive ? " (asks first)" : ""),
                writes: $0.writes
            )
        }
    }

    public var hintEntries: [HelpEntry] {
        bindings.compactMap { b in b.hint.map { HelpEntry(keys: b.keys.first.map(\.description) ?? "", text: $0, writes: b.writes) } }
    }
}

/// One help line, independent of the screen's action type.
public struct HelpEntry: Sendable, Hashable {
    public var keys: String
    public var text: String
    /// The key changes the store: read-only mode says it is refused (help) or leaves it out (hints).
    public var writes: Bool
    public init(keys: String, text: String, writes: Bool = false) {
        self.keys = keys
        self.text = text
        self.writes = writes
    }
}

/// The movement every list shares, so every screen's key map spells it the same way.
public enum ListMove: Sendable, Hashable {
    case up, down, pageUp, pageDown, top, bottom

    public static func bindings<A: Sendable>(_ wrap: (ListMove) -> A) -> [KeyBinding<A>] {
        [
            KeyBinding([.up, .char("k")], wrap(.up), "Move up"),
            KeyBinding([.down, .char("j")], wrap(.down), "Move down"),
            KeyBinding([.pageUp, .ctrl("b")], wrap(.pageUp), "Page up"),
            KeyBinding([.pageDown, .ctrl("f")], wrap(.pageDown), "Page down"),
            KeyBinding([.home, .char("g")], wrap(.top), "First row"),
            KeyBinding([.end, .char("G")], wrap(.bottom), "Last row"),
        ]
    }
}
