import Crypto
import CryptoExtras
import Foundation

/// A public key that verifies JWS signatures for exactly one `SigningAlgorithm`.
///
/// Built from a JWK (a client's or federation partner's `jwks_uri`) or taken from a
/// `SigningKeyPair`. Construction validates the key fully (curve point, RSA size),
/// so verification itself never throws: a bad signature is simply `false`.
public struct VerificationKey: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PublicKey)
        case rsa(_RSA.Signing.PublicKey, modulusByteCount: Int)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    /// The only algorithm this key verifies; `ParsedJWS.verify(with:)` requires the header `alg` to equal it.
    public let algorithm: SigningAlgorithm
    let backing: Backing
    /// Canonical public members (kty, crv, x, y, n, e) without kid/alg/use; the thumbprint input.
    private let members: JWK

    /// Smallest RSA modulus accepted (RFC 7518 §3.3).
    public static let minimumRSABits = 2048
    /// Largest RSA modulus accepted, so a hostile JWK cannot make verification arbitrarily slow.
    public static let maximumRSABits = 8192

    /// Validates and imports a public JWK: EC P-256 (`x`, `y`), RSA (`n`, `e`, 2048...8192 bits)
    /// or OKP Ed25519 (`x`). If present, `alg` must match the key type and `use` must be "sig". An RSA
    /// key verifies the `alg` it names (RS256 or PS256), RS256 when it names none.
    public init(jwk: JWK) throws {
        if let use = jwk.use, use != "sig" {
            throw JOSEError.unsupportedKey(reason: "JWK use is not \"sig\"")
        }
        switch jwk.kty {
        case "EC":
            try Self.checkAlg(jwk, .es256)
            guard jwk.crv == "P-256" else { throw JOSEError.unsupportedKey(reason: "EC curve is not P-256") }
            guard let x = jwk.x.flatMap(Base64URL.decode), let y = jwk.y.flatMap(Base64URL.decode),
                x.count == 32, y.count == 32
            else { throw JOSEError.malformedKey(reason: "EC x and y must be 32-byte base64url values") }
            let point = [0x04] + [UInt8](x) + [UInt8](y)
            guard let key = try? P256.Signing.PublicKey(x963Representation: point) else {
                throw JOSEError.malformedKey(reason: "EC point is not on P-256")
            }
            self.init(p256: key)
        case "RSA":
            let algorithm: SigningAlgorithm = jwk.alg == SigningAlgorithm.ps256.rawValue ? .ps256 : .rs256
            try Self.checkAlg(jwk, algorithm)
            guard let nData = jwk.n.flatMap(Base64URL.decode), let eData = jwk.e.flatMap(Base64URL.decode) else {
                throw JOSEError.malformedKey(reason: "RSA n and e must be base64url values")
            }
            let n = Self.strippingLeadingZeros([UInt8](nData))
            let e = Self.strippingLeadingZeros([UInt8](eData))
            let bits = Self.bitLength(n)
            guard bits >= Self.minimumRSABits else { throw JOSEError.weakKey(bits: bits) }
            guard bits <= Self.maximumRSABits else { throw JOSEError.unsupportedKey(reason: "RSA modulus longer than 8192 bits") }
            guard !e.isEmpty, e.count <= 4 else { throw JOSEError.malformedKey(reason: "RSA exponent out of range") }
            guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else {
                throw JOSEError.malformedKey(reason: "RSA parameters rejected")
            }
            self.init(rsa: key, n: n, e: e, algorithm: algorithm)
        case "OKP":
            try Self.checkAlg(jwk, .edDSA)
            guard jwk.crv == "Ed25519" else { throw JOSEError.unsupportedKey(reason: "OKP curve is not Ed25519") }
            guard let x = jwk.x.flatMap(Base64URL.decode), x.count == 32,
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
            else { throw JOSEError.malformedKey(reason: "Ed25519 x must be a 32-byte base64url value") }
            self.init(ed25519: key)
        default:
            throw JOSEError.unsupportedKey(reason: "key type is not EC, RSA or OKP")
        }
    }

    /// The key of `jwk` for verifying `algorithm`: for a JWK that names no `alg`, the algorithm a JWS
    /// header asks for (an RSA key serves RS256 or PS256). Still one algorithm per key: the result
    /// verifies `algorithm` only, and a JWK whose `alg` or key type says otherwise is refused.
    public init(jwk: JWK, algorithm: SigningAlgorithm) throws {
        var pinned = jwk
        pinned.alg = jwk.alg ?? algorithm.rawValue
        try self.init(jwk: pinned)
        guard self.algorithm == algorithm else {
            throw JOSEError.unsupportedKey(reason: "the key is not for \(algorithm.rawValue)")
        }
    }

    init(p256 key: P256.Signing.PublicKey) {
        let point = [UInt8](key.x963Representation)  // 0x04 || x || y
        algorithm = .es256
        backing = .p256(key)
        members = JWK(kty: "EC", crv: "P-256", x: Base64URL.encode(point[1..<33]), y: Base64URL.encode(point[33..<65]))
    }

    init(rsa key: _RSA.Signing.PublicKey, n: [UInt8], e: [UInt8], algorithm: SigningAlgorithm) {
        self.algorithm = algorithm
        backing = .rsa(key, modulusByteCount: (key.keySizeInBits + 7) / 8)
        members = JWK(kty: "RSA", n: Base64URL.encode(n), e: Base64URL.encode(e))
    }

    init(rsa key: _RSA.Signing.PublicKey, algorithm: SigningAlgorithm = .rs256) throws {
        guard let primitives = try? key.getKeyPrimitives() else {
            throw JOSEError.malformedKey(reason: "RSA public parameters unavailable")
        }
        self.init(
            rsa: key,
            n: Self.strippingLeadingZeros([UInt8](primitives.modulus)),
            e: Self.strippingLeadingZeros([UInt8](primitives.publicExponent)),
            algorithm: algorithm
        )
    }

    init(ed25519 key: Curve25519.Signing.PublicKey) {
        algorithm = .edDSA
        backing = .ed25519(key)
        members = JWK(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(key.rawRepresentation))
    }

    /// True if `signature` is a valid JWS signature of `message` under this key and algorithm.
    /// Wrong-length signatures are rejected before any crypto runs.
    public func verify(signature: Data, for message: some DataProtocol) -> Bool {
        switch backing {
        case .p256(let key):
            guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                return false
            }
            return key.isValidSignature(parsed, for: message)
        case .rsa(let key, let modulusByteCount):
            guard signature.count == modulusByteCount else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: message,
                padding: algorithm == .ps256 ? .PSS : .insecurePKCS1v1_5
            )
        case .ed25519(let key):
            guard signature.count == 64 else { return false }
            return key.isValidSignature(signature, for: message)
        }
    }

    /// The public JWK to publish in `jwks_uri`, with `kid`, `alg` and `use: "sig"` set.
    public func jwk(kid: String) -> JWK {
        var jwk = members
        jwk.kid = kid
        jwk.alg = algorithm.rawValue
        jwk.use = "sig"
        return jwk
    }

    /// RFC 7638 JWK thumbprint: base64url SHA-256 of the required members in lexicographic order.
    /// A stable, content-derived `kid` candidate.
    public var thumbprint: String {
        let json: String
        switch algorithm {
        case .es256:
            json = #"{"crv":"P-256","kty":"EC","x":"\#(members.x ?? "")","y":"\#(members.y ?? "")"}"#
        case .rs256, .ps256:
            json = #"{"e":"\#(members.e ?? "")","kty":"RSA","n":"\#(members.n ?? "")"}"#
        case .edDSA:
            json = #"{"crv":"Ed25519","kty":"OKP","x":"\#(members.x ?? "")"}"#
        }
        return Base64URL.encode(SHA256.hash(data: Array(json.utf8)))
    }

    private static func checkAlg(_ jwk: JWK, _ expected: SigningAlgorithm) throws {
        if let alg = jwk.alg, alg != expected.rawValue {
            throw JOSEError.unsupportedKey(reason: "JWK alg does not match its key type")
        }
    }

    static func strippingLeadingZeros(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return [] }
        return Array(bytes[first...])
    }

    static func bitLength(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.first else { return 0 }
        return (bytes.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }
}
