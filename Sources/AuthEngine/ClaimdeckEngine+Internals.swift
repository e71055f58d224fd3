import Foundation
import JOSE

/// The engine's shared internals, in one place: every use case reaches the store, the audit log, key
/// generation and claim inputs through these, so their error mapping and reload rules are the same.
extension ClaimdeckEngine {
    /// Applies configuration changes and reloads the cache, so this process sees them at once.
    func applyConfig(_ mutations: [ConfigMutation], audit: [AuditEventDraft]) async throws(AdminError) {
        do {
            try await store.apply(mutations, audit: audit)
            try await config.reload()
        } catch let error as AdminError {
            throw error
        } catch {
            throw .storage("the store refused the change: \(error)")
        }
    }

    /// An active key and a next key, for a tenant or algorithm that has none.
    func generateKeyPairForRotation(tenantID: String, algorithm: SigningAlgorithm, now: Date) throws(AdminError) -> [SigningKeyRecord] {
        [
            try generateKey(tenantID: tenantID, algorithm: algorithm, state: .active, now: now),
            try generateKey(tenantID: tenantID, algorithm: algorithm, state: .next, now: now),
        ]
    }

    /// Runs a store read for an admin use case; a store failure becomes `AdminError.storage`.
    func storeCall<T>(_ body: () async throws -> T) async throws(AdminError) -> T {
        do { return try await body() } catch { throw .storage("the store did not answer: \(error)") }
    }

    /// Generates a signing key; a failure becomes `AdminError.storage`.
    func generateKey(tenantID: String, algorithm: SigningAlgorithm, state: SigningKeyRecord.State, now: Date) throws(AdminError) -> SigningKeyRecord {
        do { return try keyring.generate(tenantID: tenantID, algorithm: algorithm, state: state, now: now) } catch {
            throw .storage("key generation failed: \(error)")
        }
    }

