import AuthEngine
import Foundation
import JOSE

/// Users: list, filter, detail with attributes as a tree; create, edit (username and attributes as
/// JSON) and set a password with forms the engine validates as you type; disable (revokes their
/// tokens, after the dry run) and enable; their tokens.
final class UsersScreen: Screen {
    enum Action: Sendable {
        case move(ListMove)
        case open, create, edit, setPassword, toggleDisabled, tokens, reload, copyID, pauseLive
        case arrange(TableView.Action)
    }

    let kind = ScreenKind.users
    private(set) var users: [User] = []
    private(set) var list = ListState()
    private(set) var filter = ""
    private(set) var detail: String?
    /// The open form, if any: it takes every key until saved or cancelled.
    private(set) var form: (form: Form, kind: UserForm.Kind)?
    private var loaded = false

    static let keyMap = KeyMap<Action>(
        "Users",
        ListMove.bindings(Action.move) + [
            KeyBinding([.enter], .open, "Open the user", hint: "open"),
            KeyBinding([.char("n")], .create, "Create a user", writes: true, hint: "create"),
            KeyBinding([.char("e")], .edit, "Edit the username and attributes (JSON)", writes: true, hint: "edit"),
            KeyBinding([.char("p")], .setPassword, "Set the password (masked, typed twice)", writes: true, hint: "password"),
            KeyBinding([.char("d")], .toggleDisabled, "Disable (revokes their tokens) / enable", destructive: true, hint: "disable"),
            KeyBinding([.char("t")], .tokens, "Their tokens"),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the user id (OSC 52)"),
            KeyBinding([.ctrl("r")], .reload, "Reload"),
            LiveRefresh.binding(Action.pauseLive),
        ] + TableView.bindings(Action.arrange)
    )
    private(set) var view = TableView()
    private(set) var live = LiveRefresh()

    var helpEntries: [HelpEntry] { form == nil ? Self.keyMap.helpEntries : Form.helpEntries }
    func write(for key: Key) -> String? { form == nil ? Self.keyMap.write(for: key) : nil }
    var hintEntries: [HelpEntry] { form == nil ? Self.keyMap.hintEntries : [] }
    var filterHint: String { "text in the id, username or attributes" }
    var crumb: String? {
        switch form?.kind {
        case .create?: return "create"
        case .edit(let id)?: return "edit \(id)"
        case .password(let id)?: return "password of \(id)"
        case nil: return detail.map { "user \($0)" } ?? live.crumb(filter.isEmpty ? nil : "/" + filter)
        }
    }

    private var shown: [User] { view.sorted(filtered, Self.cells) }

    private var filtered: [User] {
        let f = filter.lowercased()
        if f.isEmpty { return users }
        return users.filter { u in
            u.id.lowercased().contains(f) || u.username.lowercased().contains(f)
                || u.attributes.values.contains { ($0.stringValue ?? "").lowercased().contains(f) }
        }
    }

    func activate(_ ctx: ConsoleContext) {
        live.look(at: ctx.now)
        reload(ctx)
    }

    /// Live: the users again every 2 s while no form is open, the selection kept on the same user.
    func tick(_ ctx: ConsoleContext) {
        guard form == nil, live.due(ctx.now) else { return }
        reload(ctx, live: true)
    }

