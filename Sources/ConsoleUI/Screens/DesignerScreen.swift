import AuthEngine
import Foundation
import JOSE

/// The token designer: the scope × claim matrix with destination toggles, claim and API editing, a
/// preview of the draft through the issuance code, the diff against the live version, the lint, and
/// publishing through the contract gate, and the version history with rollback (through the same
/// gate). Every edit is validated first (an invalid edit changes nothing and the flash names the
/// field), then saved as the tenant's draft.
final class DesignerScreen: Screen {
    enum Pane: Int, CaseIterable, Sendable {
        case matrix, apis, preview, diff, lint

        var title: String {
            switch self {
            case .matrix: return "Matrix"
            case .apis: return "APIs"
            case .preview: return "Preview"
            case .diff: return "Diff"
            case .lint: return "Lint"
            }
        }

        /// Matrix and APIs edit the draft; the others show what the draft does.
        var edits: Bool { self == .matrix || self == .apis }
    }

    enum Action: Sendable, Equatable {
        case nextPane, previousPane, publish, discard, reload
        case move(ListMove), left, right
        case toggleScope, toggleDestination(ClaimDestination)
        case edit, add, remove
        case nextClient, previousClient, nextUser, previousUser, previewScopes, previewAudience
        case versions, rollback
    }

    enum Prompt: Equatable {
        case note
        case forceReason(note: String)
        case previewScopes, previewAudience
        case rollbackReason(version: Int)

        var label: String {
            switch self {
            case .note: return "Publish note (what this version changes): "
            case .forceReason: return "Reason for publishing breaking changes (audited): "
            case .previewScopes: return "Preview scopes (space-separated; empty: the client's): "
            case .previewAudience: return "Preview audience (space-separated; empty: default): "
            case .rollbackReason(let v): return "Reason for rolling back to v\(v) past the gate (audited): "
            }
        }
    }

    enum Mode {
        case browse
        case claimForm(Form, original: String?)
        case apiForm(Form, original: String?)
        case prompt(Prompt, TextField)
        /// The version history replaces the panes until Esc.
        case versions
    }

    let kind = ScreenKind.designer

    // The design.
    private var tenantID: String?
    private(set) var loaded = false
    private(set) var live = TokenDesign()
    /// The draft as edited here; saved to the engine after every valid edit.
    private(set) var draft = TokenDesign()
    /// The draft as the engine last confirmed it; nil when the tenant has none.
    private(set) var savedDraft: DesignDraft?
    private(set) var liveVersion = 0
    private(set) var diff = DesignDiff.between(TokenDesign(), TokenDesign())
    private var saving = false
    private var saveAgain = false
    private var savedMessage: String?

    // Panes and cursors.
    private(set) var focus = Pane.matrix
    private var editorPane = Pane.matrix
    private var viewerPane = Pane.preview
    private(set) var rows = ListState()
    private(set) var column = 0
    private var columnOffset = 0
    private(set) var apiList = ListState()
    private var scroll: [Pane: Int] = [:]
    private var paneHeight = 10
    private(set) var filter = ""
    private(set) var mode = Mode.browse

    // Preview and lint of the draft.
    private(set) var clients: [Client] = []
    private(set) var users: [User] = []
    private(set) var previewClient: String?
    private(set) var previewUser: String?
    private(set) var previewScopes = ""
    private(set) var previewAudience = ""
    private(set) var preview: TokenPreview?
    private(set) var previewError: String?
    private var previewGeneration = 0
    private(set) var findings: [LintFinding]?
    private(set) var lintError: String?
    private var lintGeneration = 0

    // The version history.
    private(set) var versions: [DesignVersion]?
    private(set) var versionsError: String?
    private(set) var versionList = ListState()
    private var versionScroll = 0

    // MARK: - Key maps (dispatch and help)

    static let commonKeys = KeyMap<Action>("Designer", [
        KeyBinding([.tab], .nextPane, "Next pane (matrix, APIs, preview, diff, lint)", hint: "pane"),
        KeyBinding([.backTab], .previousPane, "Previous pane"),
        KeyBinding([.char("p")], .publish, "Publish: the gate's dry run, then publish or force", destructive: true, hint: "publish"),
        KeyBinding([.char("X")], .discard, "Discard the draft", destructive: true),
        KeyBinding([.char("v")], .versions, "Version history: who published what and why; roll back to a version"),
        KeyBinding([.ctrl("r")], .reload, "Reload the live design and the draft"),
    ])

    /// One table for every pane: rows in the matrix and the APIs, scrolling in the others.
    static let movementKeys = KeyMap<Action>("Movement (matrix and API rows; scrolls preview, diff, lint)", ListMove.bindings(Action.move) + [
        KeyBinding([.left, .char("h")], .left, "Previous scope column (matrix)"),
        KeyBinding([.right, .char("l")], .right, "Next scope column (matrix)"),
    ])

    static let matrixKeys = KeyMap<Action>("Matrix pane (rows: claims, columns: scopes)", [
        KeyBinding([.char(" ")], .toggleScope, "Map / unmap the claim to the scope under the cursor", hint: "map"),
        KeyBinding([.char("A")], .toggleDestination(.accessToken), "Toggle destination access_token of the claim", hint: "I U N destinations"),
        KeyBinding([.char("I")], .toggleDestination(.idToken), "Toggle destination id_token of the claim"),
        KeyBinding([.char("U")], .toggleDestination(.userinfo), "Toggle destination userinfo of the claim"),
        KeyBinding([.char("N")], .toggleDestination(.introspection), "Toggle destination introspection of the claim"),
        KeyBinding([.enter, .char("e")], .edit, "Edit the claim: name, type, source, flags, scopes, destinations", hint: "edit"),
        KeyBinding([.char("n")], .add, "Add a claim"),
        KeyBinding([.char("D"), .delete], .remove, "Remove the claim from the draft", destructive: true),
    ])

