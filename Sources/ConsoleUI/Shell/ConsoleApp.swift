import AuthEngine
import Foundation

/// What the header shows about where the console runs.
public struct ConsoleEnvironment: Sendable {
    public var databasePath: String
    /// The loopback server beside the console, once bound; nil with `--no-serve`.
    public var serverURL: String?
    public var themeDirectory: String?
    public var colorDepth: ColorDepth
    /// `.ascii` when the locale is not UTF-8.
    public var glyphs: GlyphSet

    public init(
        databasePath: String,
        serverURL: String? = nil,
        themeDirectory: String? = nil,
        colorDepth: ColorDepth = .c256,
        glyphs: GlyphSet = .unicode
    ) {
        self.databasePath = databasePath
        self.serverURL = serverURL
        self.themeDirectory = themeDirectory
        self.colorDepth = colorDepth
        self.glyphs = glyphs
    }
}

/// The console shell: header, tab bar, hint and flash lines, the `:` palette, `/` filter, `?` help,
/// dialogs, and the screens. A synchronous state machine driven by keys, ticks and job results; the
/// terminal backend (or a test) runs its jobs and draws its grid.
public final class ConsoleApp {
    enum Mode {
        case normal
        case palette(TextField, choice: Int)
        case filter(TextField, choice: Int)
        case help(scroll: Int)
    }

    enum ShellAction: Sendable {
        case palette, filter, help, back, quit
        case tab(ScreenKind)
    }

    public let context: ConsoleContext
    public private(set) var environment: ConsoleEnvironment
    public private(set) var theme: Theme
    /// Bumped whenever the theme changes, so the terminal re-creates its colour pairs.
    public private(set) var themeGeneration = 0
    public private(set) var current: ScreenKind
    public private(set) var quitRequested = false
    private var screens: [ScreenKind: any Screen] = [:]
    private var history: [ScreenKind] = []
    var mode: Mode = .normal
    /// Where the last frame drew the screens: what the help overlay's scrolling is bounded by.
    var lastBody = Rect(x: 0, y: 2, width: 80, height: 20)

    static let shellKeys = KeyMap<ShellAction>(
        "Everywhere",
        [
            KeyBinding(
                [.char(":")],
                .palette,
                "Command palette (:tokens client:ID, :tenant NAME, :theme, :readonly, :q)",
                hint: "command"
            ),
            KeyBinding([.char("/")], .filter, "Filter this list (the keys it takes are at the end of this help; Tab completes)", hint: "filter"),
            KeyBinding([.char("?")], .help, "Help: every key of this screen", hint: "help"),
            KeyBinding([.escape], .back, "Back", hint: "back"),
            KeyBinding([.char("q"), .ctrl("c")], .quit, "Quit"),
        ]
            + ScreenKind.allCases.enumerated().map { i, kind in
                KeyBinding([.char(Character("\(i + 1)"))], .tab(kind), "Go to \(kind.title)")
            }
    )

    public init(
        engine: ClaimdeckEngine,
        clock: any WallClock,
        tenantID: String,
        environment: ConsoleEnvironment,
        theme: Theme = .builtIn,
        start: ScreenKind = .audit,
        readOnly: Bool = false
    ) {
        context = ConsoleContext(engine: engine, clock: clock, tenantID: tenantID)
        context.readOnly = readOnly
        self.environment = environment
        self.theme = environment.colorDepth == .none ? theme.withoutColor() : theme
        current = start
    }

    /// Shows the first screen and starts loading it.
    public func start() {
        screen(current).activate(context)
    }

    /// The terminal that takes what is not drawn in cells (the clipboard).
    public func attach(terminal: any TerminalControl) {
        context.terminal = terminal
    }

    /// Draws with ASCII stand-ins for box drawing and glyphs (the terminal's locale is not UTF-8).
    public func setGlyphs(_ glyphs: GlyphSet) {
        environment.glyphs = glyphs
    }

    public func setServerURL(_ url: String?) {
        environment.serverURL = url
    }

    // MARK: - Jobs

    /// Engine work screens asked for since the last call; run each and hand its result to `deliver`.
    public func takeJobs() -> [Job] {
        defer { context.outbox.removeAll() }
        return context.outbox
    }

    public func deliver(_ result: JobResult) {
        context.complete(result)
        applyNavigation()
    }

    /// Jobs started and not yet delivered.
    public var pendingJobs: Int { context.pendingJobs }

    /// How far the live audit tail has read: events received and the last sequence number (for the
    /// benchmark and the status of the tail).
    public var auditProgress: (received: Int, lastSequence: Int64?) {
        guard let audit = screens[.audit] as? AuditScreen else { return (0, nil) }
        return (audit.feed.received, audit.lastSequence)
    }

    // MARK: - Input and time

