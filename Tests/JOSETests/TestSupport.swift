import Foundation
import JOSE

/// Helpers shared by the test files.
enum TestSupport {
    /// A typical compact claims payload.
    static let payload = Data(#"{"iss":"https://issuer.example","sub":"alice","aud":"client-1","iat":1700000000,"exp":1700003600}"#.utf8)

    /// `{"alg":…,"kid":…,"typ":"JWT"}` for `key`.
    static func header(_ key: SigningKeyPair, kid: String = "k1") -> Data {
        JWS.header(for: key, kid: kid)
    }

    /// Replaces part `index` (0 header, 1 payload, 2 signature) of a compact JWS.
    static func replacingPart(_ token: String, _ index: Int, with part: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[index] = part
        return parts.joined(separator: ".")
    }

    /// Base64url of a UTF-8 string.
    static func b64(_ text: String) -> String {
        Base64URL.encode(Array(text.utf8))
    }
}