    static let apiKeys = KeyMap<Action>("APIs pane", [
        KeyBinding([.enter, .char("e")], .edit, "Edit the API: audience, accepted scopes, required claims", hint: "edit"),
        KeyBinding([.char("n")], .add, "Add an API", hint: "add"),
        KeyBinding([.char("D"), .delete], .remove, "Remove the API from the draft", destructive: true),
    ])

    static let previewKeys = KeyMap<Action>("Preview pane", [
        KeyBinding([.char("c")], .nextClient, "Next client", hint: "client"),
        KeyBinding([.char("C")], .previousClient, "Previous client"),
        KeyBinding([.char("u")], .nextUser, "Next user (none first: a client_credentials token)", hint: "user"),
        KeyBinding([.char("U")], .previousUser, "Previous user"),
        KeyBinding([.char("s")], .previewScopes, "Scopes to ask for", hint: "scopes"),
        KeyBinding([.char("a")], .previewAudience, "Audience to ask for", hint: "audience"),
    ])

    static let versionKeys = KeyMap<Action>("Version history (Esc goes back; PgUp/PgDn scroll the detail)", [
        KeyBinding([.char("r"), .enter], .rollback, "Roll back: publish the selected version's design as a new version, through the gate",
                   destructive: true, hint: "roll back"),
        KeyBinding([.ctrl("r")], .reload, "Reload the versions"),
    ])

    /// The keys of the focused pane (diff and lint only scroll).
    static func keys(_ pane: Pane) -> KeyMap<Action>? {
        switch pane {
        case .matrix: return matrixKeys
        case .apis: return apiKeys
        case .preview: return previewKeys
        case .diff, .lint: return nil
        }
    }

    var helpEntries: [HelpEntry] {
        switch mode {
        case .claimForm, .apiForm:
            return [HelpEntry(keys: "Tab ↓ / S-Tab ↑", text: "Next / previous field"), HelpEntry(keys: "Enter", text: "Save to the draft (when valid)"),
                    HelpEntry(keys: "Esc", text: "Cancel, the draft unchanged")]
        case .prompt:
            return [HelpEntry(keys: "Enter", text: "Accept"), HelpEntry(keys: "Esc", text: "Cancel")]
        case .versions:
            return Self.versionKeys.helpEntries + [HelpEntry(keys: "↑ ↓ j k g G", text: "Select a version"),
                                                   HelpEntry(keys: "PgUp PgDn", text: "Scroll the selected version's detail"),
                                                   HelpEntry(keys: "Esc", text: "Back to the panes")]
        case .browse:
            var out = Self.commonKeys.helpEntries
            for map in [Self.movementKeys, Self.matrixKeys, Self.apiKeys, Self.previewKeys] {
                out.append(HelpEntry(keys: "", text: ""))
                out.append(HelpEntry(keys: "", text: map.title + ":"))
                out += map.helpEntries
            }
            out.append(HelpEntry(keys: "", text: ""))
            out.append(HelpEntry(keys: "", text: "Cells: " + DesignEdit.legend))
            return out
        }
    }

    var hintEntries: [HelpEntry] {
        if case .versions = mode { return Self.versionKeys.hintEntries }
        guard case .browse = mode else { return [] }
        return (Self.keys(focus)?.hintEntries ?? []) + Self.commonKeys.hintEntries
    }

    var filterHint: String { "text in claim or API names" }

    var crumb: String? {
        switch mode {
        case .claimForm(_, let original): return original.map { "edit claim \($0)" } ?? "add claim"
        case .apiForm(_, let original): return original.map { "edit API \($0)" } ?? "add API"
        case .prompt(let p, _):
            switch p {
            case .note, .forceReason: return "publish"
            case .previewScopes, .previewAudience: return "preview"
            case .rollbackReason: return "versions"
            }
        case .versions: return "versions"
        case .browse: return focus.title.lowercased() + (filter.isEmpty ? "" : " /" + filter)
        }
    }

    // MARK: - Loading and saving

    private struct Loaded: Sendable {
        var live: TokenDesign
        var draft: DesignDraft?
        var users: [User]
    }

    func activate(_ ctx: ConsoleContext) {
        if tenantID != ctx.tenantID {
            tenantID = ctx.tenantID
            mode = .browse
            loaded = false
            previewClient = nil
            previewUser = nil
            previewScopes = ""
            previewAudience = ""
            versions = nil
        }
        // A form or prompt left open keeps what was typed; Ctrl-R reloads once it is closed.
        guard case .browse = mode else { return }
        load(ctx)
    }

    func load(_ ctx: ConsoleContext) {
        let tid = ctx.tenantID
        do {
            clients = try ctx.engine.clients(tenantID: tid).sorted { $0.id < $1.id }
        } catch {
            clients = []
            ctx.fail(error)
        }
        if previewClient == nil || !clients.contains(where: { $0.id == previewClient }) { previewClient = clients.first?.id }
        ctx.run("design", { e throws(AdminError) in
            Loaded(live: try await e.design(tenantID: tid, .live), draft: try await e.designDraft(tenantID: tid), users: try await e.users(tenantID: tid))
        }) { [weak self] r in
            guard let self, ctx.tenantID == tid else { return }
            switch r {
            case .failure(let e): ctx.fail(e)
            case .success(let l):
                self.loaded = true
                self.live = l.live
                self.savedDraft = l.draft
                self.draft = l.draft?.design ?? l.live
                self.users = l.users.sorted { $0.username < $1.username }
                if let u = self.previewUser, !self.users.contains(where: { $0.id == u }) { self.previewUser = nil }
                self.liveVersion = ctx.engine.config.snapshot.tenants[tid]?.designVersion ?? 0
                self.draftChanged(ctx)
            }
        }
    }

