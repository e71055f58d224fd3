import Foundation
import JOSE

/// Why a DPoP proof was refused (RFC 9449 §4.3), before the endpoint turns it into its answer.
enum DPoPFailure: Error, Sendable, Hashable {
    /// `invalid_dpop_proof`, with the reason.
    case invalid(String)
    /// `use_dpop_nonce` (§8): the proof must carry the server's nonce, sent with the answer.
    case nonceRequired(String)

    var reason: String {
        switch self {
        case .invalid(let r), .nonceRequired(let r): r
        }
    }

    var code: String {
        switch self {
        case .invalid: "invalid_dpop_proof"
        case .nonceRequired: "use_dpop_nonce"
        }
    }
}

/// A DPoP proof (RFC 9449 §4) that passed every check of §4.3.
struct DPoPProof: Sendable, Hashable {
    /// RFC 7638 thumbprint of the proof's public key: what bound tokens carry as `cnf.jkt`.
    var thumbprint: String
    var jti: String

    /// `token_type` of a DPoP-bound access token (§5), in the token response and in introspection.
    static let tokenType = "DPoP"
    /// Internal claim of a code or refresh token: the JWK thumbprint its next use must prove.
    static let boundKeyClaim = "dpop_jkt"
    /// The asymmetric algorithms a proof may use (§4.2: never `none` nor a MAC): what the JOSE module verifies.
    static let algorithms = SigningAlgorithm.allCases
    /// The `algs` of a `WWW-Authenticate: DPoP` challenge and discovery's `dpop_signing_alg_values_supported`.
    static var algorithmNames: [String] { algorithms.map(\.rawValue) }
    /// How old a proof's `iat` may be: a proof is made for one request, just before it.
    static let maximumAge: TimeInterval = 300
    /// How far in the future `iat` may lie (the client's clock ahead of ours).
    static let clockSkew: TimeInterval = 60
    static let maximumLength = 8192
    /// JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
    static let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    /// The DPoP key a token's public claims bind it to (`cnf.jkt`), if any.
    static func boundThumbprint(_ claims: [String: JSONValue]) -> String? {
        TokenConfirmation(claims: claims)?.keyThumbprint
    }
}

/// The checks of RFC 9449 §4.3, in its order, shared by the token endpoint and protected resources.
struct DPoPProofVerifier: Sendable {
    let store: any TokenStore
    let clock: any WallClock

    /// What the request the proof came with was.
    struct Request: Sendable {
        /// Every `DPoP` header value.
        var proofs: [String]
        var method: String
        /// The endpoint's public URL.
        var url: String
        /// At a protected resource: the access token, whose hash `ath` must be.
        var accessToken: String? = nil
        /// The nonces the server accepts now; nil: no nonce required.
        var acceptedNonces: [String]? = nil
        /// The algorithms accepted (fewer under the fapi2 profile, FAPI 2.0 section 5.4.1).
        var algorithms: [SigningAlgorithm] = DPoPProof.algorithms
    }