    func reload(_ ctx: ConsoleContext, live refreshing: Bool = false, then: (() -> Void)? = nil) {
        let tenant = ctx.tenantID
        let keep = selected?.id
        ctx.run("users", { e throws(AdminError) in try await e.users(tenantID: tenant) }) { [weak self] r in
            guard let self else { return }
            self.loaded = true
            switch r {
            case .failure(let e):
                self.users = []
                ctx.fail(e)
            case .success(let u): self.users = u.sorted { $0.username < $1.username }
            }
            let ids = self.users.map(\.id)
            if refreshing { self.live.refreshed((try? r.get()) == nil ? nil : ids) } else { self.live.saw(ids) }
            self.list.setCount(self.shown.count)
            if let keep, let i = self.shown.firstIndex(where: { $0.id == keep }) { self.list.reselect(i) }
            then?()
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        list.setCount(shown.count)
        list.select(0)
    }

    func open(userID: String, _ ctx: ConsoleContext) {
        reload(ctx) { [weak self] in
            guard let self else { return }
            if let u = self.users.first(where: { $0.id == userID || $0.username == userID }) {
                self.detail = u.id
            } else {
                ctx.flash("'\(userID)' is not a user of tenant \(ctx.tenantID) (a client_credentials subject is the client itself)", .warn)
            }
        }
    }

    private var selected: User? {
        if let d = detail { return users.first { $0.id == d } }
        return shown.indices.contains(list.selected) ? shown[list.selected] : nil
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        if let open = form {
            handleForm(key, open.form, open.kind, ctx)
            return true
        }
        if key == .escape, detail != nil {
            detail = nil
            return true
        }
        guard let action = Self.keyMap.action(for: key) else { return false }
        switch action {
        case .move(let m): if detail == nil { list.move(m) }
        case .open: detail = selected?.id
        case .create: openForm(.create, user: nil, ctx)
        case .edit: if let u = selected { openForm(.edit(u.id), user: u, ctx) }
        case .setPassword: if let u = selected { openForm(.password(u.id), user: u, ctx) }
        case .reload: reload(ctx)
        case .pauseLive: live.togglePause()
        case .copyID: if let u = selected { ctx.copyID(u.id, "user id") }
        case .arrange(let a): ctx.flash(view.apply(a, Self.columns))
        case .tokens: if let u = selected { ctx.go(.tokens(filter: "sub:\(u.id)")) }
        case .toggleDisabled:
            guard let u = selected else { return true }
            let tenant = ctx.tenantID
            let actor = ctx.actor
            let apply = { [weak self] in
                ctx.run(
                    "set user disabled",
                    { e throws(AdminError) in
                        try await e.setUserDisabled(tenantID: tenant, u.id, disabled: !u.disabled, actor: actor)
                    }
                ) { r in
                    switch r {
                    case .failure(let e): ctx.fail(e)
                    case .success(let s):
                        ctx.flash(u.disabled ? "Enabled \(u.username)" : "Disabled \(u.username); revoked \(Present.count(s.revoked, "token"))")
                        self?.reload(ctx)
                    }
                }
            }
            if u.disabled {
                apply()
                return true
            }
            let selector = RevocationSelector.subject(tenantID: tenant, subject: u.id)
            ctx.run("preview", { e throws(AdminError) in try await e.previewRevocation(selector) }) { r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success(let preview):
                    var lines = [Dialog.Line("Disable user \(u.username) (\(u.id))? They can no longer sign in.")]
                    lines += RevocationFlow.lines(selector, preview, now: ctx.now).dropFirst()
                    ctx.present(
                        Dialog(
                            confirm: "Disable user",
                            lines: lines,
                            action: "Disable",
                            phrase: RevocationFlow.phrase(selector, preview),
                            onConfirm: apply
                        )
                    )
                }
            }
        }
        return true
    }

    private func openForm(_ kind: UserForm.Kind, user: User?, _ ctx: ConsoleContext) {
        var f = UserForm.make(kind, user: user)
        // A new password form starts unmarked; the others show at once what is missing.
        if case .password = kind {} else { UserForm.validate(&f, kind, tenantID: ctx.tenantID, engine: ctx.engine) }
        form = (f, kind)
    }

    private func handleForm(_ key: Key, _ f: Form, _ kind: UserForm.Kind, _ ctx: ConsoleContext) {
        var f = f
        switch f.handle(key) {
        case .cancel: form = nil
        case .submit: submit(f, kind, ctx)
        case .edited:
            UserForm.validate(&f, kind, tenantID: ctx.tenantID, engine: ctx.engine)
            form = (f, kind)
        case .moved: form = (f, kind)
        case .ignored: break
        }
    }