    /// Validates `candidate`; if valid it becomes the draft and is saved, else the flash names the
    /// field and nothing changes. Returns whether it was valid.
    @discardableResult
    private func apply(_ candidate: TokenDesign, _ ctx: ConsoleContext, _ message: String) -> Bool {
        let candidate = candidate.owned(by: ctx.tenantID)
        do {
            try candidate.validate()
        } catch {
            ctx.fail(error)
            return false
        }
        guard candidate != draft else { return true }
        draft = candidate
        savedMessage = message
        save(ctx)
        draftChanged(ctx)
        return true
    }

    /// Saves the draft; edits made while a save runs are saved after it, in order.
    private func save(_ ctx: ConsoleContext) {
        if saving { saveAgain = true; return }
        saving = true
        let tid = ctx.tenantID, actor = ctx.actor, design = draft
        ctx.run("save design draft", { e throws(AdminError) in try await e.saveDesignDraft(tenantID: tid, design, actor: actor) }) { [weak self] r in
            guard let self else { return }
            self.saving = false
            switch r {
            case .failure(let e):
                self.saveAgain = false
                ctx.fail(e)
                self.load(ctx)
            case .success(let saved):
                self.savedDraft = saved
                if self.saveAgain {
                    self.saveAgain = false
                    self.save(ctx)
                } else if let m = self.savedMessage {
                    self.savedMessage = nil
                    ctx.flash(m + " (draft saved)")
                }
            }
        }
    }

    /// The draft changed (or was loaded): diff it, and lint and preview it again.
    private func draftChanged(_ ctx: ConsoleContext) {
        diff = DesignDiff.between(live, draft)
        rows.setCount(shownClaims.count)
        apiList.setCount(shownAPIs.count)
        column = min(column, max(0, DesignEdit.columns(draft).count - 1))
        lintGeneration += 1
        let generation = lintGeneration, tid = ctx.tenantID, design = draft
        ctx.run("lint draft", { e throws(AdminError) in try await e.lintDesign(tenantID: tid, design) }) { [weak self] r in
            guard let self, generation == self.lintGeneration else { return }
            switch r {
            case .failure(let e): self.findings = []; self.lintError = e.description
            case .success(let f): self.findings = f; self.lintError = nil
            }
        }
        refreshPreview(ctx)
    }

    private func refreshPreview(_ ctx: ConsoleContext) {
        previewGeneration += 1
        guard let client = previewClient else { preview = nil; previewError = nil; return }
        let generation = previewGeneration, design = draft
        let request = PreviewRequest(tenantID: ctx.tenantID, clientID: client, user: previewUser,
                                     scope: previewScopes.isEmpty ? nil : previewScopes,
                                     audiences: previewAudience.split(separator: " ").map(String.init))
        ctx.run("preview draft", { e throws(AdminError) in try await e.previewTokens(request, design: design) }) { [weak self] r in
            guard let self, generation == self.previewGeneration else { return }
            switch r {
            case .failure(let e): self.preview = nil; self.previewError = e.description
            case .success(let p): self.preview = p; self.previewError = nil
            }
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        rows.setCount(shownClaims.count)
        rows.select(0)
        apiList.setCount(shownAPIs.count)
        apiList.select(0)
    }

    var shownClaims: [ClaimDefinition] {
        let f = filter.lowercased()
        return f.isEmpty ? draft.claims : draft.claims.filter { $0.name.lowercased().contains(f) }
    }

    var shownAPIs: [APIResource] {
        let f = filter.lowercased()
        return f.isEmpty ? draft.apis : draft.apis.filter { $0.name.lowercased().contains(f) || $0.audience.lowercased().contains(f) }
    }

    private var selectedClaim: ClaimDefinition? { shownClaims.indices.contains(rows.selected) ? shownClaims[rows.selected] : nil }
    private var selectedAPI: APIResource? { shownAPIs.indices.contains(apiList.selected) ? shownAPIs[apiList.selected] : nil }
    private var selectedScope: String? {
        let columns = DesignEdit.columns(draft)
        return columns.indices.contains(column) ? columns[column] : nil
    }

    // MARK: - Keys

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        switch mode {
        case .claimForm(var form, let original):
            switch form.handle(key) {
            case .cancel: mode = .browse
            case .submit: submitClaim(form, original: original, ctx)
            case .edited:
                _ = validateClaim(&form, original: original, ctx)
                mode = .claimForm(form, original: original)
            case .moved: mode = .claimForm(form, original: original)
            case .ignored: break
            }
            return true
        case .apiForm(var form, let original):
            switch form.handle(key) {
            case .cancel: mode = .browse
            case .submit: submitAPI(form, original: original, ctx)
            case .edited:
                _ = validateAPI(&form, original: original, ctx)
                mode = .apiForm(form, original: original)
            case .moved: mode = .apiForm(form, original: original)
            case .ignored: break
            }
            return true
        case .prompt(let prompt, var field):
            switch key {
            case .escape: mode = showsVersions ? .versions : .browse
            case .enter: answer(prompt, field.text, ctx)
            default:
                field.handle(key)
                mode = .prompt(prompt, field)
            }
            return true
        case .versions:
            if key == .escape {
                mode = .browse
                return true
            }
            if let action = Self.versionKeys.action(for: key) {
                action == .reload ? openVersions(ctx) : startRollback(ctx)
                return true
            }
            if case .move(let m)? = Self.movementKeys.action(for: key) {
                switch m {
                case .pageUp: versionScroll = max(0, versionScroll - max(1, paneHeight / 2))
                case .pageDown: versionScroll += max(1, paneHeight / 2)
                default:
                    let before = versionList.selected
                    versionList.move(m)
                    if versionList.selected != before { versionScroll = 0 }
                }
                return true
            }
            return false
        case .browse:
            break
        }
        if let action = Self.commonKeys.action(for: key) ?? Self.keys(focus)?.action(for: key) ?? Self.movementKeys.action(for: key) {
            perform(action, ctx)
            return true
        }
        return false
    }

