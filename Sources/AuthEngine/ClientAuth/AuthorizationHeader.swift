import Foundation

/// Reads an HTTP `Authorization` header (RFC 9110 §11.6.2): one parser for every endpoint that takes
/// credentials from it. The engine receives the raw header; the HTTP layer only passes it on.
public enum AuthorizationHeader {
    /// The credentials of a header of the given scheme (case-insensitive, RFC 9110 §11.1), without
    /// surrounding spaces, possibly empty; nil for another scheme or no space after the scheme.
    ///
    /// `scheme` must be lowercase ASCII ("basic", "bearer").
    public static func credentials(_ header: String, scheme: String) -> Substring? {
        let trimmed = header.drop { $0 == " " }
        guard trimmed.utf8.count > scheme.utf8.count,
            zip(trimmed.utf8, scheme.utf8).allSatisfy({ ($0 | 0x20) == $1 }),
            trimmed.utf8.dropFirst(scheme.utf8.count).first == UInt8(ascii: " ")
        else { return nil }
        var value = trimmed.dropFirst(scheme.count + 1)
        while value.first == " " { value = value.dropFirst() }
        while value.last == " " { value = value.dropLast() }
        return value
    }

    /// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1) as a resource server reads
    /// it: surrounding whitespace of any kind trimmed; nil for another scheme or an empty token.
    public static func bearerToken(_ header: String) -> String? {
        token(header, scheme: "bearer")
    }

    /// The token of an `Authorization: DPoP <token>` header (RFC 9449 §7.1), read as `bearerToken` reads its own.
    public static func dpopToken(_ header: String) -> String? {
        token(header, scheme: "dpop")
    }

    private static func token(_ header: String, scheme: String) -> String? {
        guard let value = credentials(header, scheme: scheme) else { return nil }
        let token = value.trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
