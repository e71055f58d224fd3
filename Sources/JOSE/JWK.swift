/// A public JSON Web Key (RFC 7517) with the members Claimdeck publishes and reads.
///
/// Only public members exist here, so a JWK can never leak a private key when encoded.
/// Unknown members (`x5c`, `key_ops`, ...) are ignored when decoding; `nil` members are
/// omitted when encoding. Turn it into a usable key with `VerificationKey(jwk:)`.
public struct JWK: Codable, Sendable, Hashable {
    /// Key type: "EC", "RSA" or "OKP".
    public var kty: String
    /// Curve for EC/OKP keys: "P-256" or "Ed25519".
    public var crv: String?
    /// EC x coordinate or OKP public key, base64url.
    public var x: String?
    /// EC y coordinate, base64url.
    public var y: String?
    /// RSA modulus, base64url big-endian.
    public var n: String?
    /// RSA public exponent, base64url big-endian.
    public var e: String?
    /// Key ID that JWS headers refer to.
    public var kid: String?
    /// Algorithm the key is meant for, e.g. "ES256".
    public var alg: String?
    /// Intended use; "sig" for signature keys.
    public var use: String?

    /// Memberwise initializer; every member but `kty` defaults to absent.
    public init(
        kty: String,
        crv: String? = nil,
        x: String? = nil,
        y: String? = nil,
        n: String? = nil,
        e: String? = nil,
        kid: String? = nil,
        alg: String? = nil,
        use: String? = nil
    ) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.n = n
        self.e = e
        self.kid = kid
        self.alg = alg
        self.use = use
    }

    private enum CodingKeys: String, CodingKey {
        case kty, crv, x, y, n, e, kid, alg, use
    }

    /// Decodes a JWK; only `kty` is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kty = try c.decode(String.self, forKey: .kty)
        crv = try c.decodeIfPresent(String.self, forKey: .crv)
        x = try c.decodeIfPresent(String.self, forKey: .x)
        y = try c.decodeIfPresent(String.self, forKey: .y)
        n = try c.decodeIfPresent(String.self, forKey: .n)
        e = try c.decodeIfPresent(String.self, forKey: .e)
        kid = try c.decodeIfPresent(String.self, forKey: .kid)
        alg = try c.decodeIfPresent(String.self, forKey: .alg)
        use = try c.decodeIfPresent(String.self, forKey: .use)
    }

    /// Encodes a JWK, omitting absent members (never `"crv": null`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kty, forKey: .kty)
        try c.encodeIfPresent(crv, forKey: .crv)
        try c.encodeIfPresent(x, forKey: .x)
        try c.encodeIfPresent(y, forKey: .y)
        try c.encodeIfPresent(n, forKey: .n)
        try c.encodeIfPresent(e, forKey: .e)
        try c.encodeIfPresent(kid, forKey: .kid)
        try c.encodeIfPresent(alg, forKey: .alg)
        try c.encodeIfPresent(use, forKey: .use)
    }
}