    public func tick() {
        _ = context.flash.expire(at: context.now)
        // The live lists refresh while shown; the audit tail reads on everywhere (its alarm).
        for s in screens.values where s.kind == current || s.kind == .audit { s.tick(context) }
    }

    public func handle(_ key: Key) {
        defer { applyNavigation() }
        if key == .resize { return }
        if context.dialog != nil {
            switch context.dialog!.handle(key) {
            case .stay: break
            case .action: context.dialog?.onAction?()
            case .close: context.dialog = nil
            case .confirm:
                let confirm = context.dialog?.onConfirm
                let title = context.dialog?.title ?? "change"
                context.dialog = nil
                // Every confirmation changes something: a dialog opened before `:readonly` does not.
                if context.readOnly { context.refuseWrite(title) } else { confirm?() }
            }
            return
        }
        switch mode {
        case .palette(var field, let choice): handlePalette(key, &field, choice)
        case .filter(var field, var choice):
            switch key {
            case .enter: mode = .normal
            case .escape:
                mode = .normal
                // Clearing a filter that is already empty would still reset the screen (close a
                // detail or the pasted-token result that `/` was pressed over).
                if !screen(current).filter.isEmpty { screen(current).setFilter("", context) }
            default:
                let before = field.text
                if Self.complete(key, &field, &choice, filterCompletions(field.text)) || field.handle(key) {
                    mode = .filter(field, choice: field.text == before ? choice : 0)
                    // A key without its value yet ("status:") narrows nothing: wait for the value.
                    if field.text != before, !(field.text.split(separator: " ").last?.hasSuffix(":") ?? false) {
                        // The message left is about the text as it now is: "type:t" refused on the
                        // way to "type:token.issued" is not an error once the word is whole.
                        if context.flash.level == .error { context.flash.clear() }
                        screen(current).setFilter(field.text, context)
                    }
                }
            }
        case .help(let scroll):
            switch key {
            case .escape, .char("?"), .char("q"), .enter: mode = .normal
            case .down, .char("j"): scrollHelp(scroll, by: 1)
            case .up, .char("k"): scrollHelp(scroll, by: -1)
            case .pageDown, .char(" "): scrollHelp(scroll, by: 10)
            case .pageUp: scrollHelp(scroll, by: -10)
            case .home, .char("g"): scrollHelp(scroll, by: -Int.max / 2)
            case .end, .char("G"): scrollHelp(scroll, by: Int.max / 2)
            default: break
            }
        case .normal:
            if key == .ctrl("c") {
                quitRequested = true
                return
            }
            if context.readOnly, let write = screen(current).write(for: key) {
                context.refuseWrite(write)
                return
            }
            if screen(current).handle(key, context) { return }
            switch Self.shellKeys.action(for: key) {
            case .palette?: mode = .palette(TextField(), choice: 0)
            case .filter?: mode = .filter(TextField(screen(current).filter), choice: 0)
            case .help?: mode = .help(scroll: 0)
            case .back?: back()
            case .quit?: quitRequested = true
            case .tab(let kind)?: show(kind)
            case nil: break
            }
        }
    }

    /// Help scrolls within its rows, as laid out in the last frame drawn (its size is the terminal's).
    private func scrollHelp(_ scroll: Int, by delta: Int) {
        mode = .help(scroll: helpOverlay(lastBody).scrolled(scroll, by: delta))
    }

    private func handlePalette(_ key: Key, _ field: inout TextField, _ choice: Int) {
        var choice = choice
        switch key {
        case .escape: mode = .normal
        case .enter:
            mode = .normal
            run(field.text)
        default:
            let before = field.text
            if !Self.complete(key, &field, &choice, paletteCompletions(field.text)) { field.handle(key) }
            mode = .palette(field, choice: field.text == before ? choice : 0)
        }
    }

    /// The completion keys the palette and the filter line share: Tab (or → at the end) takes the
    /// chosen completion, ↓ and ↑ choose. False for any other key.
    static func complete(_ key: Key, _ field: inout TextField, _ choice: inout Int, _ candidates: [Completion]) -> Bool {
        switch key {
        case .tab,
            .right where field.cursor == field.text.count:
            if !candidates.isEmpty { field.set(candidates[choice % candidates.count].text) }
            choice = 0
        case .down: choice = candidates.isEmpty ? 0 : (choice + 1) % candidates.count
        case .up: choice = candidates.isEmpty ? 0 : (choice + candidates.count - 1) % candidates.count
        default: return false
        }
        return true
    }

    func paletteCompletions(_ text: String) -> [Completion] {
        PaletteCommand.completions(text, tenants: context.engine.tenantSummaries().map(\.tenant.id), themes: availableThemes) {
            kind,
            filter in filterCompletions(filter, screen(kind).filterLanguage)
        }
    }

