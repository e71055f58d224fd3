import AuthEngine
import Foundation

/// Clients: list, filter, detail; register and edit with a form the engine validates as you type;
/// rotate the secret (shown once); disable/enable; delete (with the dry run of its tokens).
final class ClientsScreen: Screen {
    enum Action: Sendable {
        case move(ListMove)
        case open, register, edit, rotate, toggleDisabled, delete, tokens, revokeTokens, copyID, reload, pauseLive
        case arrange(TableView.Action)
    }

    enum Mode {
        case list
        case detail(String)
        case form(Form, editing: String?)
    }

    let kind = ScreenKind.clients
    private(set) var clients: [Client] = []
    private(set) var lastUsed: [String: Date] = [:]
    private(set) var list = ListState()
    private(set) var filter = ""
    private(set) var mode = Mode.list

    static let listKeys = KeyMap<Action>(
        "Clients",
        ListMove.bindings(Action.move) + [
            KeyBinding([.enter], .open, "Open the client", hint: "open"),
            KeyBinding([.char("n")], .register, "Register a client", writes: true, hint: "register"),
            KeyBinding([.char("e")], .edit, "Edit the client", writes: true),
            KeyBinding([.char("x")], .rotate, "Rotate its secret (shown once)", destructive: true),
            KeyBinding([.char("d")], .toggleDisabled, "Disable / enable", destructive: true),
            KeyBinding([.char("D"), .delete], .delete, "Delete (revokes its tokens)", destructive: true),
            KeyBinding([.char("t")], .tokens, "Its tokens"),
            KeyBinding([.char("C")], .revokeTokens, "Revoke every token of the client (dry run first)", destructive: true, hint: "revoke tokens"),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the client id (OSC 52)"),
            KeyBinding([.ctrl("r")], .reload, "Reload"),
            LiveRefresh.binding(Action.pauseLive),
        ] + TableView.bindings(Action.arrange)
    )
    private(set) var view = TableView()
    private(set) var live = LiveRefresh()
    private var readingLastUsed = false

    func write(for key: Key) -> String? {
        if case .form = mode { return nil }
        return Self.listKeys.write(for: key)
    }

    var helpEntries: [HelpEntry] {
        if case .form = mode { return Form.helpEntries }
        return Self.listKeys.helpEntries
    }
    var hintEntries: [HelpEntry] {
        if case .form = mode { return [] }
        return Self.listKeys.hintEntries
    }
    var filterHint: String { "text in the id or name" }
    var crumb: String? {
        switch mode {
        case .list: return live.crumb(filter.isEmpty ? nil : "/" + filter)
        case .detail(let id): return "client \(id)"
        case .form(_, let editing): return editing.map { "edit \($0)" } ?? "register"
        }
    }

    private var shown: [Client] { view.sorted(filtered, cells) }

    private var filtered: [Client] {
        let f = filter.lowercased()
        return f.isEmpty ? clients : clients.filter { $0.id.lowercased().contains(f) || $0.name.lowercased().contains(f) }
    }

    func activate(_ ctx: ConsoleContext) {
        if case .form = mode { return }
        if case .detail(let id) = mode, ctx.engine.config.snapshot.client(ctx.tenantID, id) == nil { mode = .list }
        live.look(at: ctx.now)
        reload(ctx)
    }

    /// Live: the clients again every 2 s (from the engine's configuration, which follows the
    /// store's change feed), the selection kept on the same client.
    func tick(_ ctx: ConsoleContext) {
        if case .form = mode { return }
        guard live.due(ctx.now) else { return }
        reload(ctx, live: true)
    }

