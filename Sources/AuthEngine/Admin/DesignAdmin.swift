import Foundation
import JOSE

/// Which design of a tenant to look at.
public enum DesignRef: Sendable, Hashable, CustomStringConvertible {
    /// What tokens are issued under now.
    case live
    /// The draft being edited.
    case draft
    /// A published version.
    case version(Int)

    public var description: String {
        switch self {
        case .live: return "live"
        case .draft: return "draft"
        case .version(let n): return "version \(n)"
        }
    }
}

/// A client as a tenant file declares it: its `client_id` and its settings.
public struct DeclaredClient: Sendable, Hashable {
    public var id: String
    public var spec: ClientSpec

    public init(id: String, spec: ClientSpec) {
        self.id = id
        self.spec = spec
    }
}

/// What to publish: the draft, or a whole design (a file applied, a version rolled back to), and
/// optionally clients that go live with it.
public struct PublishRequest: Sendable {
    public var tenantID: String
    /// nil: the tenant's draft.
    public var design: TokenDesign?
    /// Clients to register or update in the same transaction (config as code); nil: clients untouched.
    public var clients: [DeclaredClient]?
    public var note: String
    /// Publishes breaking changes anyway; the reason is audited. nil or empty: the gate refuses them.
    public var forceReason: String?
    /// Computes the diff and the lint, changes nothing.
    public var dryRun: Bool
    var rolledBackFrom: Int?

    public init(
        tenantID: String,
        design: TokenDesign? = nil,
        clients: [DeclaredClient]? = nil,
        note: String,
        forceReason: String? = nil,
        dryRun: Bool = false
    ) {
        self.tenantID = tenantID
        self.design = design
        self.clients = clients
        self.note = note
        self.forceReason = forceReason
        self.dryRun = dryRun
    }
}

/// What a publish did or would do.
public struct PublishOutcome: Sendable {
    public var diff: DesignDiff
    public var findings: [LintFinding]
    /// The new version; nil on a dry run, a refusal, or when nothing changed.
    public var version: Int?
    /// True when the contract gate refused breaking changes (nothing was changed).
    public var refused: Bool
    /// Clients registered by the publish, each with its secret shown this once.
    public var createdClients: [ClientWithSecret] = []
    public var updatedClients: [String] = []
    /// The CAEP token-claims-change events the publish sent to subscribed APIs.
    public var claimsChange = ClaimsChangeReport()

    public var changed: Bool { !diff.isEmpty || !createdClients.isEmpty || !updatedClients.isEmpty }

    /// The gate's verdict in one line.
    public var verdict: String {
        if refused {
            return
                "refused: breaking changes for API\(diff.affectedAPIs.count == 1 ? "" : "s") \(diff.affectedAPIs.joined(separator: ", ")); publish with --force --reason \"...\" once they are ready"
        }
        if !changed { return "nothing to publish: the design is the live one" }
        if let version { return (["published as version \(version)"] + [claimsChange.summary].compactMap { $0 }).joined(separator: "; ") }
        if diff.claimChanges.isEmpty && !diff.otherChanges.contains(where: { !$0.hasPrefix("client ") }) {
            return "the design is unchanged; only clients change (no new version)"
        }
        return diff.breaking.isEmpty ? "would publish (no breaking changes)" : "would publish (breaking changes forced)"
    }
}

extension ClaimdeckEngine {
    /// The design `ref` names. `.draft` without a draft is the live design (editing starts from it).
    public func design(tenantID: String, _ ref: DesignRef) async throws(AdminError) -> TokenDesign {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        switch ref {
        case .live: return TokenDesign.live(tenantID: tenantID, snapshot: snapshot)
        case .draft: return try await designDraft(tenantID: tenantID)?.design ?? TokenDesign.live(tenantID: tenantID, snapshot: snapshot)
        case .version(let n): return try await designVersion(tenantID: tenantID, number: n).design
        }
    }

    /// The tenant's draft design, if one is being edited.
    public func designDraft(tenantID: String) async throws(AdminError) -> DesignDraft? {
        try await storeCall { try await store.designDraft(tenantID: tenantID) }
    }

    /// Every published version of the tenant's design, oldest first.
    public func designVersions(tenantID: String) async throws(AdminError) -> [DesignVersion] {
        guard config.snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        return try await storeCall { try await store.designVersions(tenantID: tenantID) }
    }

    /// One published version; an error naming the versions command when there is no such number.
    public func designVersion(tenantID: String, number: Int) async throws(AdminError) -> DesignVersion {
        guard let v = try await storeCall({ try await store.designVersion(tenantID: tenantID, number: number) }) else {
            throw .invalid(
                field: "version",
                "tenant '\(Validation.printable(tenantID))' has no design version \(number); 'claimdeck design versions' lists them"
            )
        }
        return v
    }

