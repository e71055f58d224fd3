import AuthEngine
import Foundation
import JOSE

/// The token designer: the scope × claim matrix with destination toggles, claim and API editing, a
/// preview of the draft through the issuance code, the diff against the live version, the lint, and
/// publishing through the contract gate, and the version history with rollback (through the same
/// gate). Every edit is validated first (an invalid edit changes nothing and the flash names the
/// field), then saved as the tenant's draft.
///
/// Split by concern: key maps and help in `Designer/DesignerScreen+Keys.swift`, forms, prompts,
/// publishing and versions in `Designer/DesignerScreen+Edits.swift`, drawing in
/// `Designer/DesignerScreen+Drawing.swift`; the matrix is a `MatrixPane` value and the gate a
/// `DesignGateFlow`. State those files change is internal here rather than private.
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
        case move(ListMove)
        case left, right
        case toggleScope
        case toggleDestination(ClaimDestination)
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
    private(set) var saving = false
    private var saveAgain = false
    private var savedMessage: String?

    // Panes and cursors (drawing sets what fits: rows, column offsets, scroll positions).
    var focus = Pane.matrix
    var editorPane = Pane.matrix
    var viewerPane = Pane.preview
    var matrix = MatrixPane()
    var apiList = ListState()
    var scroll: [Pane: Int] = [:]
    var paneHeight = 10
    private(set) var filter = ""
    var mode = Mode.browse

    // Preview and lint of the draft.
    private(set) var clients: [Client] = []
    private(set) var users: [User] = []
    var previewClient: String?
    var previewUser: String?
    var previewScopes = ""
    var previewAudience = ""
    private(set) var preview: TokenPreview?
    private(set) var previewError: String?
    private var previewGeneration = 0
    private(set) var findings: [LintFinding]?
    private(set) var lintError: String?
    private var lintGeneration = 0

    // The version history.
    var versions: [DesignVersion]?
    var versionsError: String?
    var versionList = ListState()
    var versionScroll = 0

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
        ctx.run(
            "design",
            { e throws(AdminError) in
                Loaded(
                    live: try await e.design(tenantID: tid, .live),
                    draft: try await e.designDraft(tenantID: tid),
                    users: try await e.users(tenantID: tid)
                )
            }
        ) { [weak self] r in
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
    func apply(_ candidate: TokenDesign, _ ctx: ConsoleContext, _ message: String) -> Bool {
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
        if saving {
            saveAgain = true
            return
        }
        saving = true
        let tid = ctx.tenantID
        let actor = ctx.actor
        let design = draft
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
        matrix.setCount(shownClaims.count)
        apiList.setCount(shownAPIs.count)
        matrix.clampColumn(draft)
        lintGeneration += 1
        let generation = lintGeneration
        let tid = ctx.tenantID
        let design = draft
        ctx.run("lint draft", { e throws(AdminError) in try await e.lintDesign(tenantID: tid, design) }) { [weak self] r in
            guard let self, generation == self.lintGeneration else { return }
            switch r {
            case .failure(let e):
                self.findings = []
                self.lintError = e.description
            case .success(let f):
                self.findings = f
                self.lintError = nil
            }
        }
        refreshPreview(ctx)
    }

    func refreshPreview(_ ctx: ConsoleContext) {
        previewGeneration += 1
        guard let client = previewClient else {
            preview = nil
            previewError = nil
            return
        }
        let generation = previewGeneration
        let design = draft
        let request = PreviewRequest(
            tenantID: ctx.tenantID,
            clientID: client,
            user: previewUser,
            scope: previewScopes.isEmpty ? nil : previewScopes,
            audiences: previewAudience.split(separator: " ").map(String.init)
        )
        ctx.run("preview draft", { e throws(AdminError) in try await e.previewTokens(request, design: design) }) { [weak self] r in
            guard let self, generation == self.previewGeneration else { return }
            switch r {
            case .failure(let e):
                self.preview = nil
                self.previewError = e.description
            case .success(let p):
                self.preview = p
                self.previewError = nil
            }
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        matrix.setCount(shownClaims.count)
        matrix.select(0)
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

    var selectedClaim: ClaimDefinition? { matrix.selectedClaim(shownClaims) }
    var selectedAPI: APIResource? { shownAPIs.indices.contains(apiList.selected) ? shownAPIs[apiList.selected] : nil }
    var selectedScope: String? { matrix.selectedScope(draft) }

    /// The version history shows while it is open and while a rollback's reason is asked for.
    var showsVersions: Bool {
        switch mode {
        case .versions, .prompt(.rollbackReason, _): return true
        default: return false
        }
    }
}
