import Foundation
import JOSE

/// Finds the stored record of a presented token string: an opaque token carries its id, a JWT its
/// `jti`. The record is trusted only if the SHA-256 of the whole string matches the stored digest, so
/// a forged JWT with a real `jti` is not found, without verifying the signature.
enum TokenLocator {
    static let opaqueAccessPrefix = "cdo_"
    static let refreshPrefix = "cdr_"
    static let codePrefix = "cdc_"
    static let idLength = 26

    /// Opaque handles are `<prefix><id><secret>`: the prefix says the kind, the id finds the row.
    static func opaque(prefix: String, id: String, secret: String) -> String { prefix + id + secret }

    static func tokenID(of token: String) -> String? {
        for prefix in [opaqueAccessPrefix, refreshPrefix, codePrefix] where token.hasPrefix(prefix) {
            let body = token.utf8.dropFirst(prefix.utf8.count)
            guard body.count > idLength else { return nil }
            return String(decoding: body.prefix(idLength), as: UTF8.self)
        }
        guard token.utf8.count <= 16_384, let jws = JWS.parse(token) else { return nil }
        return jws.payload["jti"]?.stringValue
    }

    static func locate(_ token: String, tenantID: String, store: any TokenStore) async throws -> TokenRecord? {
        guard let id = tokenID(of: token), id.utf8.count <= 64 else { return nil }
        guard let record = try await store.token(id: id), record.tenantID == tenantID,
            SecretDigest.constantTimeEquals(record.digest, SecretDigest.sha256(token))
        else { return nil }
        return record
    }
}
