import Foundation

/// A decoded but not yet verified compact JWS. Nothing in it is trustworthy until `verify(with:)` returns true.
public struct ParsedJWS: Sendable {
    /// The protected header as JSON.
    public let header: [String: JSONValue]
    /// The payload (claims) as JSON.
    public let payload: [String: JSONValue]
    /// The decoded header bytes exactly as signed.
    public let headerBytes: Data
    /// The decoded payload bytes exactly as signed (decode claims from these with your own `Codable` types if you prefer).
    public let payloadBytes: Data
    /// ASCII of "b64header.b64payload": what the signature covers.
    public let signingInput: Data
    /// The decoded signature bytes.
    public let signature: Data

    /// Header `alg`, e.g. "ES256".
    public var algorithm: String? { header["alg"]?.stringValue }

    /// Header `kid`, for choosing the key from a `JWKSet`.
    public var keyID: String? { header["kid"]?.stringValue }

    /// Header `typ`, e.g. "JWT" or "at+jwt".
    public var type: String? { header["typ"]?.stringValue }

    /// True only if the header `alg` equals `key.algorithm` exactly (so "none", HMAC and
    /// algorithm confusion all fail), the header has no `crit` (no extensions are understood,
    /// RFC 7515 §4.1.11), and the signature verifies over `signingInput`.
    public func verify(with key: VerificationKey) -> Bool {
        guard let algorithm, algorithm == key.algorithm.rawValue, header["crit"] == nil else { return false }
        return key.verify(signature: signature, for: signingInput)
    }
}
