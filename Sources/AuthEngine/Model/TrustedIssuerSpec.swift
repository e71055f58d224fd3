import Foundation
import JOSE

/// Every setting of a trusted assertion issuer, in one shape: what an admin (CLI) or a tenant file
/// asks it to be, and, validated and normalized, what a `TrustedIssuer` is. One set of snake_case keys
/// serves the tenant file (`trusted_issuers:`) and the stored row.
public struct TrustedIssuerSpec: Sendable, Hashable, Codable {
    /// The exact `iss` of the partner's assertions.
    public var issuer: String
    /// The partner's public keys.
    public var jwks: JWKSet
    /// Accepted JWS `alg` values; empty: those of the keys. Never empty once validated.
    public var algorithms: [SigningAlgorithm]
    /// How the assertion's `sub` becomes the token's subject.
    public var subjectMapping: SubjectMapping
    /// Scopes a token from this issuer's assertions may carry, intersected with the client's; at least one.
    public var scopes: [String]
    /// Audiences a token from this issuer's assertions may be for, intersected with the client's;
    /// empty: the client's.
    public var audiences: [String]
    /// Clients that may present this issuer's assertions; empty: any client allowed the jwt-bearer grant.
    public var clients: [String]
    /// Longest accepted assertion lifetime, seconds; nil: `TrustedIssuer.defaultMaxAssertionLifetime`.
    public var maxAssertionLifetime: Int?

    public init(
        issuer: String,
        jwks: JWKSet,
        algorithms: [SigningAlgorithm] = [],
        subjectMapping: SubjectMapping,
        scopes: [String],
        audiences: [String] = [],
        clients: [String] = [],
        maxAssertionLifetime: Int? = nil
    ) {
        self.issuer = issuer
        self.jwks = jwks
        self.algorithms = algorithms
        self.subjectMapping = subjectMapping
        self.scopes = scopes
        self.audiences = audiences
        self.clients = clients
        self.maxAssertionLifetime = maxAssertionLifetime
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case issuer, jwks, algorithms, subject
        case subjectPrefix = "subject_prefix"
        case scopes, audiences, clients
        case maxAssertionLifetime = "max_assertion_lifetime"
    }

    /// `subject` is the mapping's text form (`user-id`, `username`, `attribute:<path>`, `pass-through`,
    /// with `subject_prefix`); absent `jwks` decode as no keys, which validation refuses.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mapping: SubjectMapping
        do {
            mapping = try SubjectMapping.parse(
                try c.decode(String.self, forKey: .subject),
                prefix: try c.decodeIfPresent(String.self, forKey: .subjectPrefix)
            )
        } catch let error as AdminError {
            throw DecodingError.dataCorruptedError(forKey: .subject, in: c, debugDescription: error.message)
        }
        var algorithms: [SigningAlgorithm] = []
        if var list = try? c.nestedUnkeyedContainer(forKey: .algorithms) {
            while !list.isAtEnd {
                let raw = try list.decode(String.self)
                guard let alg = SigningAlgorithm(rawValue: raw) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .algorithms,
                        in: c,
                        debugDescription:
                            "'\(Validation.printable(raw))' is not one of \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                algorithms.append(alg)
            }
        }
        self.init(
            issuer: try c.decode(String.self, forKey: .issuer),
            jwks: try c.decodeIfPresent(JWKSet.self, forKey: .jwks) ?? JWKSet(keys: []),
            algorithms: algorithms,
            subjectMapping: mapping,
            scopes: try c.decodeIfPresent([String].self, forKey: .scopes) ?? [],
            audiences: try c.decodeIfPresent([String].self, forKey: .audiences) ?? [],
            clients: try c.decodeIfPresent([String].self, forKey: .clients) ?? [],
            maxAssertionLifetime: try c.decodeIfPresent(Int.self, forKey: .maxAssertionLifetime)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(issuer, forKey: .issuer)
        try c.encode(jwks, forKey: .jwks)
        try c.encode(algorithms.map(\.rawValue), forKey: .algorithms)
        try c.encode(subjectMapping.description, forKey: .subject)
        if case .passThrough(let prefix) = subjectMapping { try c.encode(prefix, forKey: .subjectPrefix) }
        try c.encode(scopes, forKey: .scopes)
        try c.encode(audiences, forKey: .audiences)
        try c.encode(clients, forKey: .clients)
        try c.encodeIfPresent(maxAssertionLifetime, forKey: .maxAssertionLifetime)
    }

    /// Reads a partner's public keys from text: a JWK Set (`{"keys": [...]}`), a single JWK, or a PEM
    /// `PUBLIC KEY` (given `kid`, or its RFC 7638 thumbprint, as key id). Errors name `field`.
    public static func keySet(from text: String, field: String, kid: String? = nil) throws(AdminError) -> JWKSet {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") {
            do {
                let key = try VerificationKey(pem: trimmed)
                return JWKSet(keys: [key.jwk(kid: kid ?? key.thumbprint)])
            } catch {
                throw .invalid(field: field, "the PEM public key is not usable: \(error)")
            }
        }
        let data = Data(trimmed.utf8)
        if let set = try? JSONDecoder().decode(JWKSet.self, from: data) { return set }
        if var jwk = try? JSONDecoder().decode(JWK.self, from: data) {
            if let kid { jwk.kid = kid }
            return JWKSet(keys: [jwk])
        }
        throw .invalid(field: field, "is neither a JWK Set ({\"keys\": [...]}), a JWK nor a PEM 'PUBLIC KEY'")
    }
}
