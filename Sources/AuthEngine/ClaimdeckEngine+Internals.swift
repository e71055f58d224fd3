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

    /// Authenticates the client calling an endpoint (introspection, revocation); a failure is audited
    /// as `failedEvent` with the reason, never the credential, and rethrown.
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
            return try await authenticator.authenticate(
                credentials,
                tenant: tenant,
                snapshot: snapshot,
                endpointURL: configuration.issuer(for: tenant.id) + "/" + endpoint,
                allowPublic: allowPublic
            )
        } catch {
            await audit([
                AuditEventDraft(
                    time: clock.now(),
                    type: failedEvent,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: credentials.claimedClientID.map { Validation.printable($0, limit: 128) },
                    reason: error.code,
                    actor: "http",
                    details: ["description": error.errorDescription]
                )
            ])
            throw error
        }
    }

    /// Appends audit events without failing the caller: the act they describe already happened or was
    /// refused. What the store could not record is counted (`claimdeck_audit_events_unrecorded_total`)
    /// and logged, once per interval with how often it repeated.
    func audit(_ events: [AuditEventDraft]) async {
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
}