    /// Everything the granted claims can come from, with their external lookups fetched. A failed
    /// lookup of a claim whose policy is `fail`, or that is required, refuses issuance with 503
    /// `temporarily_unavailable`; otherwise the claim is left out and the failure logged.
    func claimInputs(
        user: User?,
        client: Client,
        context: AuthContext?,
        scopes: [String],
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> ClaimInputs {
        var inputs = ClaimInputs(user: user, client: client, context: context, scopes: scopes, snapshot: snapshot)
        let external = inputs.granted.filter {
            if case .externalLookup = $0.source { return !($0.source.needsUser && user == nil) }
            return false
        }
        guard !external.isEmpty, !ExternalClaimLookup.skipped else { return inputs }
        for (name, result) in await externalClaims.values(for: external, tenantID: client.tenantID, user: user, client: client) {
            switch result {
            case .success(let value): inputs.external[name] = value
            case .failure(let error):
                guard let definition = external.first(where: { $0.name == name }), case .externalLookup(let lookup) = definition.source else {
                    continue
                }
                logger.warning("external claim lookup failed", metadata: ["tenant": "\(client.tenantID)", "claim": "\(name)", "reason": "\(error)"])
                if lookup.onFailure == .fail || definition.isRequired {
                    throw .temporarilyUnavailable("claim '\(name)' could not be looked up (\(error)); retry later")
                }
                inputs.lookupFailures[name] = error.description
            }
        }
        return inputs
    }

    /// Authenticates the client calling an endpoint (introspection, revocation, device authorization);
    /// a failure is audited as `failedEvent` with the real reason, never the credential, and rethrown
    /// as what the client may be told (`authenticateClient`).
    func authenticateCaller(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        snapshot: ConfigSnapshot,
        endpoint: String,
        allowPublic: Bool,
        failedEvent: AuditEventType
    ) async throws(OAuthError) -> Client {
        let credentials = try PresentedClientCredentials.from(authorization: request.authorization, form: request.form, realm: tenant.id)
        do {
            return try await authenticateClient(
                credentials,
                certificate: request.clientCertificate,
                tenant: tenant,
                snapshot: snapshot,
                endpoint: endpoint,
                allowPublic: allowPublic,
                remoteAddress: request.remoteAddress
            )
        } catch {
            await auditRefusal(
                AuditEventDraft(
                    time: clock.now(),
                    type: failedEvent,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: credentials.claimedClientID.map { Validation.printable($0, limit: 128) },
                    reason: error.code,
                    actor: "http",
                    details: ["description": error.auditedDescription, "remote_address": request.remoteAddress ?? ""].merging(
                        request.clientCertificate.map(Self.certificateAuditDetails) ?? [:]
                    ) { $1 }.merging(Self.bindingFailureDetails(error)) { $1 }
                ),
                error
            )
            throw error
        }
    }

    /// Client authentication with brute-force and probing defences. Failures are counted per client
    /// and per address (`clientThrottle`); once over the free attempts every further one waits an
    /// increasing delay, refused with 429 and `Retry-After` without even checking the credential (so a
    /// right guess inside the delay is refused too; otherwise the delay would slow nothing). Every
    /// failure answers the same `invalid_client` text, whatever the cause; the audit keeps the cause
    /// (`auditDescription`).
    func authenticateClient(
        _ credentials: PresentedClientCredentials,
        certificate: ClientCertificate? = nil,
        tenant: Tenant,
        snapshot: ConfigSnapshot,
        endpoint: String,
        allowPublic: Bool,
        remoteAddress: String?
    ) async throws(OAuthError) -> Client {
        let now = clock.now()
        let clientKey = credentials.claimedClientID.map { "c:\(tenant.id):\($0)" }
        let addressKey = remoteAddress.map { LoginThrottle.addressKey(tenantID: tenant.id, address: "client-auth:" + $0) }
        let wait = clientThrottle.wait(account: clientKey, address: addressKey, now: now)
        if wait > 0 {
            // 429 (RFC 6585) rather than 401: the caller is told to slow down, not that its credential
            // is wrong (it was not checked); the code stays invalid_client, the only RFC 6749 code for
            // a client that could not be authenticated, so client libraries stop rather than retry.
            var error = OAuthError(code: "invalid_client", description: "too many failed client authentications; retry later", status: 429)
            error.retryAfter = wait
            error.auditDescription = "throttled: client authentication refused without checking for \(wait) s"
            throw error
        }
        do {
            let client = try await authenticator.authenticate(
                credentials,
                certificate: certificate,
                tenant: tenant,
                snapshot: snapshot,
                endpointURL: configuration.issuer(for: tenant.id) + "/" + endpoint,
                allowPublic: allowPublic
            )
            if let clientKey { await recordSuccess(clientThrottle, account: clientKey, now: now) }
            return client
        } catch  where error.code == "invalid_client" {
            await recordFailure(clientThrottle, account: clientKey, address: addressKey, now: now)
            var uniform = error
            uniform.errorDescription = "client authentication failed"
            uniform.auditDescription = error.errorDescription
            throw uniform
        }
    }

    /// Audits a refusal: throttled client authentications are folded into one event per window and
    /// caller (`AuditAggregator`), everything else is written as it comes.
    func auditRefusal(_ draft: AuditEventDraft, _ error: OAuthError) async {
        guard error.code == "invalid_client", error.retryAfter != nil else { return await audit([draft]) }
        let key = [draft.type.rawValue, draft.tenantID ?? "", draft.clientID ?? "", draft.details["remote_address"] ?? ""].joined(separator: "|")
        let due = refusals.add(draft, key: key, now: draft.time)
        if !due.isEmpty { await audit(due) }
    }

    /// Writes the aggregated refusals whose window has closed (`everything`: all of them, at a stop).
    /// The server calls it every window and when it stops.
    /// Aggregated introspections whose window closed join the deferred events.
    public func flushAggregatedRefusals(everything: Bool = false) async {
        let now = clock.now()
        for event in introspections.flush(now: now, everything: everything) { deferredAudit.add(event) }
        let due = refusals.flush(now: now, everything: everything)
        if !due.isEmpty || everything { await audit(due) }
    }

    /// Appends audit events without failing the caller: the act they describe already happened or was
    /// refused. What the store could not record is counted (`claimdeck_audit_events_unrecorded_total`)
    /// and logged, once per interval with how often it repeated.
    func audit(_ events: [AuditEventDraft]) async {
        // Deferred events (introspection's) ride along with this append.
        let events = deferredAudit.take() + events
        guard !events.isEmpty else { return }
        do {
            try await store.append(events)
        } catch {
            metrics.auditUnrecorded(events)
            errorLog.error(
                "audit events could not be recorded",
                metadata: ["events": "\(events.count)", "types": "\(events.map(\.type.rawValue).joined(separator: ","))", "error": "\(error)"]
            )
        }
    }

    /// Records an event without waiting for the disk (`DeferredAudit`): for introspection, whose
    /// answer must not wait for a commit.
    func auditLater(_ event: AuditEventDraft) async {
        // Past `flushAt` waiting events they are appended now, still without this request waiting.
        if deferredAudit.add(event) { Task { await flushDeferredAudit() } }
    }

    /// Appends the events `auditLater` gathered. The server calls it every
    /// `deferredAuditInterval` and at shutdown; reads of the log call it first.
    public func flushDeferredAudit() async {
        await audit([])
    }

    /// How often a server appends deferred audit events that no other write took along.
    public static let deferredAuditInterval: Duration = .milliseconds(100)
}
