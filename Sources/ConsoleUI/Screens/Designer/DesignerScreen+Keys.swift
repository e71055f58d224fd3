import AuthEngine
import Foundation

/// The designer's keys: the key maps (dispatch and help, one table each), what the shell shows of the
/// screen (help, hints, breadcrumb), and what each key does in each mode.
extension DesignerScreen {
    static let commonKeys = KeyMap<Action>(
        "Designer",
        [
            KeyBinding([.tab], .nextPane, "Next pane (matrix, APIs, preview, diff, lint)", hint: "pane"),
            KeyBinding([.backTab], .previousPane, "Previous pane"),
            KeyBinding([.char("p")], .publish, "Publish: the gate's dry run, then publish or force", destructive: true, hint: "publish"),
            KeyBinding([.char("X")], .discard, "Discard the draft", destructive: true),
            KeyBinding([.char("v")], .versions, "Version history: who published what and why; roll back to a version"),
            KeyBinding([.ctrl("r")], .reload, "Reload the live design and the draft"),
        ]
    )

    /// One table for every pane: rows in the matrix and the APIs, scrolling in the others.
    static let movementKeys = KeyMap<Action>(
        "Movement (matrix and API rows; scrolls preview, diff, lint)",
        ListMove.bindings(Action.move) + [
            KeyBinding([.left, .char("h")], .left, "Previous scope column (matrix)"),
            KeyBinding([.right, .char("l")], .right, "Next scope column (matrix)"),
        ]
    )

    static let matrixKeys = KeyMap<Action>(
        "Matrix pane (rows: claims, columns: scopes)",
        [
            KeyBinding([.char(" ")], .toggleScope, "Map / unmap the claim to the scope under the cursor", writes: true, hint: "map"),
            KeyBinding(
                [.char("A")],
                .toggleDestination(.accessToken),
                "Toggle destination access_token of the claim",
                writes: true,
                hint: "I U N destinations"
            ),
            KeyBinding([.char("I")], .toggleDestination(.idToken), "Toggle destination id_token of the claim", writes: true),
            KeyBinding([.char("U")], .toggleDestination(.userinfo), "Toggle destination userinfo of the claim", writes: true),
            KeyBinding([.char("N")], .toggleDestination(.introspection), "Toggle destination introspection of the claim", writes: true),
            KeyBinding([.enter, .char("e")], .edit, "Edit the claim: name, type, source, flags, scopes, destinations", writes: true, hint: "edit"),
            KeyBinding([.char("n")], .add, "Add a claim", writes: true),
            KeyBinding([.char("D"), .delete], .remove, "Remove the claim from the draft", destructive: true),
        ]
    )

    static let apiKeys = KeyMap<Action>(
        "APIs pane",
        [
            KeyBinding([.enter, .char("e")], .edit, "Edit the API: audience, accepted scopes, required claims", writes: true, hint: "edit"),
            KeyBinding([.char("n")], .add, "Add an API", writes: true, hint: "add"),
            KeyBinding([.char("D"), .delete], .remove, "Remove the API from the draft", destructive: true),
        ]
    )

    static let previewKeys = KeyMap<Action>(
        "Preview pane",
        [
            KeyBinding([.char("c")], .nextClient, "Next client", hint: "client"),
            KeyBinding([.char("C")], .previousClient, "Previous client"),
            KeyBinding([.char("u")], .nextUser, "Next user (none first: a client_credentials token)", hint: "user"),
            KeyBinding([.char("U")], .previousUser, "Previous user"),
            KeyBinding([.char("s")], .previewScopes, "Scopes to ask for", hint: "scopes"),
            KeyBinding([.char("a")], .previewAudience, "Audience to ask for", hint: "audience"),
        ]
    )

    static let versionKeys = KeyMap<Action>(
        "Version history (Esc goes back; PgUp/PgDn scroll the detail)",
        [
            KeyBinding(
                [.char("r"), .enter],
                .rollback,
                "Roll back: publish the selected version's design as a new version, through the gate",
                destructive: true,
                hint: "roll back"
            ),
            KeyBinding([.ctrl("r")], .reload, "Reload the versions"),
        ]
    )

    /// The keys of the focused pane (diff and lint only scroll).
    static func keys(_ pane: Pane) -> KeyMap<Action>? {
        switch pane {
        case .matrix: return matrixKeys
        case .apis: return apiKeys
        case .preview: return previewKeys
        case .diff, .lint: return nil
        }
    }

    /// Edits save the draft to the store, so read-only mode refuses them as it refuses publishing.
    func write(for key: Key) -> String? {
        switch mode {
        case .versions: return Self.versionKeys.write(for: key)
        case .browse: return Self.commonKeys.write(for: key) ?? Self.keys(focus)?.write(for: key)
        default: return nil
        }
    }

    var helpEntries: [HelpEntry] {
        switch mode {
        case .claimForm, .apiForm:
            return [
                HelpEntry(keys: "Tab ↓ / S-Tab ↑", text: "Next / previous field"), HelpEntry(keys: "Enter", text: "Save to the draft (when valid)"),
                HelpEntry(keys: "Esc", text: "Cancel, the draft unchanged"),
            ]
        case .prompt:
            return [HelpEntry(keys: "Enter", text: "Accept"), HelpEntry(keys: "Esc", text: "Cancel")]
        case .versions:
            return Self.versionKeys.helpEntries + [
                HelpEntry(keys: "↑ ↓ j k g G", text: "Select a version"),
                HelpEntry(keys: "PgUp PgDn", text: "Scroll the selected version's detail"),
                HelpEntry(keys: "Esc", text: "Back to the panes"),
            ]
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

    func perform(_ action: Action, _ ctx: ConsoleContext) {
        switch action {
        case .nextPane: focus(Pane(rawValue: (focus.rawValue + 1) % Pane.allCases.count)!)
        case .previousPane: focus(Pane(rawValue: (focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!)
        case .reload: load(ctx)
        case .publish: startPublish(ctx)
        case .discard: discard(ctx)
        case .move(let m): move(m)
        case .left: if focus == .matrix { matrix.left() }
        case .right: if focus == .matrix { matrix.right(draft) }
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

    func focus(_ pane: Pane) {
        focus = pane
        if pane.edits { editorPane = pane } else { viewerPane = pane }
    }

    func move(_ m: ListMove) {
        switch focus {
        case .matrix: matrix.move(m)
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
}
