import Foundation
import JOSE

extension ClaimdeckEngine {
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
}

extension ConfigMutation {
    /// The tenant a mutation changes.
    public var tenantID: String? {
        switch self {
        case .putTenant(let t): return t.id
        case .deleteTenant(let id): return id
        case .putClient(let c): return c.tenantID
        case .deleteClient(let t, _), .deleteScope(let t, _), .deleteAPI(let t, _), .deleteRegistrationToken(let t, _),
             .consumeRegistrationToken(let t, _, _): return t
        case .putKey(let k): return k.tenantID
        case .putScope(let s): return s.tenantID
        case .putAPI(let a): return a.tenantID
        case .putClaim(let c): return c.tenantID
        case .deleteClaim(let t, _), .deleteDesignDraft(let t): return t
        case .recordDesignVersion(let v): return v.tenantID
        case .putDesignDraft(let d): return d.tenantID
        case .putUser(let u): return u.tenantID
        case .deleteUser(let t, _): return t
        case .putRegistrationToken(let r): return r.tenantID
        case .putTokenExchangePolicy(let p): return p.tenantID
        case .putTrustedIssuer(let i): return i.tenantID
        case .deleteTokenExchangePolicy(let t, _), .deleteTrustedIssuer(let t, _): return t
        }
    }
}