    /// Verifies the one proof of `request` and records its `jti` in the tenant's replay cache, so the
    /// same proof is accepted once, by any node.
    func verify(_ request: Request, tenantID: String) async throws(DPoPFailure) -> DPoPProof {
        guard request.proofs.count == 1 else {
            throw .invalid(request.proofs.isEmpty ? "the DPoP header is missing" : "send exactly one DPoP header")
        }
        let compact = request.proofs[0]
        guard compact.utf8.count <= DPoPProof.maximumLength, let jws = JWS.parse(compact) else {
            throw .invalid("the DPoP header is not a compact JWS")
        }
        guard jws.type == "dpop+jwt" else { throw .invalid("the DPoP proof's typ must be dpop+jwt") }
        guard let algName = jws.algorithm, let alg = SigningAlgorithm(rawValue: algName), request.algorithms.contains(alg) else {
            throw .invalid(
                "the DPoP proof's alg '\(Validation.printable(jws.algorithm ?? "none", limit: 16))' is not accepted; use one of \(request.algorithms.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard case .object(let members)? = jws.header["jwk"] else { throw .invalid("the DPoP proof's header has no jwk") }
        if let secret = members.keys.first(where: DPoPProof.privateMembers.contains) {
            throw .invalid("the DPoP proof's jwk holds a private key member ('\(secret)'); send the public key only")
        }
        var key: VerificationKey
        let jwk: JWK
        do {
            jwk = try JSONDecoder().decode(JWK.self, from: Data(JSONValue.object(members).serialized()))
            key = try VerificationKey(jwk: jwk)
        } catch {
            throw .invalid("the DPoP proof's jwk is not a usable public key")
        }
        // A jwk naming no alg serves the header's if it is of the right type (an RSA key: RS256 or PS256).
        if key.algorithm != alg, jwk.alg == nil, let pinned = try? VerificationKey(jwk: jwk, algorithm: alg) { key = pinned }
        guard key.algorithm == alg else { throw .invalid("the DPoP proof's jwk is not a key for \(alg.rawValue)") }
        guard jws.verify(with: key) else { throw .invalid("the DPoP proof's signature does not verify with its jwk") }
        let claims = jws.payload
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            throw .invalid("the DPoP proof needs a jti of at most 256 bytes")
        }
        guard let htm = claims["htm"]?.stringValue else { throw .invalid("the DPoP proof has no htm") }
        guard let htu = claims["htu"]?.stringValue else { throw .invalid("the DPoP proof has no htu") }
        guard let iat = claims["iat"]?.doubleValue else { throw .invalid("the DPoP proof has no iat") }
        guard htm == request.method else {
            throw .invalid("the DPoP proof's htm '\(Validation.printable(htm, limit: 16))' is not this request's method \(request.method)")
        }
        guard let presented = Self.normalized(htu), presented == Self.normalized(request.url) else {
            throw .invalid("the DPoP proof's htu '\(Validation.printable(htu, limit: 200))' is not this endpoint, \(request.url)")
        }
        if let accepted = request.acceptedNonces {
            guard let nonce = claims["nonce"]?.stringValue else { throw .nonceRequired("this server requires a nonce in the DPoP proof") }
            guard accepted.contains(nonce) else { throw .nonceRequired("the DPoP proof's nonce is not current; use the new one") }
        }
        let now = clock.now()
        let issued = Date(timeIntervalSince1970: iat)
        guard issued <= now.addingTimeInterval(DPoPProof.clockSkew) else { throw .invalid("the DPoP proof's iat is in the future") }
        guard issued >= now.addingTimeInterval(-DPoPProof.maximumAge) else {
            throw .invalid("the DPoP proof is too old: its iat must be within \(Int(DPoPProof.maximumAge)) s")
        }
        if let token = request.accessToken {
            let expected = Base64URL.encode(SecretDigest.sha256(token))
            guard let ath = claims["ath"]?.stringValue, SecretDigest.constantTimeEquals(Data(ath.utf8), Data(expected.utf8)) else {
                throw .invalid("the DPoP proof's ath is not the hash of the access token")
            }
        }
        let thumbprint = key.thumbprint
        let fresh: Bool
        do {
            // The replay cache of client assertions, keyed by the proof's key: no client id has a '#'.
            fresh = try await store.consumeAssertionID(
                tenantID: tenantID,
                clientID: "dpop#" + thumbprint,
                jti: jti,
                expiresAt: issued.addingTimeInterval(DPoPProof.maximumAge + DPoPProof.clockSkew),
                now: now
            )
        } catch {
            throw .invalid("the replay cache did not answer; retry with a new proof")
        }
        guard fresh else { throw .invalid("the DPoP proof's jti was already used (replay)") }
        return DPoPProof(thumbprint: thumbprint, jti: jti)
    }

    /// RFC 9449 §4.3 with RFC 3986 §6.2.2-6.2.3: the URI without query and fragment, scheme and host
    /// in lowercase, the scheme's default port dropped, an empty path as "/"; nil if it is not an
    /// absolute http(s) URI.
    static func normalized(_ uri: String) -> String? {
        guard var parts = URLComponents(string: uri), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = parts.host?.lowercased(), !host.isEmpty
        else { return nil }
        parts.query = nil
        parts.fragment = nil
        let port = parts.port.flatMap { ($0 == 80 && scheme == "http") || ($0 == 443 && scheme == "https") ? nil : $0 }
        let path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        return "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")\(path)"
    }
}