    private func perform(_ action: Action, _ ctx: ConsoleContext) {
        switch action {
        case .nextPane: focus(Pane(rawValue: (focus.rawValue + 1) % Pane.allCases.count)!)
        case .previousPane: focus(Pane(rawValue: (focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!)
        case .reload: load(ctx)
        case .publish: startPublish(ctx)
        case .discard: discard(ctx)
        case .move(let m): move(m)
        case .left: if focus == .matrix { column = max(0, column - 1) }
        case .right: if focus == .matrix { column = min(max(0, DesignEdit.columns(draft).count - 1), column + 1) }
        case .toggleScope:
            guard let c = selectedClaim, let s = selectedScope else { return }
            let mapped = c.scopes.contains(s)
            apply(DesignEdit.toggleScope(draft, claim: c.name, scope: s), ctx, "\(c.name) \(mapped ? "unmapped from" : "mapped to") \(s)")
        case .toggleDestination(let d):
            guard let c = selectedClaim else { return }
            let on = c.destinations.contains(d)
            apply(DesignEdit.toggleDestination(draft, claim: c.name, d), ctx, "\(c.name) \(on ? "no longer goes to" : "now goes to") \(d.rawValue)")
        case .edit:
            if focus == .matrix, let c = selectedClaim { mode = .claimForm(ClaimForm.make(c, scope: nil), original: c.name) }
            if focus == .apis, let a = selectedAPI { mode = .apiForm(APIForm.make(a), original: a.name) }
        case .add:
            if focus == .matrix {
                var form = ClaimForm.make(nil, scope: selectedScope)
                _ = validateClaim(&form, original: nil, ctx)
                mode = .claimForm(form, original: nil)
            }
            if focus == .apis {
                var form = APIForm.make(nil)
                _ = validateAPI(&form, original: nil, ctx)
                mode = .apiForm(form, original: nil)
            }
        case .remove:
            if focus == .matrix, let c = selectedClaim { confirmRemove("claim \(c.name)", DesignEdit.removeClaim(draft, c.name), ctx) }
            if focus == .apis, let a = selectedAPI { confirmRemove("API \(a.name) (\(a.audience))", DesignEdit.removeAPI(draft, a.name), ctx) }
        case .nextClient, .previousClient:
            guard !clients.isEmpty else { return }
            let i = clients.firstIndex { $0.id == previewClient } ?? -1
            previewClient = clients[(i + (action == .nextClient ? 1 : clients.count - 1)) % clients.count].id
            refreshPreview(ctx)
        case .nextUser, .previousUser:
            // Index 0 is "no user".
            let ids: [String?] = [nil] + users.map(\.id)
            let i = ids.firstIndex { $0 == previewUser } ?? 0
            previewUser = ids[(i + (action == .nextUser ? 1 : ids.count - 1)) % ids.count]
            refreshPreview(ctx)
        case .previewScopes: mode = .prompt(.previewScopes, TextField(previewScopes))
        case .previewAudience: mode = .prompt(.previewAudience, TextField(previewAudience))
        case .versions:
            mode = .versions
            versionScroll = 0
            openVersions(ctx)
        case .rollback: break  // only in the version history
        }
    }

    private func focus(_ pane: Pane) {
        focus = pane
        if pane.edits { editorPane = pane } else { viewerPane = pane }
    }

    private func move(_ m: ListMove) {
        switch focus {
        case .matrix: rows.move(m)
        case .apis: apiList.move(m)
        case .preview, .diff, .lint:
            let page = max(1, paneHeight - 1)
            let now = scroll[focus] ?? 0
            switch m {
            case .up: scroll[focus] = max(0, now - 1)
            case .down: scroll[focus] = now + 1
            case .pageUp: scroll[focus] = max(0, now - page)
            case .pageDown: scroll[focus] = now + page
            case .top: scroll[focus] = 0
            case .bottom: scroll[focus] = Int.max / 2
            }
        }
    }

    private func confirmRemove(_ what: String, _ candidate: TokenDesign, _ ctx: ConsoleContext) {
        // Checked before asking: a removal an API's contract forbids is refused with the field named.
        do {
            try candidate.owned(by: ctx.tenantID).validate()
        } catch {
            ctx.fail(error)
            return
        }
        ctx.present(Dialog(confirm: "Remove from the draft", lines: [
            Dialog.Line("Remove \(what) from the draft?"),
            Dialog.Line("Nothing changes for tokens until the draft is published; the diff shows what breaks.", role: .flashWarn),
        ], action: "Remove") { [weak self] in
            self?.apply(candidate, ctx, "Removed \(what)")
        })
    }

    // MARK: - Forms

    /// Validates the form as the engine would; marks the field at fault. The error names the
    /// design field ("claims.account-nbr.type") or, for what the form itself cannot read, the form field.
    private func validateClaim(_ form: inout Form, original: String?, _ ctx: ConsoleContext) -> Result<TokenDesign, AdminError> {
        validate(&form, ClaimForm.claim(form, tenantID: ctx.tenantID), ctx,
                 edit: { DesignEdit.replaceClaim(draft, original: original, with: $0) },
                 fieldKey: { ClaimForm.field($0, claim: $1.name) })
    }

    /// One path for both forms: what the form reads, put into the draft, validated by the engine;
    /// the field at fault marked (a design field mapped back to the form's, else the form's own).
    private func validate<Item>(_ form: inout Form, _ parsed: Result<Item, AdminError>, _ ctx: ConsoleContext,
                                edit: (Item) -> TokenDesign, fieldKey: (String?, Item) -> String?) -> Result<TokenDesign, AdminError> {
        switch parsed {
        case .failure(let e):
            form.setError(field: e.field, e.message)
            return .failure(e)
        case .success(let item):
            let candidate = edit(item).owned(by: ctx.tenantID)
            do {
                try candidate.validate()
                form.setError(field: nil, nil)
                return .success(candidate)
            } catch {
                let key = fieldKey(error.field, item)
                form.setError(field: key, key == nil ? error.description : error.message)
                return .failure(error)
            }
        }
    }

    private func submitClaim(_ form: Form, original: String?, _ ctx: ConsoleContext) {
        var form = form
        switch validateClaim(&form, original: original, ctx) {
        case .failure(let e):
            mode = .claimForm(form, original: original)
            ctx.flash(e.description + " (the draft is unchanged)", .error)
        case .success(let candidate):
            mode = .browse
            let name = form.value("name").trimmingCharacters(in: .whitespaces)
            apply(candidate, ctx, original == nil ? "Added claim \(name)" : "Saved claim \(name)")
            if let i = shownClaims.firstIndex(where: { $0.name == name }) { rows.select(i) }
        }
    }

    private func validateAPI(_ form: inout Form, original: String?, _ ctx: ConsoleContext) -> Result<TokenDesign, AdminError> {
        validate(&form, APIForm.api(form, tenantID: ctx.tenantID), ctx,
                 edit: { DesignEdit.replaceAPI(draft, original: original, with: $0) },
                 fieldKey: { APIForm.field($0, api: $1.name) })
    }

    private func submitAPI(_ form: Form, original: String?, _ ctx: ConsoleContext) {
        var form = form
        switch validateAPI(&form, original: original, ctx) {
        case .failure(let e):
            mode = .apiForm(form, original: original)
            ctx.flash(e.description + " (the draft is unchanged)", .error)
        case .success(let candidate):
            mode = .browse
            let name = form.value("name").trimmingCharacters(in: .whitespaces)
            apply(candidate, ctx, original == nil ? "Added API \(name)" : "Saved API \(name)")
            if let i = shownAPIs.firstIndex(where: { $0.name == name }) { apiList.select(i) }
        }
    }

    // MARK: - Prompts, publish, discard

    private func answer(_ prompt: Prompt, _ text: String, _ ctx: ConsoleContext) {
        let text = text.trimmingCharacters(in: .whitespaces)
        switch prompt {
        case .previewScopes:
            mode = .browse
            previewScopes = text
            refreshPreview(ctx)
        case .previewAudience:
            mode = .browse
            previewAudience = text
            refreshPreview(ctx)
        case .note:
            guard !text.isEmpty else { ctx.flash("note: say in a few words what this version changes", .error); return }
            mode = .browse
            dryRun(note: text, ctx)
        case .forceReason(let note):
            guard !text.isEmpty else { ctx.flash("reason: give the reason for overriding the gate; it is audited", .error); return }
            mode = .browse
            publish(note: note, forceReason: text, ctx)
        case .rollbackReason(let version):
            guard !text.isEmpty else { ctx.flash("reason: give the reason for overriding the gate; it is audited", .error); return }
            mode = .versions
            rollback(to: version, forceReason: text, ctx)
        }
    }

    private func startPublish(_ ctx: ConsoleContext) {
        guard loaded, !saving else { ctx.flash("The draft is still being saved; try again.", .warn); return }
        guard savedDraft != nil else { ctx.flash("No draft to publish: edit the matrix, a claim or an API first.", .warn); return }
        guard !diff.isEmpty else { ctx.flash("Nothing to publish: the draft is the live design (X discards it).", .warn); return }
        mode = .prompt(.note, TextField())
    }

    /// The gate's verdict first (a dry run), then a dialog: publish, or force with a reason.
    private func dryRun(note: String, _ ctx: ConsoleContext) {
        let tid = ctx.tenantID, actor = ctx.actor
        ctx.flash("Dry run of the publish…")
        ctx.run("publish dry run", { e throws(AdminError) in
            try await e.publishDesign(PublishRequest(tenantID: tid, note: note, dryRun: true), actor: actor)
        }) { [weak self] r in
            guard let self else { return }
            switch r {
            case .failure(let e): ctx.fail(e)
            case .success(let outcome):
                self.presentGate(outcome, refused: "Breaking changes: the gate refuses", verb: "Publish", force: .forceReason(note: note),
                                 confirm: ("Publish the design", "Publish version \(self.liveVersion + 1)"), ctx) { [weak self] in
                    self?.publish(note: note, forceReason: nil, ctx)
                }
            }
        }
    }

    private func publish(note: String, forceReason: String?, _ ctx: ConsoleContext) {
        let tid = ctx.tenantID, actor = ctx.actor
        ctx.run("publish design", { e throws(AdminError) in
            try await e.publishDesign(PublishRequest(tenantID: tid, note: note, forceReason: forceReason), actor: actor)
        }) { [weak self] r in self?.published(r, forced: forceReason != nil, ctx) }
    }

    /// Says what a publish or a rollback did, and shows the design as it now is.
    private func published(_ r: Result<PublishOutcome, AdminError>, forced: Bool, _ ctx: ConsoleContext) {
        switch r {
        case .failure(let e): ctx.fail(e)
        case .success(let outcome):
            if outcome.version != nil {
                ctx.flash("Gate: \(outcome.verdict)" + (forced && !outcome.diff.breaking.isEmpty ? " (breaking changes forced; reason audited)" : ""))
            } else {
                ctx.flash("Gate: \(outcome.verdict)", outcome.refused ? .error : .warn)
            }
        }
        load(ctx)
        if case .versions = mode { loadVersions(ctx) }
    }

    // MARK: - Versions and rollback

    /// The history and the live design it is compared with, both read again: another console or the
    /// CLI may have published since.
    private func openVersions(_ ctx: ConsoleContext) {
        load(ctx)
        loadVersions(ctx)
    }

    func loadVersions(_ ctx: ConsoleContext) {
        let tid = ctx.tenantID
        ctx.run("design versions", { e throws(AdminError) in try await e.designVersions(tenantID: tid) }) { [weak self] r in
            guard let self, ctx.tenantID == tid else { return }
            switch r {
            case .failure(let e): self.versionsError = e.description
            case .success(let v):
                self.versionsError = nil
                self.versions = v.reversed()
                self.versionList.setCount(v.count)
            }
        }
    }

    private var selectedVersion: DesignVersion? {
        guard let versions, versions.indices.contains(versionList.selected) else { return nil }
        return versions[versionList.selected]
    }

    /// The gate's verdict on rolling back (a dry run), then a dialog: roll back, or force with a reason.
    private func startRollback(_ ctx: ConsoleContext) {
        guard let v = selectedVersion else { return }
        guard v.number != liveVersion else { ctx.flash("Version \(v.number) is the live version: nothing to roll back to.", .warn); return }
        let tid = ctx.tenantID, actor = ctx.actor, number = v.number, next = liveVersion + 1
        ctx.flash("Dry run of the rollback to version \(number)…")
        ctx.run("rollback dry run", { e throws(AdminError) in
            try await e.rollbackDesign(tenantID: tid, to: number, note: nil, forceReason: nil, dryRun: true, actor: actor)
        }) { [weak self] r in
            guard let self else { return }
            switch r {
            case .failure(let e): ctx.fail(e)
            case .success(let outcome):
                guard outcome.changed else { ctx.flash("Version \(number) is the live design: rolling back would change nothing.", .warn); return }
                self.presentGate(outcome, intro: [Dialog.Line("Publishes version \(number)'s design as version \(next); tokens issued from then on carry it.")],
                                 refused: "Rolling back breaks API contracts", verb: "Roll back", force: .rollbackReason(version: number),
                                 confirm: ("Roll back to version \(number)", "Roll back as version \(next)"), ctx) { [weak self] in
                    self?.rollback(to: number, forceReason: nil, ctx)
                }
            }
        }
    }

    private func rollback(to number: Int, forceReason: String?, _ ctx: ConsoleContext) {
        let tid = ctx.tenantID, actor = ctx.actor
        ctx.run("roll back design", { e throws(AdminError) in
            try await e.rollbackDesign(tenantID: tid, to: number, note: nil, forceReason: forceReason, actor: actor)
        }) { [weak self] r in self?.published(r, forced: forceReason != nil, ctx) }
    }

    /// The gate's dry-run verdict as a dialog (Cancel focused): when it refuses, "Force with a reason…"
    /// opens `force`, the prompt for the audited reason; otherwise `confirm`'s action runs `onConfirm`.
    private func presentGate(_ outcome: PublishOutcome, intro: [Dialog.Line] = [], refused title: String, verb: String, force: Prompt,
                             confirm: (title: String, action: String), _ ctx: ConsoleContext, onConfirm: @escaping () -> Void) {
        let lines = intro + Self.verdictLines(outcome, liveVersion: liveVersion)
        if outcome.refused {
            ctx.present(Dialog(confirm: title, lines: lines + [
                Dialog.Line(""),
                Dialog.Line("\(verb) anyway only once these APIs are ready; the reason is audited.", role: .flashWarn),
            ], action: "Force with a reason…") { [weak self] in
                self?.mode = .prompt(force, TextField())
            })
        } else {
            ctx.present(Dialog(confirm: confirm.title, lines: lines, action: confirm.action, onConfirm: onConfirm))
        }
    }

    /// The dry run in dialog lines: the verdict, the changes, what breaks, the lint's errors.
    static func verdictLines(_ o: PublishOutcome, liveVersion: Int) -> [Dialog.Line] {
        let width = 72
        // The verdict without the command-line advice that ends a refusal ("publish with --force ...").
        let verdict = o.verdict.components(separatedBy: "; publish with --force").first ?? o.verdict
        var lines = DesignText.wrap("Gate: " + verdict, width: width, indent: "  ").map { Dialog.Line($0, role: o.refused ? .flashError : .statusActive) }
        lines += DesignText.wrap("Changes from version \(liveVersion): \(Present.count(o.diff.claimChanges.count, "claim change")), "
                                 + "\(Present.count(o.diff.otherChanges.count, "other change")), \(o.diff.breaking.count) breaking", width: width)
            .map { Dialog.Line($0) }
        for b in o.diff.breaking.prefix(4) {
            lines += DesignText.wrap("! " + b.message, width: width, indent: "  ").map { Dialog.Line($0, role: .flashError) }
        }
        if o.diff.breaking.count > 4 { lines.append(Dialog.Line("  and \(o.diff.breaking.count - 4) more (the Diff pane lists them)", role: .flashError)) }
        let errors = o.findings.filter { $0.severity == .error }
        lines.append(Dialog.Line("Lint: " + DesignText.count(o.findings), role: errors.isEmpty ? .dialog : .flashWarn))
        for f in errors.prefix(2) {
            lines += DesignText.wrap("✕ " + f.message, width: width, indent: "  ").map { Dialog.Line($0, role: .flashWarn) }
        }
        return lines
    }

    private func discard(_ ctx: ConsoleContext) {
        guard let saved = savedDraft, !saving else {
            ctx.flash(saving ? "The draft is still being saved; try again." : "No draft to discard: this is live version \(liveVersion).", .warn)
            return
        }
        let tid = ctx.tenantID, actor = ctx.actor
        ctx.present(Dialog(confirm: "Discard the draft", lines: [
            Dialog.Line("Discard the draft started from version \(saved.baseVersion)?"),
            Dialog.Line("Its changes are lost: \(Present.count(diff.claimChanges.count + diff.otherChanges.count, "change")).", role: .flashWarn),
        ], action: "Discard draft") { [weak self] in
            ctx.run("discard design draft", { e throws(AdminError) in try await e.discardDesignDraft(tenantID: tid, actor: actor) }) { r in
                switch r {
                case .failure(let e): ctx.fail(e)
                case .success: ctx.flash("Draft discarded; showing live version \(self?.liveVersion ?? 0).")
                }
                self?.load(ctx)
            }
        })
    }

    // MARK: - Drawing

    /// Wide terminals show an editing pane and a viewing pane side by side.
    static let splitWidth = 120

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        switch mode {
        case .claimForm(let form, _), .apiForm(let form, _):
            form.draw(in: area, grid: &grid)
            return
        default: break
        }
        guard area.height >= 4 else { return }
        var body = area
        if case .prompt(let prompt, let field) = mode {
            let x = grid.put(prompt.label, x: area.x, y: area.maxY - 1, role: .accent, limit: area.width)
            field.draw(x: x, y: area.maxY - 1, width: max(10, area.maxX - x), grid: &grid)
            body.height -= 1
        }
        if showsVersions {
            paneHeight = body.height
            DesignVersionsView.draw(versions, error: versionsError, live: live, liveVersion: liveVersion, list: &versionList,
                                    detailScroll: versionScroll, in: body, grid: &grid)
            return
        }
        drawPaneBar(y: area.y, width: area.width, x: area.x, &grid)
        body.y += 1
        body.height -= 1
        guard loaded else {
            grid.put("Loading the design…", x: body.x + 1, y: body.y, role: .muted)
            return
        }
        if area.width >= Self.splitWidth {
            let left = Rect(x: body.x, y: body.y, width: body.width * 11 / 20, height: body.height)
            for y in body.y..<body.maxY { grid.put("│", x: left.maxX, y: y, role: .border) }
            let right = Rect(x: left.maxX + 2, y: body.y, width: body.maxX - left.maxX - 2, height: body.height)
            drawPane(editorPane, in: left, focused: focus == editorPane, &grid)
            drawPane(viewerPane, in: right, focused: focus == viewerPane, &grid)
        } else {
            drawPane(focus, in: body, focused: true, &grid)
        }
    }

    /// The version history shows while it is open and while a rollback's reason is asked for.
    private var showsVersions: Bool {
        switch mode {
        case .versions, .prompt(.rollbackReason, _): return true
        default: return false
        }
    }

    private func drawPaneBar(y: Int, width: Int, x: Int, _ grid: inout CellGrid) {
        var cx = x
        for p in Pane.allCases {
            var label = p.title
            if p == .diff, !diff.isEmpty {
                let changes = diff.claimChanges.count + diff.otherChanges.count
                label += " \(changes)" + (diff.breaking.isEmpty ? "" : "!")
            }
            if p == .lint, let f = findings { label += " \(f.count)" }
            cx = grid.put(p == focus ? "[\(label)]" : " \(label) ", x: cx, y: y, role: p == focus ? .selection : .muted)
        }
        var status = "live v\(liveVersion)"
        if let d = savedDraft {
            status += saving ? " · draft saving…" : " · draft saved"
            if d.baseVersion != liveVersion { status += " · ⚠ draft from v\(d.baseVersion): an edit rebases it" }
        } else {
            status += " · no draft (an edit starts one)"
        }
        if !diff.breaking.isEmpty { status += " · ⚠ \(diff.breaking.count) breaking" }
        grid.put(" │ " + status, x: cx, y: y, role: diff.breaking.isEmpty ? .muted : .flashWarn, limit: max(0, x + width - cx))
    }

    private func drawPane(_ pane: Pane, in area: Rect, focused: Bool, _ grid: inout CellGrid) {
        paneHeight = area.height
        switch pane {
        case .matrix: drawMatrix(in: area, focused: focused, &grid)
        case .apis: drawAPIs(in: area, focused: focused, &grid)
        case .preview, .diff, .lint:
            let lines: [PaneLine]
            switch pane {
            case .preview:
                let user = previewUser.flatMap { id in users.first { $0.id == id } }.map { "\($0.username) (\($0.id))" } ?? "none: a client_credentials token"
                lines = DesignPanes.preview(DesignPanes.PreviewInput(client: previewClient, user: user, scopes: previewScopes, audience: previewAudience,
                                                                     preview: preview, error: previewError, loading: previewClient != nil),
                                            width: area.width)
            case .diff: lines = DesignPanes.diff(diff, liveVersion: liveVersion, width: area.width)
            default: lines = DesignPanes.lint(findings, error: lintError, width: area.width)
            }
            scroll[pane] = PaneLine.draw(lines, scroll: scroll[pane] ?? 0, in: area, grid: &grid)
        }
    }

    private func drawMatrix(in area: Rect, focused: Bool, _ grid: inout CellGrid) {
        let claims = shownClaims
        let columns = DesignEdit.columns(draft)
        let detailHeight = area.height >= 12 ? 5 : area.height >= 8 ? 2 : 0
        let claimWidth = min(20, max(8, (claims.map { DisplayWidth.of($0.name) }.max() ?? 5) + 2))
        let widths = columns.map { min(13, max(4, DisplayWidth.of($0))) }
        let flagsWidth = 7
        // Scope columns that fit, scrolled so the cursor's column shows.
        let room = area.width - claimWidth - 1 - flagsWidth - 1
        func fits(from start: Int) -> Int {
            var used = 0, n = 0
            for w in widths.dropFirst(start) {
                if used + w + 1 > room { break }
                used += w + 1
                n += 1
            }
            return max(1, n)
        }
        column = min(column, max(0, columns.count - 1))
        if column < columnOffset { columnOffset = column }
        while columnOffset < column, column >= columnOffset + fits(from: columnOffset) { columnOffset += 1 }
        let visible = columns.isEmpty ? 0..<0 : columnOffset..<min(columns.count, columnOffset + fits(from: columnOffset))

        // Header.
        grid.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), role: .columnHeader)
        var x = grid.put((columnOffset > 0 ? "‹ CLAIM" : "CLAIM").padded(to: claimWidth), x: area.x, y: area.y, role: .columnHeader) + 1
        for i in visible {
            x = grid.put(columns[i].padded(to: widths[i]), x: x, y: area.y, role: .columnHeader, limit: area.maxX - x) + 1
        }
        if visible.upperBound < columns.count { x = grid.put("›", x: x - 1, y: area.y, role: .columnHeader) + 1 }
        x = grid.put("FLAGS".padded(to: flagsWidth), x: x, y: area.y, role: .columnHeader, limit: max(0, area.maxX - x)) + 1
        let sourceX = x
        if area.maxX - sourceX >= 10 { grid.put("SOURCE", x: sourceX, y: area.y, role: .columnHeader, limit: area.maxX - sourceX) }

