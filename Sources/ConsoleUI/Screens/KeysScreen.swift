import AuthEngine
import Foundation

/// Keys of the tenant: kid, algorithm, state, created, tokens outstanding per key; rotate and retire,
/// each shown first as the engine's dry run.
final class KeysScreen: Screen {
    enum Action: Sendable, Equatable {
        case move(ListMove)
        case rotate, retire, retireUnpublish, reload, copyID, pauseLive
        case arrange(TableView.Action)
    }

    let kind = ScreenKind.keys
    private(set) var keys: [KeyStatus] = []
    private(set) var list = ListState()
    private(set) var filter = ""
    private var loaded = false

    static let keyMap = KeyMap<Action>(
        "Keys",
        ListMove.bindings(Action.move) + [
            KeyBinding([.char("o")], .rotate, "Rotate: next key signs, active key retires (dry run first)", destructive: true, hint: "rotate"),
            KeyBinding([.char("x")], .retire, "Retire this key (dry run first)", destructive: true, hint: "retire"),
            KeyBinding([.char("X")], .retireUnpublish, "Retire and unpublish now: its JWTs fail at once", destructive: true),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the kid (OSC 52)"),
            KeyBinding([.ctrl("r")], .reload, "Reload"),
            LiveRefresh.binding(Action.pauseLive),
        ] + TableView.bindings(Action.arrange)
    )
    private(set) var view = TableView()
    private(set) var live = LiveRefresh()
    var crumb: String? { live.crumb(filter.isEmpty ? nil : "/" + filter) }

    var helpEntries: [HelpEntry] { Self.keyMap.helpEntries }
    func write(for key: Key) -> String? { Self.keyMap.write(for: key) }
    var hintEntries: [HelpEntry] { Self.keyMap.hintEntries }
    var filterHint: String { "kid, algorithm or state" }

    private var shown: [KeyStatus] { view.sorted(filtered, Self.cells) }

    private var filtered: [KeyStatus] {
        let f = filter.lowercased()
        return f.isEmpty
            ? keys : keys.filter { "\($0.record.kid) \($0.record.algorithm.rawValue) \($0.record.state.rawValue)".lowercased().contains(f) }
    }

    func activate(_ ctx: ConsoleContext) {
        live.look(at: ctx.now)
        reload(ctx)
    }

    /// Live: the keys and their outstanding tokens again every 2 s, the selection kept.
    func tick(_ ctx: ConsoleContext) {
        guard live.due(ctx.now) else { return }
        reload(ctx, live: true)
    }

