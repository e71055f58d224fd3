import Foundation
import JOSE

/// Finds the stored record of a presented token string: an opaque token carries its id, a JWT its
/// `jti`. The record is trusted only if the SHA-256 of the whole string matches the stored digest, so
/// a forged JWT with a real `jti` is not found, without verifying the signature.
enum TokenLocator {
    static let opaqueAccessPrefix = "cdo_"
    static let idLength = 26

    static func tokenID(of token: String) -> String? {
        if token.hasPrefix(opaqueAccessPrefix) {
            let body = token.utf8.dropFirst(opaqueAccessPrefix.utf8.count)
            guard body.count > idLength else { return nil }
            return String(decoding: body.prefix(idLength), as: UTF8.self)
        }
        guard token.utf8.count <= 16_384, let jws = JWS.parse(token) else { return nil }
        return jws.payload["jti"]?.stringValue
    }

    static func locate(_ token: String, tenantID: String, store: any TokenStore) async throws -> TokenRecord? {
        guard let id = tokenID(of: token), id.utf8.count <= 64 else { return nil }
        guard let record = try await store.token(id: id), record.tenantID == tenantID,
              SecretDigest.constantTimeEquals(record.digest, SecretDigest.sha256(token)) else { return nil }
        return record
    }
}
