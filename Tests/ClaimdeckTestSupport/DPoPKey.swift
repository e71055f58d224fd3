import Foundation
import JOSE

/// A client's DPoP key (RFC 9449 §4), making proofs the way a client library does, and, for the
/// refusal tests, proofs that break one rule each. Shared by OAuthHTTPTests and the resource-server tests.
public struct DPoPKey: Sendable {
    public let pair: SigningKeyPair

    public init(_ algorithm: SigningAlgorithm = .es256) throws { pair = try SigningKeyPair.generate(algorithm) }

    /// RFC 7638 thumbprint, what bound tokens carry as `cnf.jkt`.
    public var thumbprint: String { pair.publicKey.thumbprint }

    /// The public JWK as a proof's header carries it.
    public var publicJWK: JSONValue {
        guard let data = try? JSONEncoder().encode(pair.publicKey.jwk(kid: "k1")), let value = try? JSONValue(parsing: data) else { return .null }
        return value
    }

    /// `base64url(SHA-256(token))`, the `ath` of a proof sent with an access token.
    public static func ath(_ token: String) -> String { Base64URL.encode(SecretDigest.sha256(token)) }

    /// A proof; every member can be replaced (`header`/`claims` entries set to `.null` are removed).
    public func proof(
        htm: String = "POST",
        htu: String,
        iat: Date = Date(),
        jti: String = UUID().uuidString,
        ath: String? = nil,
        nonce: String? = nil,
        header: [String: JSONValue] = [:],
        claims: [String: JSONValue] = [:],
        signer: SigningKeyPair? = nil
    ) throws -> String {
        var h: [String: JSONValue] = ["typ": "dpop+jwt", "alg": .string(pair.algorithm.rawValue), "jwk": publicJWK]
        var c: [String: JSONValue] = [
            "htm": .string(htm), "htu": .string(htu), "iat": .number(iat.timeIntervalSince1970.rounded(.down)), "jti": .string(jti),
        ]
        if let ath { c["ath"] = .string(ath) }
        if let nonce { c["nonce"] = .string(nonce) }
        for (k, v) in header { h[k] = v == .null ? nil : v }
        for (k, v) in claims { c[k] = v == .null ? nil : v }
        return try JWS.sign(
            headerJSON: Array(JSONValue.object(h).serialized()),
            payloadJSON: Array(JSONValue.object(c).serialized()),
            key: signer ?? pair
        )
    }
}