    func reload(_ ctx: ConsoleContext, live refreshing: Bool = false) {
        let tenant = ctx.tenantID
        let keep = shown.indices.contains(list.selected) ? shown[list.selected].record.kid : nil
        ctx.run("keys", { e throws(AdminError) in try await e.keys(tenantID: tenant) }) { [weak self] r in
            guard let self else { return }
            self.loaded = true
            switch r {
            case .failure(let e):
                self.keys = []
                ctx.fail(e)
            case .success(let k): self.keys = k
            }
            let ids = self.keys.map(\.record.kid)
            if refreshing { self.live.refreshed((try? r.get()) == nil ? nil : ids) } else { self.live.saw(ids) }
            self.list.setCount(self.shown.count)
            if let keep, let i = self.shown.firstIndex(where: { $0.record.kid == keep }) { self.list.reselect(i) }
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        list.setCount(shown.count)
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        guard let action = Self.keyMap.action(for: key) else { return false }
        let tenant = ctx.tenantID
        let actor = ctx.actor
        let selected = shown.indices.contains(list.selected) ? shown[list.selected] : nil
        switch action {
        case .move(let m): list.move(m)
        case .reload: reload(ctx)
        case .pauseLive: live.togglePause()
        case .copyID: if let k = selected { ctx.copyID(k.record.kid, "kid") }
        case .arrange(let a): ctx.flash(view.apply(a, Self.columns))
        case .rotate:
            let alg = selected?.record.algorithm
            confirm(
                "Rotate keys",
                ctx,
                preview: { e throws(AdminError) in try await e.rotateKey(tenantID: tenant, algorithm: alg, dryRun: true, actor: actor) },
                apply: { e throws(AdminError) in try await e.rotateKey(tenantID: tenant, algorithm: alg, actor: actor) }
            )
        case .retire, .retireUnpublish:
            guard let k = selected else { return true }
            let unpublish = action == .retireUnpublish
            confirm(
                unpublish ? "Retire and unpublish key" : "Retire key",
                ctx,
                preview: { e throws(AdminError) in
                    try await e.retireKey(tenantID: tenant, kid: k.record.kid, unpublish: unpublish, dryRun: true, actor: actor)
                },
                apply: { e throws(AdminError) in
                    try await e.retireKey(tenantID: tenant, kid: k.record.kid, unpublish: unpublish, dryRun: false, actor: actor)
                }
            )
        }
        return true
    }

    private func confirm(
        _ title: String,
        _ ctx: ConsoleContext,
        preview: @escaping @Sendable (ClaimdeckEngine) async throws(AdminError) -> KeyChange,
        apply: @escaping @Sendable (ClaimdeckEngine) async throws(AdminError) -> KeyChange
    ) {
        ctx.run("key dry run", preview) { [weak self] r in
            switch r {
            case .failure(let e): ctx.fail(e)
            case .success(let change):
                ctx.present(
                    Dialog(confirm: title, lines: Self.lines(change, now: ctx.now), action: title) {
                        ctx.run("key change", apply) { r in
                            switch r {
                            case .failure(let e): ctx.fail(e)
                            case .success(let done):
                                ctx.flash("\(title): done" + (done.activated.map { "; \($0) signs now" } ?? ""))
                                self?.reload(ctx)
                            }
                        }
                    }
                )
            }
        }
    }

    static func lines(_ c: KeyChange, now: Date) -> [Dialog.Line] {
        var lines: [Dialog.Line] = []
        if let a = c.activated { lines.append(Dialog.Line("Starts signing:  \(a)")) }
        if let r = c.retired { lines.append(Dialog.Line("Stops signing:   \(r)")) }
        if let n = c.next { lines.append(Dialog.Line("New next key:    \(n) (published now, signs at the next rotation)")) }
        lines.append(Dialog.Line("Outstanding:     \(Present.count(c.outstandingTokens, "active token")) signed by the retiring key"))
        if let until = c.publishedUntil {
            if until <= now {
                lines.append(Dialog.Line("Unpublished NOW: JWTs it signed fail validation at every API that refreshes the JWKS.", role: .flashError))
            } else {
                lines.append(
                    Dialog.Line(
                        "Still published until \(Present.time(until)) (\(Present.relative(until, now: now))), so its JWTs keep validating.",
                        role: .flashWarn
                    )
                )
            }
        }
        return lines
    }

    static let columns = [
        Column("KID", 28, flexible: true, max: 48), Column("ALG", 6), Column("STATE", 10), Column("CREATED", 20),
        Column("OUTSTANDING", 11), Column("UNTIL", 20),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        view.draw(
            Self.columns,
            shown,
            cells: { self.live.mark(Self.cells($0), id: $0.record.kid) },
            state: &list,
            in: area,
            grid: &grid,
            empty: loaded ? "No keys." : "Loading…"
        )
    }

    static func cells(_ k: KeyStatus) -> [TableCell] {
        [
            TableCell(k.record.kid), TableCell(k.record.algorithm.rawValue), Present.keyState(k.record.state),
            TableCell(Present.time(k.record.createdAt)),
            TableCell("\(k.outstandingTokens)"), TableCell(k.outstandingUntil.map(Present.time) ?? "–"),
        ]
    }
}
