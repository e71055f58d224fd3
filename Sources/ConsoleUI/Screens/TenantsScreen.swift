import AuthEngine
import Foundation

/// Tenants with their counts; Enter switches to one; create; delete with the dry run.
final class TenantsScreen: Screen {
    enum Action: Sendable {
        case move(ListMove)
        case switchTo, create, delete, copyID
        case arrange(TableView.Action)
    }

    let kind = ScreenKind.tenants
    private(set) var tenants: [TenantSummary] = []
    private(set) var list = ListState()
    private(set) var filter = ""
    private var creating: Form?

    static let keyMap = KeyMap<Action>(
        "Tenants",
        ListMove.bindings(Action.move) + [
            KeyBinding([.enter], .switchTo, "Switch to this tenant", hint: "switch"),
            KeyBinding([.char("n")], .create, "Create a tenant", writes: true, hint: "create"),
            KeyBinding(
                [.char("D"), .delete],
                .delete,
                "Delete the tenant and all it owns (dry run first; type its id to confirm)",
                destructive: true
            ),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the tenant id (OSC 52)"),
        ] + TableView.bindings(Action.arrange)
    )
    private(set) var view = TableView()

    var helpEntries: [HelpEntry] { Self.keyMap.helpEntries }
    func write(for key: Key) -> String? { creating == nil ? Self.keyMap.write(for: key) : nil }
    var hintEntries: [HelpEntry] { creating == nil ? Self.keyMap.hintEntries : [] }
    var filterHint: String { "text in the id or name" }
    var crumb: String? { creating == nil ? nil : "create" }

    private var shown: [TenantSummary] { view.sorted(filtered) { Self.cells($0, current: nil) } }

    private var filtered: [TenantSummary] {
        let f = filter.lowercased()
        return f.isEmpty ? tenants : tenants.filter { $0.tenant.id.contains(f) || $0.tenant.displayName.lowercased().contains(f) }
    }

    func activate(_ ctx: ConsoleContext) {
        tenants = ctx.engine.tenantSummaries()
        list.setCount(shown.count)
        if let i = shown.firstIndex(where: { $0.tenant.id == ctx.tenantID }) { list.select(i) }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        list.setCount(shown.count)
    }

    /// Marks the tenant id field with what `Tenant.validateID` says of it, or clears the marks.
    static func validate(_ form: inout Form) {
        do {
            try Tenant.validateID(form.value("id"))
            form.setError(field: nil, nil)
        } catch {
            form.setError(field: error.field, error.message, aliases: ["tenant id": "id"])
        }
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        if var form = creating {
            switch form.handle(key) {
            case .cancel: creating = nil
            case .submit:
                let id = form.value("id")
                let name = form.value("name")
                let actor = ctx.actor
                ctx.run(
                    "create tenant",
                    { e throws(AdminError) in try await e.createTenant(id: id, displayName: name.isEmpty ? nil : name, actor: actor) }
                ) { [weak self] r in
                    switch r {
                    case .failure(let e):
                        self?.creating?.setError(field: e.field, e.message, aliases: ["tenant id": "id", "display name": "name"])
                    case .success(let t):
                        self?.creating = nil
                        ctx.flash("Created tenant \(t.id) with an active and a next ES256 key")
                        self?.activate(ctx)
                    }
                }
            case .edited:
                Self.validate(&form)
                creating = form
            case .moved: creating = form
            case .ignored: break
            }
            return true
        }
        guard let action = Self.keyMap.action(for: key) else { return false }
        let selected = shown.indices.contains(list.selected) ? shown[list.selected] : nil
        switch action {
        case .move(let m): list.move(m)
        case .switchTo: if let t = selected { ctx.go(.switchTenant(t.tenant.id)) }
        case .copyID: if let t = selected { ctx.copyID(t.tenant.id, "tenant id") }
        case .arrange(let a): ctx.flash(view.apply(a, Self.columns))
        case .create:
            var form = Form(
                title: "Create a tenant",
                fields: [
                    Form.Field("id", "Tenant id", help: "lower-case letters, digits and -; part of the issuer URL"),
                    Form.Field("name", "Display name", help: "optional"),
                ]
            )
            // Checked before the first key too: an empty form is not "✓ valid".
            Self.validate(&form)
            creating = form
        case .delete:
            guard let t = selected else { return true }
            let id = t.tenant.id
            let actor = ctx.actor
            ctx.run("tenant dry run", { e throws(AdminError) in try await e.tenantDeletionPreview(id) }) { [weak self] r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success(let preview):
                    var lines = [
                        Dialog.Line(
                            "Delete tenant \(id) with \(Present.count(t.clients, "client")), \(Present.count(t.keys, "key"))?",
                            role: .flashWarn
                        ),
                        Dialog.Line("Its users, keys and tokens go too; audit events stay.", role: .flashWarn),
                    ]
                    lines += RevocationFlow.lines(.tenant(tenantID: id), preview, now: ctx.now).dropFirst()
                    ctx.present(
                        Dialog(confirm: "Delete tenant", lines: lines, action: "Delete tenant", phrase: id) {
                            ctx.run("delete tenant", { e throws(AdminError) in try await e.deleteTenant(id, force: true, actor: actor) }) { r in
                                switch r {
                                case .failure(let e): ctx.fail(e)
                                case .success:
                                    ctx.flash("Deleted tenant \(id)")
                                    self?.activate(ctx)
                                }
                            }
                        }
                    )
                }
            }
        }
        return true
    }

    static let columns = [
        Column("TENANT", 14), Column("NAME", 18, flexible: true, max: 40), Column("CLIENTS", 7), Column("KEYS", 4),
        Column("SCOPES", 6), Column("APIS", 4), Column("ISSUER", 30),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        if let form = creating {
            form.draw(in: area, grid: &grid)
            return
        }
        view.draw(
            Self.columns,
            shown,
            cells: { Self.cells($0, current: ctx.tenantID) },
            state: &list,
            in: area,
            grid: &grid,
            empty: "No tenants; n creates one, or start with --demo."
        )
    }

    /// A tenant's row; `current` is marked ▸ (nil when sorting, so the marker does not sort).
    static func cells(_ t: TenantSummary, current: String?) -> [TableCell] {
        [
            TableCell((t.tenant.id == current ? "▸ " : "  ") + t.tenant.id, role: t.tenant.id == current ? .accent : nil),
            TableCell(t.tenant.displayName), TableCell("\(t.clients)"), TableCell("\(t.keys)"), TableCell("\(t.scopes)"), TableCell("\(t.apis)"),
            TableCell(t.issuer),
        ]
    }
}