    /// Saves through the engine use case the CLI calls; on an error the form stays, marked.
    private func submit(_ f: Form, _ kind: UserForm.Kind, _ ctx: ConsoleContext) {
        var f = f
        UserForm.validate(&f, kind, tenantID: ctx.tenantID, engine: ctx.engine)
        form = (f, kind)
        guard f.isValid else {
            ctx.flash("fix the marked field first", .error)
            return
        }
        let tenant = ctx.tenantID
        let actor = ctx.actor
        let username = f.value("username")
        let id = f.value("id")
        let password = f.value("password")
        let attributesText = f.value("attributes")
        let done: (Result<User, AdminError>, String) -> Void = { [weak self] result, message in
            guard let self else { return }
            switch result {
            case .failure(let e):
                if var open = self.form?.form {
                    open.setError(field: e.field, e.message, aliases: UserForm.aliases)
                    self.form = (open, kind)
                }
                ctx.fail(e)
            case .success(let user):
                self.form = nil
                ctx.flash(message)
                self.reload(ctx) { self.detail = user.id }
            }
        }
        switch kind {
        case .create:
            ctx.run(
                "create user",
                { e throws(AdminError) in
                    let attributes = try UserForm.attributes(attributesText)
                    return try await e.createUser(
                        tenantID: tenant,
                        username: username,
                        id: id.isEmpty ? nil : id,
                        attributes: attributes,
                        password: password.isEmpty ? nil : password,
                        actor: actor
                    )
                }
            ) { done($0, "Created user \(username)" + (password.isEmpty ? " (no password: cannot sign in yet)" : "")) }
        case .edit(let userID):
            let old = users.first { $0.id == userID }
            ctx.run(
                "update user",
                { e throws(AdminError) in
                    let attributes = try UserForm.attributes(attributesText)
                    return try await e.updateUser(
                        tenantID: tenant,
                        userID,
                        username: username == old?.username ? nil : username,
                        attributes: attributes,
                        actor: actor
                    )
                }
            ) { done($0, "Saved user \(username)") }
        case .password(let userID):
            ctx.run(
                "set password",
                { e throws(AdminError) in
                    try await e.setUserPassword(tenantID: tenant, userID, password: password, actor: actor)
                    return try await e.user(tenantID: tenant, userID)
                }
            ) { done($0, "Password set for \((try? $0.get())?.username ?? userID)") }
        }
    }

    static let columns = [
        Column("USERNAME", 20, flexible: true, max: 40), Column("ID", 30), Column("STATUS", 11), Column("PASSWORD", 8),
        Column("CREATED", 20),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        if let form {
            form.form.draw(in: area, grid: &grid)
            return
        }
        if let u = selected, detail != nil {
            let status = Present.enabled(u.disabled)
            var lines: [DetailLine] = [
                .section("User \(u.username)"), DetailLine("id (sub)", u.id), DetailLine("status", status.text, role: status.role ?? .text),
                DetailLine("password", u.passwordHash == nil ? "not set" : "set (scrypt)"),
                DetailLine("created", Present.time(u.createdAt)), .section("Attributes"),
            ]
            for (k, v) in u.attributes.sorted(by: { $0.key < $1.key }) { lines += DetailLine.tree(k, v, indent: 1) }
            DetailLine.draw(lines, scroll: 0, in: area, grid: &grid)
            return
        }
        view.draw(
            Self.columns,
            shown,
            cells: { self.live.mark(Self.cells($0), id: $0.id) },
            state: &list,
            in: area,
            grid: &grid,
            empty: loaded ? "No users." : "Loading…"
        )
    }

    static func cells(_ u: User) -> [TableCell] {
        [
            TableCell(u.username), TableCell(u.id), Present.enabled(u.disabled), TableCell(u.passwordHash == nil ? "–" : "set"),
            TableCell(Present.time(u.createdAt)),
        ]
    }
}
