import Foundation
import JOSE

/// A key as an admin sees it, with the tokens it signed that are still alive.
public struct KeyStatus: Sendable, Hashable {
    public var record: SigningKeyRecord
    public var outstandingTokens: Int
    /// When the last token it signed expires.
    public var outstandingUntil: Date?
    public var published: Bool
}

/// What a rotation or retirement did.
public struct KeyChange: Sendable, Hashable {
    /// Now signing.
    public var activated: String?
    /// Stopped signing, still published until `publishedUntil`.
    public var retired: String?
    public var publishedUntil: Date?
    /// Newly published, will sign at the next rotation.
    public var next: String?
    public var outstandingTokens: Int
}

extension ClaimdeckEngine {
    /// Refuses a master key that does not unseal this store's signing keys, at start-up rather than
    /// as a `server_error` on every token request: a database copied without its key file, or run with
    /// another `CLAIMDECK_MASTER_KEY`, would otherwise serve discovery and fail every issuance.
    /// One key a tenant is tried (unsealed keys are cached, so this costs nothing later).
    public func checkMasterKey() throws(AdminError) {
        let snapshot = config.snapshot
        for tenantID in snapshot.keys.keys.sorted() {
            guard let record = snapshot.keys[tenantID]?.first(where: { $0.state == .active }) ?? snapshot.keys[tenantID]?.first
            else { continue }
            do { _ = try keyring.load(record) } catch {
                throw .invalid(
                    field: "master key",
                    "the master key does not unseal the signing keys of tenant '\(tenantID)' (key \(record.kid)): "
                        + "use the key this database was created with (the file <database>.master-key beside it, "
                        + "or the same CLAIMDECK_MASTER_KEY)"
                )
            }
        }
    }

    /// The tenant's signing keys, each with its state and how many active tokens it signed and until when.
    public func keys(tenantID: String) async throws(AdminError) -> [KeyStatus] {
        let snapshot = config.snapshot
        guard snapshot.tenants[tenantID] != nil else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        let now = clock.now()
        let outstanding: [String: (count: Int, until: Date)]
        outstanding = try await storeCall { try await store.outstandingByKey(tenantID: tenantID, at: now) }
        return (snapshot.keys[tenantID] ?? []).sorted { ($0.state.order, $0.createdAt) < ($1.state.order, $1.createdAt) }.map {
            KeyStatus(
                record: $0,
                outstandingTokens: outstanding[$0.kid]?.count ?? 0,
                outstandingUntil: outstanding[$0.kid]?.until,
                published: $0.isPublished(at: now)
            )
        }
    }

    /// What a dry run says of the next key a rotation would publish: it does not exist yet.
    static let newNextKey = "(a new key)"