        // Rows.
        rows.setVisible(max(1, area.height - 1 - detailHeight))
        rows.setCount(claims.count)
        if claims.isEmpty {
            grid.put(filter.isEmpty ? "No claims; n adds one." : "No claim matches.", x: area.x + 1, y: area.y + 1, role: .muted)
            return
        }
        for line in 0..<min(rows.visible, claims.count - rows.offset) {
            let index = rows.offset + line
            let c = claims[index]
            let y = area.y + 1 + line
            let isRow = index == rows.selected
            var x = grid.put(((isRow ? "▸ " : "  ") + c.name).padded(to: claimWidth), x: area.x, y: y, role: isRow && focused ? .accent : .text) + 1
            for i in visible {
                let isCell = isRow && i == column
                let text = DesignEdit.cell(c, scope: columns[i])
                x = grid.put(text.padded(to: widths[i]), x: x, y: y, role: isCell ? (focused ? .selection : .accent) : (text == "·" ? .muted : .text),
                             limit: area.maxX - x) + 1
            }
            if visible.upperBound < columns.count { x += 1 }
            let flags = [c.isPII ? "pii" : "", c.isRequired ? "req" : ""].filter { !$0.isEmpty }.joined(separator: " ")
            x = grid.put(flags.padded(to: flagsWidth), x: x, y: y, role: c.isPII ? .flashWarn : .text, limit: max(0, area.maxX - x)) + 1
            if area.maxX - x >= 10 { grid.put(("\(c.type) · " + DesignText.source(c.source)).fitted(to: area.maxX - x), x: x, y: y, role: .muted) }
        }
        if claims.count > rows.visible {
            let label = " \(rows.selected + 1)/\(claims.count) "
            grid.put(label, x: area.maxX - DisplayWidth.of(label), y: area.y + 1 + rows.visible - 1, role: .muted)
        }