    func reload(_ ctx: ConsoleContext, live refreshing: Bool = false) {
        let keep = selected?.id
        do {
            clients = try ctx.engine.clients(tenantID: ctx.tenantID)
        } catch {
            clients = []
            ctx.fail(error)
        }
        if refreshing { live.refreshed(clients.map(\.id)) } else { live.saw(clients.map(\.id)) }
        list.setCount(shown.count)
        if let keep, let i = shown.firstIndex(where: { $0.id == keep }) { list.reselect(i) }
        // One "last used" read at a time: a slow store does not pile them up every 2 s.
        guard !readingLastUsed else { return }
        readingLastUsed = true
        let tenant = ctx.tenantID
        let ids = clients.map(\.id)
        ctx.run(
            "last used",
            { e throws(AdminError) -> [String: Date] in
                var used: [String: Date] = [:]
                for id in ids {
                    if let t = try await e.tokens(TokenQuery(tenantID: tenant, clientID: id, limit: 1)).first { used[id] = t.issuedAt }
                }
                return used
            }
        ) { [weak self] result in
            self?.readingLastUsed = false
            if case .success(let used) = result { self?.lastUsed = used }
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        list.setCount(shown.count)
        list.select(0)
    }

    func open(clientID: String, _ ctx: ConsoleContext) {
        reload(ctx)
        if clients.contains(where: { $0.id == clientID }) {
            mode = .detail(clientID)
        } else {
            ctx.flash("no client '\(clientID)' in tenant \(ctx.tenantID)", .error)
        }
    }

    private var selected: Client? {
        if case .detail(let id) = mode { return clients.first { $0.id == id } }
        return shown.indices.contains(list.selected) ? shown[list.selected] : nil
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        if case .form(var form, let editing) = mode {
            switch form.handle(key) {
            case .cancel: mode = editing.map { .detail($0) } ?? .list
            case .submit: submit(form, editing: editing, ctx)
            case .edited:
                validate(&form, editing: editing, ctx)
                mode = .form(form, editing: editing)
            case .moved: mode = .form(form, editing: editing)
            case .ignored: break
            }
            return true
        }
        if key == .escape, case .detail = mode {
            mode = .list
            return true
        }
        guard let action = Self.listKeys.action(for: key) else { return false }
        switch action {
        case .move(let m): if case .list = mode { list.move(m) }
        case .open: if let c = selected { mode = .detail(c.id) }
        case .register:
            var form = ClientForm.make(nil)
            validate(&form, editing: nil, ctx)
            mode = .form(form, editing: nil)
        case .edit: if let c = selected { mode = .form(ClientForm.make(c), editing: c.id) }
        case .reload: reload(ctx)
        case .pauseLive: live.togglePause()
        case .tokens: if let c = selected { ctx.go(.tokens(filter: "client:\(c.id)")) }
        case .revokeTokens:
            if let c = selected {
                RevocationFlow.start(.client(tenantID: ctx.tenantID, clientID: c.id), reason: "revoked from the console (clients list)", ctx) {
                    [weak self] _ in self?.reload(ctx)
                }
            }
        case .copyID: if let c = selected { ctx.copyID(c.id, "client id") }
        case .arrange(let a): ctx.flash(view.apply(a, Self.columns))
        case .rotate: if let c = selected { rotate(c, ctx) }
        case .toggleDisabled: if let c = selected { toggle(c, ctx) }
        case .delete: if let c = selected { delete(c, ctx) }
        }
        return true
    }

    private func validate(_ form: inout Form, editing: String?, _ ctx: ConsoleContext) {
        switch ClientForm.spec(form, over: editing.flatMap { ctx.engine.config.snapshot.client(ctx.tenantID, $0)?.spec }) {
        case .failure(let e): form.setError(field: e.field, e.message, aliases: ClientForm.aliases)
        case .success(let spec):
            do {
                try ctx.engine.checkClientSpec(tenantID: ctx.tenantID, spec)
                form.setError(field: nil, nil)
            } catch {
                form.setError(field: error.field, error.message, aliases: ClientForm.aliases)
            }
        }
    }

    private func submit(_ form: Form, editing: String?, _ ctx: ConsoleContext) {
        var form = form
        validate(&form, editing: editing, ctx)
        mode = .form(form, editing: editing)
        guard form.isValid, case .success(let spec) = ClientForm.spec(form) else {
            ctx.flash("fix the marked field first", .error)
            return
        }
        let tenant = ctx.tenantID
        let actor = ctx.actor
        if let id = editing {
            // The form edits these settings; the others stay as they are.
            let edit: @Sendable (inout ClientSpec) -> Void = { s in
                s.name = spec.name
                s.scopes = spec.scopes
                s.audiences = spec.audiences
                s.grantTypes = spec.grantTypes
                s.redirectURIs = spec.redirectURIs
                s.tokenFormat = spec.tokenFormat
                s.profile = spec.profile
            }
            ctx.run("update client", { e throws(AdminError) in try await e.updateClient(tenantID: tenant, clientID: id, actor: actor, edit) }) {
                [weak self] r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success(let c):
                    ctx.flash("Saved client \(c.id)")
                    self?.mode = .detail(c.id)
                    self?.reload(ctx)
                }
            }
        } else {
            ctx.run("register client", { e throws(AdminError) in try await e.registerClient(tenantID: tenant, spec, actor: actor) }) {
                [weak self] r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success(let created):
                    self?.mode = .detail(created.client.id)
                    self?.reload(ctx)
                    ctx.present(ClientsScreen.secretDialog("Client \(created.client.id) registered", created, ctx))
                }
            }
        }
    }

    /// The secret, this once: it is stored only as a digest. `c` copies it to the terminal's
    /// clipboard (OSC 52), so it need not be selected with the mouse off a screen others may see.
    static func secretDialog(_ title: String, _ c: ClientWithSecret, _ ctx: ConsoleContext) -> Dialog {
        var lines = [Dialog.Line("client_id:     \(c.client.id)")]
        if let s = c.secret {
            lines.append(Dialog.Line("client_secret: \(s)", role: .accent))
            lines.append(Dialog.Line(""))
            lines.append(Dialog.Line("Copy it now (c): it is shown this once and stored only as a SHA-256 digest.", role: .flashWarn))
            let id = c.client.id
            return Dialog(info: title, lines: lines, action: ("Copy secret", "c", { ctx.copyToClipboard(s, what: "Secret of \(id)") }))
        }
        lines.append(Dialog.Line("No secret: this client authenticates with \(c.client.authMethod.rawValue)."))
        return Dialog(info: title, lines: lines)
    }

    private func rotate(_ c: Client, _ ctx: ConsoleContext) {
        let tenant = ctx.tenantID
        let actor = ctx.actor
        ctx.present(
            Dialog(
                confirm: "Rotate secret",
                lines: [
                    Dialog.Line("Give client \(c.id) a new secret?"),
                    Dialog.Line("The old secret stops working at once; tokens already issued stay valid.", role: .flashWarn),
                ],
                action: "Rotate secret"
            ) {
                ctx.run("rotate secret", { e throws(AdminError) in try await e.rotateClientSecret(tenantID: tenant, clientID: c.id, actor: actor) }) {
                    r in
                    switch r {
                    case .failure(let e): ctx.fail(e)
                    case .success(let rotated): ctx.present(ClientsScreen.secretDialog("New secret for \(c.id)", rotated, ctx))
                    }
                }
            }
        )
    }

    private func toggle(_ c: Client, _ ctx: ConsoleContext) {
        let tenant = ctx.tenantID
        let actor = ctx.actor
        let disable = !c.disabled
        let apply = { [weak self] in
            ctx.run(
                "set disabled",
                { e throws(AdminError) in try await e.setClientDisabled(tenantID: tenant, clientID: c.id, disabled: disable, actor: actor) }
            ) { r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success:
                    ctx.flash("Client \(c.id) \(disable ? "disabled" : "enabled")")
                    self?.reload(ctx)
                }
            }
        }
        guard disable else {
            apply()
            return
        }
        ctx.present(
            Dialog(
                confirm: "Disable client",
                lines: [
                    Dialog.Line("Disable client \(c.id)?"),
                    Dialog.Line("It can no longer authenticate, and its tokens introspect as inactive at once.", role: .flashWarn),
                ],
                action: "Disable",
                onConfirm: apply
            )
        )
    }

    private func delete(_ c: Client, _ ctx: ConsoleContext) {
        let tenant = ctx.tenantID
        let actor = ctx.actor
        let selector = RevocationSelector.client(tenantID: tenant, clientID: c.id)
        ctx.run("preview delete", { e throws(AdminError) in try await e.previewRevocation(selector) }) { [weak self] r in
            switch r {
            case .failure(let e): ctx.fail(e)
            case .success(let preview):
                var lines = [Dialog.Line("Delete client \(c.id) (\(c.name))? This cannot be undone.", role: .flashWarn)]
                lines += RevocationFlow.lines(selector, preview, now: ctx.now).dropFirst()
                ctx.present(
                    Dialog(confirm: "Delete client", lines: lines, action: "Delete", phrase: RevocationFlow.phrase(selector, preview)) {
                        ctx.run("delete client", { e throws(AdminError) in try await e.deleteClient(tenantID: tenant, clientID: c.id, actor: actor) })
                        { r in
                            switch r {
                            case .failure(let e): ctx.fail(e)
                            case .success(let s):
                                ctx.flash("Deleted client \(c.id); revoked \(Present.count(s.revoked, "token"))")
                                self?.mode = .list
                                self?.reload(ctx)
                            }
                        }
                    }
                )
            }
        }
    }

    static let columns = [
        Column("ID", 18), Column("NAME", 14, flexible: true, max: 40), Column("TYPE", 12), Column("STATUS", 10),
        Column("FORMAT", 6), Column("GRANTS", 18), Column("LAST USED", 20),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        switch mode {
        case .form(let form, _):
            form.draw(in: area, grid: &grid)
        case .detail(let id):
            guard let c = clients.first(where: { $0.id == id }) else { return }
            DetailLine.draw(detailLines(c, profile: ctx.engine.config.snapshot.profile(of: c)), scroll: 0, in: area, grid: &grid)
        case .list:
            view.draw(
                Self.columns,
                shown,
                cells: { self.live.mark(self.cells($0), id: $0.id) },
                state: &list,
                in: area,
                grid: &grid,
                empty: filter.isEmpty ? "No clients; n registers one." : "No client matches."
            )
        }
    }

    func cells(_ c: Client) -> [TableCell] {
        [
            TableCell(c.id), TableCell(c.name), TableCell(c.type.rawValue), Present.enabled(c.disabled), TableCell(c.tokenFormat.rawValue),
            TableCell(c.grantTypes.map(\.rawValue).joined(separator: " ")), TableCell(lastUsed[c.id].map(Present.time) ?? "never"),
        ]
    }

    /// - Parameter profile: the profile the client is under (its own or its tenant's).
    private func detailLines(_ c: Client, profile: SecurityProfile) -> [DetailLine] {
        let status = Present.enabled(c.disabled)
        return [
            .section("Client \(c.id)"),
            DetailLine("name", c.name), DetailLine("status", status.text, role: status.role ?? .text),
            DetailLine("type", c.type.rawValue), DetailLine("authentication", c.authMethod.rawValue),
            DetailLine("token binding", c.tokenBindingDescription),
            DetailLine("profile", profile.describe(own: c.spec.profile == profile)),
            DetailLine("secret", c.secretDigest == nil ? "none" : "set (stored as SHA-256; x rotates)"),
            DetailLine("grant types", c.grantTypes.map(\.rawValue).joined(separator: " ")),
            DetailLine("scopes", c.scopes.joined(separator: " ")), DetailLine("audiences", c.audiences.joined(separator: " ")),
            DetailLine("redirect URIs", c.redirectURIs.isEmpty ? "none" : c.redirectURIs.joined(separator: " ")),
            DetailLine("token format", c.tokenFormat.rawValue), DetailLine("token lifetime", "\(c.accessTokenLifetime) s"),
            DetailLine("signing", c.signingAlgorithm?.rawValue ?? "tenant default"),
            DetailLine("last used", lastUsed[c.id].map(Present.time) ?? "never"),
            DetailLine("created", Present.time(c.createdAt)), DetailLine("updated", Present.time(c.updatedAt)),
        ]
    }
}
