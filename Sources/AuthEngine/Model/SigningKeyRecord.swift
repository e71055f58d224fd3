import Foundation
import JOSE

/// A tenant's signing key as stored: the private half sealed under the master key.
///
/// Life cycle: `next` (published in the JWKS, not yet signing) -> `active` (signing) -> `retired`
/// (not signing; published until `publishUntil`, when the last token it signed has expired).
public struct SigningKeyRecord: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case next, active, retired
    }

    public var tenantID: String
    public var kid: String
    public var algorithm: SigningAlgorithm
    public var state: State
    public var createdAt: Date
    public var activatedAt: Date?
    public var retiredAt: Date?
    /// For a retired key: the JWKS keeps it until then.
    public var publishUntil: Date?
    public var publicJWK: JWK
    /// AES-GCM sealed private key; context "<tenant>/<kid>".
    public var sealedPrivateKey: Data

    public init(
        tenantID: String,
        kid: String,
        algorithm: SigningAlgorithm,
        state: State,
        createdAt: Date,
        activatedAt: Date? = nil,
        retiredAt: Date? = nil,
        publishUntil: Date? = nil,
        publicJWK: JWK,
        sealedPrivateKey: Data
    ) {
        self.tenantID = tenantID
        self.kid = kid
        self.algorithm = algorithm
        self.state = state
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
        self.publishUntil = publishUntil
        self.publicJWK = publicJWK
        self.sealedPrivateKey = sealedPrivateKey
    }

    /// Whether the JWKS lists the key at `now`.
    public func isPublished(at now: Date) -> Bool {
        switch state {
        case .next, .active: return true
        case .retired: return (publishUntil ?? .distantPast) > now
        }
    }

    /// The authenticated context of the sealed private key.
    public var sealContext: String { "\(tenantID)/\(kid)" }
}