        // The cell under the cursor, in words.
        guard detailHeight > 0, let c = selectedClaim else { return }
        var lines: [PaneLine] = []
        if let s = selectedScope {
            lines.append(c.scopes.contains(s)
                ? PaneLine("\(c.name) × \(s): mapped → \(c.destinations.map(\.rawValue).joined(separator: ", "))  (space unmaps)", .accent)
                : PaneLine("\(c.name) × \(s): not mapped  (space maps it)", .accent))
        }
        let requiredBy = draft.apis.compactMap { a -> String? in
            let scopes = a.requiredClaims.keys.sorted().filter { a.requiredClaims[$0]!.contains(c.name) }
            return scopes.isEmpty ? nil : "\(a.name) (\(scopes.joined(separator: ", ")))"
        }
        lines.append(PaneLine("\(c.type) · \(DesignText.source(c.source))" + (c.isPII ? " · personal data" : "") + (c.isRequired ? " · required" : "")))
        lines.append(PaneLine(requiredBy.isEmpty ? "no API requires it" : "required by API " + requiredBy.joined(separator: ", ")))
        lines.append(PaneLine(DesignEdit.legend, .muted))
        let top = area.maxY - detailHeight
        for (i, l) in lines.suffix(detailHeight == 2 ? 2 : 4).enumerated() {
            grid.put(l.text.fitted(to: area.width), x: area.x, y: top + 1 + i - (detailHeight == 2 ? 1 : 0), role: l.role, limit: area.width)
        }
    }

    static let apiColumns = [Column("API", 12), Column("AUDIENCE", 24, flexible: true), Column("SCOPES", 20), Column("REQUIRED CLAIMS", 30)]

    private func drawAPIs(in area: Rect, focused: Bool, _ grid: inout CellGrid) {
        let apis = shownAPIs
        let detailHeight = area.height >= 12 ? 4 : 0
        let rowsArea = Rect(x: area.x, y: area.y, width: area.width, height: area.height - detailHeight)
        Table.draw(Self.apiColumns, rows: apis.map { a in
            [TableCell(a.name), TableCell(a.audience), TableCell(a.scopes.joined(separator: " ")), TableCell(APIForm.contract(a))]
        }, state: &apiList, in: rowsArea, grid: &grid, focused: focused, empty: filter.isEmpty ? "No APIs; n adds one." : "No API matches.")
        guard detailHeight > 0, let a = selectedAPI else { return }
        var lines = [PaneLine("\(a.name) · audience \(a.audience) · accepts \(a.scopes.joined(separator: " "))", .accent)]
        let contract = a.scopes.map { s in "\(s): \((a.requiredClaims[s] ?? []).isEmpty ? "nothing" : a.requiredClaims[s]!.joined(separator: " "))" }
        lines += DesignText.wrap("requires " + contract.joined(separator: "; "), width: area.width, indent: "  ").map { PaneLine($0) }
        for (i, l) in lines.prefix(detailHeight - 1).enumerated() {
            grid.put(l.text.fitted(to: area.width), x: area.x, y: area.maxY - detailHeight + 1 + i, role: l.role, limit: area.width)
        }
    }
}