    /// Saves the draft (validated first: a draft that could not be published is refused at once).
    public func saveDesignDraft(tenantID: String, _ design: TokenDesign, actor: String) async throws(AdminError) -> DesignDraft {
        guard let tenant = config.snapshot.tenants[tenantID] else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        let design = design.owned(by: tenantID)
        try design.validate()
        let now = clock.now()
        let draft = DesignDraft(tenantID: tenantID, design: design, baseVersion: tenant.designVersion, author: actor, updatedAt: now)
        try await applyConfig(
            [.putDesignDraft(draft)],
            audit: [
                AuditEventDraft(
                    time: now,
                    type: .designDraftSaved,
                    tenantID: tenantID,
                    actor: actor,
                    details: ["base_version": "\(tenant.designVersion)"]
                )
            ]
        )
        return draft
    }

    /// Throws the draft away (audited); the live design is unchanged.
    public func discardDesignDraft(tenantID: String, actor: String) async throws(AdminError) {
        guard try await designDraft(tenantID: tenantID) != nil else {
            throw .notFound("tenant '\(Validation.printable(tenantID))' has no design draft")
        }
        try await applyConfig(
            [.deleteDesignDraft(tenantID: tenantID)],
            audit: [
                AuditEventDraft(time: clock.now(), type: .designDraftDiscarded, tenantID: tenantID, actor: actor)
            ]
        )
    }

    /// The diff from one design to another (default: live to draft).
    public func diffDesigns(tenantID: String, from: DesignRef = .live, to: DesignRef = .draft) async throws(AdminError) -> DesignDiff {
        DesignDiff.between(try await design(tenantID: tenantID, from), try await design(tenantID: tenantID, to))
    }

    /// Lints a design (default: the live one) against the tenant's clients, with token sizes measured
    /// by the preview, i.e. by the issuance code (without external lookups: they are not called).
    public func lintDesign(
        tenantID: String,
        _ design: TokenDesign? = nil,
        limits: LintLimits = LintLimits()
    ) async throws(AdminError) -> [LintFinding] {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        let design = design?.owned(by: tenantID) ?? TokenDesign.live(tenantID: tenantID, snapshot: snapshot)
        return await lint(design, snapshot: snapshot.with(design, tenantID: tenantID), tenantID: tenantID, limits: limits)
    }

    func lint(_ design: TokenDesign, snapshot: ConfigSnapshot, tenantID: String, limits: LintLimits = LintLimits()) async -> [LintFinding] {
        let clients = Array((snapshot.clients[tenantID] ?? [:]).values)
        let users = ((try? await store.users(tenantID: tenantID)) ?? []).filter { !$0.disabled }.prefix(20)
        var sizes: [String: Int] = [:]
        for client in clients where !client.disabled {
            let userGrants = client.grantTypes.contains { GrantType.userGrants.contains($0) }
            for user in userGrants ? users.map(Optional.some) : [nil] {
                let request = PreviewRequest(tenantID: tenantID, clientID: client.id, user: user?.id)
                let preview = try? await ExternalClaimLookup.$skipped.withValue(true) { try await previewTokens(request, snapshot: snapshot) }
                if let preview { sizes[client.id] = max(sizes[client.id] ?? 0, preview.accessTokenBytes) }
            }
        }
        return DesignLint.run(design, clients: clients, tokenBytes: sizes, limits: limits)
    }

    /// Publishes the draft (or the given design) as the next version: diff against the live version,
    /// lint, the contract gate (breaking changes need a force reason), then the design, the version
    /// record, the clients and the audit events in one transaction. Tokens issued from then on record
    /// the new version.
    public func publishDesign(_ r: PublishRequest, actor: String) async throws(AdminError) -> PublishOutcome {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[r.tenantID] else { throw .notFound("no tenant '\(Validation.printable(r.tenantID))'") }
        let tid = tenant.id
        let draft = r.design == nil ? try await designDraft(tenantID: tid) : nil
        guard let design = r.design?.owned(by: tid) ?? draft?.design else {
            throw .notFound(
                "tenant '\(tid)' has no design draft to publish; edit one in the console's designer or use 'claimdeck design apply -f FILE'"
            )
        }
        if let draft, draft.baseVersion != tenant.designVersion {
            throw .conflict(
                "the draft was started from version \(draft.baseVersion), but version \(tenant.designVersion) went live since; review 'claimdeck design diff' and save the draft again"
            )
        }
        try design.validate()
        let note = r.note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty, note.count <= 500 else {
            throw .invalid(field: "note", "say in a few words (up to 500 characters) what this version changes")
        }
        let forceReason = r.forceReason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }

        let live = TokenDesign.live(tenantID: tid, snapshot: snapshot)
        var next = snapshot.with(design, tenantID: tid)
        let now = clock.now()
        var clientMutations: [ConfigMutation] = []
        var clientEvents: [AuditEventDraft] = []
        var created: [ClientWithSecret] = []
        var updated: [String] = []
        var audiences: [String: (before: [String], after: [String])] = [:]
        for declared in r.clients ?? [] {
            let id = declared.id
            if let existing = snapshot.client(tid, id) {
                // What a file leaves out of these stays as it is: an export names no keys or secrets.
                var spec = declared.spec
                spec.authMethod = spec.authMethod ?? existing.authMethod
                spec.jwks = spec.jwks ?? existing.jwks
                guard
                    let (client, fields) = try changedClient(existing, to: spec, field: "clients.\(id)", snapshot: next).map({
                        ($0.client, $0.fields)
                    })
                else { continue }
                audiences[id] = (existing.audiences, client.audiences)
                clientMutations += try keysNeeded(for: client, snapshot: next, now: now).map(ConfigMutation.putKey) + [.putClient(client)]
                clientEvents.append(
                    AuditEventDraft(
                        time: now,
                        type: .clientUpdated,
                        tenantID: tid,
                        clientID: id,
                        actor: actor,
                        details: ["fields": fields.joined(separator: " "), "via": "design apply"]
                    )
                )
                next.clients[tid, default: [:]][id] = client
                updated.append(id)
            } else {
                let new = try newClient(tenantID: tid, id: id, declared.spec, snapshot: next, actor: actor)
                clientMutations += new.mutations
                clientEvents.append(new.event)
                next.clients[tid, default: [:]][new.registered.client.id] = new.registered.client
                created.append(new.registered)
            }
        }
        let diff = DesignDiff.between(live, design, clientAudiences: audiences)
        var outcome = PublishOutcome(
            diff: diff,
            findings: await lint(design, snapshot: next, tenantID: tid),
            version: nil,
            refused: !diff.breaking.isEmpty && forceReason == nil,
            createdClients: created,
            updatedClients: updated
        )
        if r.dryRun || !outcome.changed { return outcome }
        if outcome.refused {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .designPublishRefused,
                    outcome: .failure,
                    tenantID: tid,
                    reason: "breaking_change",
                    actor: actor,
                    details: ["apis": diff.affectedAPIs.joined(separator: " "), "breaking": "\(diff.breaking.count)", "note": note]
                )
            ])
            return outcome
        }
        if design == live {
            // Only clients changed: they are not part of the versioned design.
            try await applyConfig(clientMutations, audit: clientEvents)
            return outcome
        }
        let number = tenant.designVersion + 1
        var updatedTenant = tenant
        updatedTenant.designVersion = number
        let version = DesignVersion(
            tenantID: tid,
            number: number,
            design: design,
            author: actor,
            note: note,
            createdAt: now,
            forcedReason: diff.breaking.isEmpty ? nil : forceReason,
            rolledBackFrom: r.rolledBackFrom
        )
        var mutations = design.mutations(replacing: live, tenantID: tid) + [.putTenant(updatedTenant), .recordDesignVersion(version)]
        if draft != nil { mutations.append(.deleteDesignDraft(tenantID: tid)) }
        var events = [
            AuditEventDraft(
                time: now,
                type: .designPublished,
                tenantID: tid,
                actor: actor,
                details: [
                    "version": "\(number)", "note": note, "claim_changes": "\(diff.claimChanges.count)",
                    "other_changes": "\(diff.otherChanges.count)",
                    "rolled_back_from": r.rolledBackFrom.map(String.init) ?? "",
                ]
            )
        ]
        if !diff.breaking.isEmpty, let forceReason {
            events.append(
                AuditEventDraft(
                    time: now,
                    type: .designGateOverridden,
                    tenantID: tid,
                    actor: actor,
                    details: [
                        "version": "\(number)", "reason": forceReason, "apis": diff.affectedAPIs.joined(separator: " "),
                        "breaking": diff.breaking.map(\.message).joined(separator: "; "),
                    ]
                )
            )
        }
        try await applyConfig(mutations + clientMutations, audit: events + clientEvents)
        outcome.version = number
        outcome.claimsChange = await emitClaimsChange(tenantID: tid, diff: diff, before: snapshot, reason: "design version \(number): \(note)")
        return outcome
    }

    /// Publishes an old version's content as a new version (through the same gate).
    public func rollbackDesign(
        tenantID: String,
        to number: Int,
        note: String?,
        forceReason: String?,
        dryRun: Bool = false,
        actor: String
    ) async throws(AdminError) -> PublishOutcome {
        let old = try await designVersion(tenantID: tenantID, number: number)
        var r = PublishRequest(
            tenantID: tenantID,
            design: old.design,
            note: note ?? "rollback to version \(number)",
            forceReason: forceReason,
            dryRun: dryRun
        )
        r.rolledBackFrom = number
        return try await publishDesign(r, actor: actor)
    }
}
