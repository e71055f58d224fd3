import Foundation
import JOSE

/// The outcome of checking a JWS's algorithm and signature against the issuer's keys: the steps an
/// access token, a signed introspection answer and a SET share (each caller words its own error).
enum SignatureCheck: Sendable, Hashable {
    case verified
    /// `alg` is absent, unknown or not on the allow-list.
    case algorithmNotAccepted
    /// No published key matches `kid`, even after the refetch allowed now.
    case unknownKey
    case badSignature

    /// Why `what` (e.g. "the token") is refused, or nil when verified.
    func failure(_ what: String) -> String? {
        switch self {
        case .verified: nil
        case .algorithmNotAccepted: "\(what)'s signing algorithm (alg) is not accepted"
        case .unknownKey: "\(what) is signed with a key the issuer does not publish (kid)"
        case .badSignature: "\(what)'s signature does not verify"
        }
    }
}

extension JWKSCache {
    /// Checks `jws`'s `alg` against `allowedAlgorithms`, finds its key (`key(kid:)`, so an unknown
    /// `kid` refetches, rate-limited) and verifies the signature, outside the actor so verifications
    /// run in parallel. Throws only when the JWKS cannot be fetched and no key is known.
    nonisolated func check(_ jws: ParsedJWS, allowedAlgorithms: Set<SigningAlgorithm>) async throws(TokenValidationError) -> SignatureCheck {
        guard let alg = jws.algorithm.flatMap(SigningAlgorithm.init(rawValue:)), allowedAlgorithms.contains(alg) else {
            return .algorithmNotAccepted
        }
        guard let key = try await key(kid: jws.keyID) else { return .unknownKey }
        return jws.verify(with: key) ? .verified : .badSignature
    }
}
