/// The screens of the console, in tab order.
public enum ScreenKind: String, Sendable, Hashable, CaseIterable {
    case tenants, clients, users, tokens, audit, keys, designer

    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

/// A screen: a synchronous state machine. Keys and job results change its state; `draw` renders it.
/// Screens never block: engine work goes through `ConsoleContext.run`.
public protocol Screen: AnyObject {
    var kind: ScreenKind { get }
    /// Breadcrumb after the screen name ("client billing-service").
    var crumb: String? { get }
    /// Help and hint entries, from the screen's key map (the one that dispatches).
    var helpEntries: [HelpEntry] { get }
    var hintEntries: [HelpEntry] { get }
    /// The current `/` filter, and how to spell one.
    var filter: String { get }
    var filterHint: String { get }
    /// The keys the `/` filter takes, for help, the hint and completion.
    var filterLanguage: FilterLanguage { get }

    /// Called when the screen is shown, and again after a tenant switch: load what it shows.
    func activate(_ ctx: ConsoleContext)
    /// Handles a key; false if the screen has no use for it (the shell then tries its own keys;
    /// Esc not handled here means "back").
    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool
    /// What `key` would change in the store in the screen's current state ("Revoke this token"),
    /// from the key map that dispatches it; nil when it only looks. Read-only mode refuses it.
    func write(for key: Key) -> String?
    func setFilter(_ text: String, _ ctx: ConsoleContext)
    /// Time passes (live screens poll here).
    func tick(_ ctx: ConsoleContext)
    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext)
}

extension Screen {
    public var crumb: String? { nil }
    public var filterLanguage: FilterLanguage { .text(filterHint) }
    public func tick(_ ctx: ConsoleContext) {}
}
