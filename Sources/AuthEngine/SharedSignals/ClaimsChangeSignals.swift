import Foundation
import JOSE

/// What a published design told the APIs: CAEP token-claims-change events, one per subject.
public struct ClaimsChangeReport: Sendable, Hashable {
    /// Subjects an event was enqueued for.
    public var subjects: Int
    /// True when the tenant had more subjects with live tokens than `SecurityEventPolicy.claimsChangeSubjectLimit`:
    /// the others' APIs keep what they cached until those tokens expire.
    public var truncated: Bool

    public init(subjects: Int = 0, truncated: Bool = false) {
        self.subjects = subjects
        self.truncated = truncated
    }

    /// One line for the publish's verdict; nil when nothing was sent.
    public var summary: String? {
        guard subjects > 0 || truncated else { return nil }
        let sent = "token-claims-change sent for \(subjects) subject\(subjects == 1 ? "" : "s")"
        return truncated ? sent + " (limit reached; the others' APIs keep their cached claims until the tokens expire)" : sent
    }
}

extension ClaimdeckEngine {
    /// After a design went live: a CAEP token-claims-change (CAEP 1.0 §3.2) for every subject with a
    /// live access token, when the design changed claims an API reads (access token or
    /// introspection) and a stream takes the event. The `claims` member holds each changed claim's
    /// new value for that subject, computed by the issuance code as the preview does (from the
    /// subject's newest token: its client, scopes and audiences, under the old and the new design;
    /// external lookups are not called, so their claims are left out); a claim the subject's tokens
    /// no longer carry is `null`; a subject for whom no value changes gets no event. Receivers cached
    /// what they learned of those tokens and recompute it; the tokens stay valid.
    ///
    /// A second transaction after the publish, as for other configuration changes
    /// (`emitSecurityEvent`): a crash between the two loses the events, not the publish.
    func emitClaimsChange(tenantID: String, diff: DesignDiff, before: ConfigSnapshot, reason: String) async -> ClaimsChangeReport {
        let read: Set<ClaimDestination> = [.accessToken, .introspection]
        let snapshot = config.snapshot
        // Values fetched from another system at issuance are not known here: such claims are left out.
        let lookedUp = Set(
            [before, snapshot].flatMap { TokenDesign.live(tenantID: tenantID, snapshot: $0).claims }.filter {
                if case .externalLookup = $0.source { return true } else { return false }
            }.map(\.name)
        )
        let changed = Set(diff.claimChanges.filter { read.contains($0.destination) }.map(\.claim)).subtracting(lookedUp).sorted()
        guard !changed.isEmpty else { return ClaimsChangeReport() }
        let now = clock.now()
        let type = SecurityEventType.tokenClaimsChange
        do {
            // The scan costs a preview per subject: none when no receiver listens.
            guard
                try await store.eventStreams(tenantID: tenantID).contains(where: { $0.status == .enabled && $0.eventsDelivered.contains(type) })
            else { return ClaimsChangeReport() }
            let policy = configuration.securityEvents
            var report = ClaimsChangeReport()
            var seen: Set<String> = []
            var drafts: [SecurityEventDraft] = []
            var query = TokenQuery(tenantID: tenantID, kind: .access, status: .active, limit: 500)
            func flush() async throws {
                try await store.enqueueSecurityEvents(drafts, expiresAt: now.addingTimeInterval(policy.lifetime))
                report.subjects += drafts.count
                drafts = []
            }
            scan: while true {
                let page = try await store.tokens(matching: query, at: now)
                for record in page where seen.insert(record.subject).inserted {
                    guard seen.count <= policy.claimsChangeSubjectLimit else {
                        report.truncated = true
                        break scan
                    }
                    guard let claims = await newValues(of: changed, for: record, before: before, after: snapshot) else { continue }
                    drafts.append(
                        SecurityEventDraft(
                            id: ids.timeOrdered(at: now),
                            tenantID: tenantID,
                            type: type,
                            subject: SecurityEventDraft.issuerSubject(issuer: SecurityEventDraft.tenantIssuer, subject: record.subject),
                            payload: SecurityEventDraft.members(time: now, reason: reason, extra: ["claims": .object(claims)]),
                            time: now
                        )
                    )
                }
                if drafts.count >= 500 { try await flush() }
                guard page.count == query.limit, let last = page.last else { break }
                query.before = last.id
            }
            try await flush()
            return report
        } catch {
            errorLog.error("token-claims-change events were not enqueued", metadata: ["error": "\(error)", "tenant": "\(tenantID)"])
            return ClaimsChangeReport()
        }
    }

    /// The values of `names` that differ for the subject of `record` between a token like it issued
    /// under `before` and one issued under `after` (`null`: it no longer carries the claim); nil when
    /// none differs, or the token's client or user is gone.
    private func newValues(of names: [String], for record: TokenRecord, before: ConfigSnapshot, after: ConfigSnapshot) async -> [String: JSONValue]? {
        // A client's own token (client_credentials) has the client as subject; any other names a user,
        // and the preview fails (nil) when that user or the client is gone.
        let ownToken = record.subject == record.clientID && !GrantType.userGrants.contains(record.grantType)
        let request = PreviewRequest(
            tenantID: record.tenantID,
            clientID: record.clientID,
            user: ownToken ? nil : record.subject,
            scope: record.scopes.joined(separator: " "),
            audiences: record.audiences
        )
        func carried(under snapshot: ConfigSnapshot) async -> [String: JSONValue]? {
            guard
                let preview = try? await ExternalClaimLookup.$skipped.withValue(
                    true,
                    operation: { try await previewTokens(request, snapshot: snapshot) }
                )
            else { return nil }
            return preview.introspection.merging(preview.accessToken ?? [:]) { _, token in token }
        }
        guard let old = await carried(under: before), let new = await carried(under: after) else { return nil }
        var values: [String: JSONValue] = [:]
        for name in names where old[name] != new[name] { values[name] = new[name] ?? .null }
        return values.isEmpty ? nil : values
    }
}
