import Foundation
import JOSE
import Synchronization

/// Unsealed signing keys, cached per kid, with their encoded JWS headers so that minting a token only
/// serializes the payload and signs.
public final class Keyring: Sendable {
    /// A key ready to sign.
    public struct LoadedKey: Sendable {
        public let kid: String
        public let pair: SigningKeyPair
        /// base64url JOSE headers by `typ` ("at+jwt", "token-introspection+jwt", "JWT").
        public let encodedHeaders: [String: String]

        public func encodedHeader(typ: String) -> String {
            encodedHeaders[typ] ?? Keyring.encodeHeader(alg: pair.algorithm, kid: kid, typ: typ)
        }
    }

    static let commonTypes = ["at+jwt", "token-introspection+jwt", "JWT"]

    private let box: SecretBox
    private let cache = Mutex<[String: LoadedKey]>([:])

    public init(masterKey: Data) throws {
        self.box = try SecretBox(masterKey: masterKey)
    }

    /// The active key of `tenant` for `algorithm`.
    public func signingKey(tenantID: String, algorithm: SigningAlgorithm, snapshot: ConfigSnapshot) throws(OAuthError) -> LoadedKey {
        guard let record = snapshot.keys[tenantID]?.first(where: { $0.algorithm == algorithm && $0.state == .active }) else {
            throw OAuthError(
                code: "server_error",
                description:
                    "tenant '\(tenantID)' has no active \(algorithm.rawValue) key; an admin must run 'claimdeck key rotate --tenant \(tenantID) --alg \(algorithm.rawValue)'",
                status: 500
            )
        }
        do {
            return try load(record)
        } catch {
            throw OAuthError(
                code: "server_error",
                description: "the signing key of tenant '\(tenantID)' cannot be unsealed; check the master key",
                status: 500
            )
        }
    }

    /// Unseals a stored key (cached).
    /// A keyed fingerprint of `text` for records that must not hold it in clear (see `SecretBox.fingerprint`).
    func fingerprint(_ text: String, purpose: String) -> String { box.fingerprint(text, purpose: purpose) }

    /// Seals data the store must keep but not show (under the master key, bound to `context`).
    func seal(_ plaintext: Data, context: String) throws -> Data { try box.seal(plaintext, context: context) }

    /// Opens what `seal` sealed with the same `context`.
    func open(_ sealed: Data, context: String) throws -> Data { try box.open(sealed, context: context) }

    public func load(_ record: SigningKeyRecord) throws -> LoadedKey {
        let cacheKey = record.sealContext
        if let hit = cache.withLock({ $0[cacheKey] }) { return hit }
        let raw = try box.open(record.sealedPrivateKey, context: record.sealContext)
        let pair = try SigningKeyPair(algorithm: record.algorithm, privateKeyBytes: raw)
        var headers: [String: String] = [:]
        for typ in Self.commonTypes { headers[typ] = Self.encodeHeader(alg: record.algorithm, kid: record.kid, typ: typ) }
        let loaded = LoadedKey(kid: record.kid, pair: pair, encodedHeaders: headers)
        cache.withLock { $0[cacheKey] = loaded }
        return loaded
    }

    /// Generates a key and seals its private half.
    public func generate(tenantID: String, algorithm: SigningAlgorithm, state: SigningKeyRecord.State, now: Date) throws -> SigningKeyRecord {
        let pair = try SigningKeyPair.generate(algorithm)
        let kid = String(pair.publicKey.thumbprint.prefix(16))
        let context = "\(tenantID)/\(kid)"
        return SigningKeyRecord(
            tenantID: tenantID,
            kid: kid,
            algorithm: algorithm,
            state: state,
            createdAt: now,
            activatedAt: state == .active ? now : nil,
            publicJWK: pair.publicKey.jwk(kid: kid),
            sealedPrivateKey: try box.seal(pair.privateKeyBytes, context: context)
        )
    }

    /// The tenant's published keys at `now`: next, active, and retired ones whose tokens may still be alive.
    public static func jwks(tenantID: String, snapshot: ConfigSnapshot, now: Date) -> JWKSet {
        let keys = (snapshot.keys[tenantID] ?? []).filter { $0.isPublished(at: now) }
            .sorted { ($0.state.order, $0.createdAt) < ($1.state.order, $1.createdAt) }
        return JWKSet(keys: keys.map(\.publicJWK))
    }

    static func encodeHeader(alg: SigningAlgorithm, kid: String, typ: String) -> String {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.field("alg", alg.rawValue)
        w.field("typ", typ)
        w.field("kid", kid)
        w.endObject()
        return Base64URL.encode(w.bytes)
    }
}

extension SigningKeyRecord.State {
    /// JWKS order: active first, then next, then retired.
    var order: Int {
        switch self {
        case .active: return 0
        case .next: return 1
        case .retired: return 2
        }
    }
}