    /// Completions of the filter line: the current list's keys, then the values of the key typed.
    func filterCompletions(_ text: String) -> [Completion] { filterCompletions(text, screen(current).filterLanguage) }

    /// Completions of a filter in `language`: the palette's `:tokens client:…` too.
    func filterCompletions(_ text: String, _ language: FilterLanguage) -> [Completion] {
        language.completions(text) { values in
            let snapshot = context.engine.config.snapshot
            switch values {
            case .free: return []
            case .fixed(let v): return v
            case .clients: return (snapshot.clients[context.tenantID] ?? [:]).keys.sorted()
            case .tenants: return snapshot.tenants.keys.sorted()
            case .eventTypes: return AuditEventType.all.map(\.rawValue).sorted()
            }
        }
    }

    var availableThemes: [String] { environment.themeDirectory.map(ThemeLoader.available(in:)) ?? [] }

    /// Runs a palette command line.
    public func run(_ line: String) {
        guard let command = PaletteCommand.parse(line) else {
            context.flash(
                "unknown command ':\(line)'; try :clients :tokens :audit :keys :users :tenants :designer (each takes a filter: "
                    + ":tokens client:ID) :tenant NAME :theme NAME :readonly :q",
                .error
            )
            return
        }
        switch command {
        case .quit: quitRequested = true
        case .screen(let kind): show(kind)
        case .filtered(let kind, let filter):
            show(kind)
            screen(kind).setFilter(filter, context)
        case .tenant(let id): switchTenant(id)
        case .theme(let name): setTheme(name)
        case .themes:
            let themes = availableThemes
            context.flash(themes.isEmpty ? "no themes directory found" : "themes: \(themes.joined(separator: ", ")); :theme NAME uses one")
        case .readOnly: setReadOnly(!context.readOnly)
        }
    }

    /// Turns read-only mode on or off: on, every key that would change the store is refused.
    public func setReadOnly(_ on: Bool) {
        context.readOnly = on
        context.flash(
            on ? "Read-only: every write is refused until :readonly again" : "Writes allowed again (:readonly refuses them)",
            on ? .info : .warn
        )
    }

    public var readOnly: Bool { context.readOnly }

    public func setTheme(_ name: String) {
        guard let dir = environment.themeDirectory else {
            context.flash("no themes directory found", .error)
            return
        }
        do {
            let loaded = try ThemeLoader.load(named: name, from: dir)
            theme = environment.colorDepth == .none ? loaded.theme.withoutColor() : loaded.theme
            themeGeneration += 1
            if let w = loaded.warnings.first {
                context.flash(w + (loaded.warnings.count > 1 ? " (+\(loaded.warnings.count - 1) more)" : ""), .warn)
            } else {
                context.flash("Theme \(theme.name)" + (environment.colorDepth == .none ? " (NO_COLOR: attributes only)" : ""))
            }
        } catch {
            context.flash(error.description, .error)
        }
    }

    // MARK: - Navigation

    public func show(_ kind: ScreenKind) {
        guard kind != current else { return }
        history.append(current)
        if history.count > 50 { history.removeFirst() }
        current = kind
        mode = .normal
        screen(kind).activate(context)
    }

    private func back() {
        guard let previous = history.popLast() else { return }
        current = previous
        screen(previous).activate(context)
    }

    public func switchTenant(_ id: String) {
        guard context.engine.config.snapshot.tenants[id] != nil else {
            context.flash("no tenant '\(id)'; :tenants lists them", .error)
            return
        }
        context.tenantID = id
        for s in screens.values { s.activate(context) }
        context.flash("Tenant \(id)")
    }

    /// The screen of `kind`, created on first use.
    public func screen(_ kind: ScreenKind) -> any Screen {
        if let s = screens[kind] { return s }
        let s: any Screen
        switch kind {
        case .tenants: s = TenantsScreen()
        case .clients: s = ClientsScreen()
        case .users: s = UsersScreen()
        case .tokens: s = TokensScreen()
        case .audit: s = AuditScreen()
        case .keys: s = KeysScreen()
        case .designer: s = DesignerScreen()
        }
        screens[kind] = s
        return s
    }

    private func applyNavigation() {
        while !context.navigation.isEmpty {
            let nav = context.navigation.removeFirst()
            switch nav {
            case .screen(let kind): show(kind)
            case .token(let id):
                show(.tokens)
                (screen(.tokens) as? TokensScreen)?.open(tokenID: id, context)
            case .tokens(let filter):
                show(.tokens)
                screen(.tokens).setFilter(filter, context)
            case .client(let id):
                show(.clients)
                (screen(.clients) as? ClientsScreen)?.open(clientID: id, context)
            case .user(let id):
                show(.users)
                (screen(.users) as? UsersScreen)?.open(userID: id, context)
            case .switchTenant(let id): switchTenant(id)
            case .back: back()
            case .quit: quitRequested = true
            }
        }
    }
}
