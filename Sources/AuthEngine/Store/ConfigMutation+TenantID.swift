import Foundation
import JOSE

extension ConfigMutation {
    /// The tenant a mutation changes.
    public var tenantID: String? {
        switch self {
        case .putTenant(let t): return t.id
        case .deleteTenant(let id): return id
        case .putClient(let c): return c.tenantID
        case .deleteClient(let t, _), .deleteScope(let t, _), .deleteAPI(let t, _), .deleteRegistrationToken(let t, _),
            .consumeRegistrationToken(let t, _, _):
            return t
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