    /// Rotation: the published `next` key starts signing, the active one retires (published until the
    /// tokens it signed have expired), and a new `next` key is published. `dryRun` changes nothing.
    public func rotateKey(
        tenantID: String,
        algorithm: SigningAlgorithm? = nil,
        dryRun: Bool = false,
        actor: String
    ) async throws(AdminError) -> KeyChange {
        let snapshot = config.snapshot
        guard let tenant = snapshot.tenants[tenantID] else { throw .notFound("no tenant '\(Validation.printable(tenantID))'") }
        let alg = algorithm ?? tenant.defaultAlgorithm
        let now = clock.now()
        let statuses = try await keys(tenantID: tenantID).filter { $0.record.algorithm == alg }
        let active = statuses.first { $0.record.state == .active }
        let next = statuses.first { $0.record.state == .next }
        var mutations: [ConfigMutation] = []
        var change = KeyChange(outstandingTokens: active?.outstandingTokens ?? 0)
        if next == nil && active == nil && dryRun {
            change.activated = "(a new key, activated at once)"
            change.next = Self.newNextKey
        } else if next == nil && active == nil {
            // First key of this algorithm: there is nothing to publish ahead of.
            let pair = try generateKeyPairForRotation(tenantID: tenantID, algorithm: alg, now: now)
            mutations = pair.map(ConfigMutation.putKey)
            change.activated = pair[0].kid
            change.next = pair[1].kid
        } else if let n = next?.record {
            if var a = active?.record {
                a.state = .retired
                a.retiredAt = now
                let until = max(
                    active?.outstandingUntil ?? now,
                    now.addingTimeInterval(TimeInterval(maxLifetime(tenantID: tenantID, snapshot: snapshot)))
                )
                a.publishUntil = until
                mutations.append(.putKey(a))
                change.retired = a.kid
                change.publishedUntil = until
            }
            var promoted = n
            promoted.state = .active
            promoted.activatedAt = now
            mutations.append(.putKey(promoted))
            change.activated = promoted.kid
        }
        // Without a published next key (it was retired) this rotation only publishes one: a key is
        // published before it signs, and the next rotation makes it active.
        // A dry run names no key it would create: the one created later would be another (issue 14 item 6).
        if change.next == nil && dryRun {
            change.next = Self.newNextKey
        } else if change.next == nil {
            let fresh = try generateKey(tenantID: tenantID, algorithm: alg, state: .next, now: now)
            mutations.append(.putKey(fresh))
            change.next = fresh.kid
        }
        if !dryRun {
            try await applyConfig(
                mutations,
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .keyRotated,
                        tenantID: tenantID,
                        actor: actor,
                        details: [
                            "algorithm": alg.rawValue, "activated": change.activated ?? "", "retired": change.retired ?? "",
                            "next": change.next ?? "",
                        ]
                    )
                ]
            )
        }
        return change
    }

    /// Retires one key now (a suspected compromise). An active key is replaced by the next one first.
    /// The key stays published until its tokens expire, unless `unpublish` (then JWTs it signed fail
    /// validation at once at every API that refreshes the JWKS).
    public func retireKey(tenantID: String, kid: String, unpublish: Bool, dryRun: Bool, actor: String) async throws(AdminError) -> KeyChange {
        let statuses = try await keys(tenantID: tenantID)
        guard let target = statuses.first(where: { $0.record.kid == kid }) else {
            throw .notFound("no key '\(Validation.printable(kid))' in tenant '\(tenantID)'; 'claimdeck key list --tenant \(tenantID)' shows them")
        }
        if target.record.state == .active {
            // Rotation retires it and promotes the next key, so signing never stops. Without a published
            // next key (an emergency after the next one was retired too) one is published and promoted at
            // once: better a key that resource servers fetch on their first miss than a compromised one.
            let hasNext = statuses.contains { $0.record.state == .next && $0.record.algorithm == target.record.algorithm }
            if !hasNext {
                if dryRun {
                    return KeyChange(
                        activated: "(a new key, published and activated at once)",
                        retired: kid,
                        publishedUntil: unpublish ? clock.now() : nil,
                        outstandingTokens: target.outstandingTokens
                    )
                }
                _ = try await rotateKey(tenantID: tenantID, algorithm: target.record.algorithm, actor: actor)
            }
            var change = try await rotateKey(tenantID: tenantID, algorithm: target.record.algorithm, dryRun: true, actor: actor)
            if unpublish { change.publishedUntil = clock.now() }
            if dryRun { return change }
            change = try await rotateKey(tenantID: tenantID, algorithm: target.record.algorithm, actor: actor)
            if unpublish {
                try await unpublishKey(tenantID: tenantID, kid: kid, actor: actor)
                change.publishedUntil = clock.now()
            }
            return change
        }
        let now = clock.now()
        var record = target.record
        let until = unpublish ? now : max(target.outstandingUntil ?? now, record.publishUntil ?? now)
        if record.state == .retired && !unpublish {
            throw .conflict("key '\(kid)' is already retired; add --unpublish to remove it from the JWKS now")
        }
        record.state = .retired
        record.retiredAt = record.retiredAt ?? now
        record.publishUntil = until
        let change = KeyChange(retired: kid, publishedUntil: until, outstandingTokens: target.outstandingTokens)
        if !dryRun {
            try await applyConfig(
                [.putKey(record)],
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .keyRetired,
                        tenantID: tenantID,
                        actor: actor,
                        details: ["kid": kid, "unpublished": unpublish ? "true" : "false", "outstanding_tokens": "\(target.outstandingTokens)"]
                    )
                ]
            )
        }
        return change
    }

    private func unpublishKey(tenantID: String, kid: String, actor: String) async throws(AdminError) {
        guard var record = config.snapshot.keys[tenantID]?.first(where: { $0.kid == kid }) else { return }
        let now = clock.now()
        record.publishUntil = now
        try await applyConfig(
            [.putKey(record)],
            audit: [
                AuditEventDraft(time: now, type: .keyRetired, tenantID: tenantID, actor: actor, details: ["kid": kid, "unpublished": "true"])
            ]
        )
    }

    /// The longest access-token lifetime of the tenant's clients: a retired key stays published at least that long.
    func maxLifetime(tenantID: String, snapshot: ConfigSnapshot) -> Int {
        (snapshot.clients[tenantID] ?? [:]).values.map(\.accessTokenLifetime).max() ?? configuration.defaultAccessTokenLifetime
    }
}
