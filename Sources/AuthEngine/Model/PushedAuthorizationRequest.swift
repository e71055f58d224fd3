import Foundation

/// An authorization request a client pushed to the PAR endpoint (RFC 9126 §2), kept in the store
/// (so that any node may serve the authorization that follows) until it is used once or expires.
public struct PushedAuthorizationRequest: Sendable, Hashable {
    /// The random part of the `request_uri`: 256 bits, base64url.
    public var id: String
    public var tenantID: String
    /// The client that pushed it (RFC 9126 §2.2: the `request_uri` is bound to it).
    public var clientID: String
    /// The pushed parameters, as validated at push time.
    public var parameters: FormParameters
    public var createdAt: Date
    public var expiresAt: Date
    /// When an authorization code was issued from it; then it cannot be used again.
    public var usedAt: Date?

    public init(
        id: String,
        tenantID: String,
        clientID: String,
        parameters: FormParameters,
        createdAt: Date,
        expiresAt: Date,
        usedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.clientID = clientID
        self.parameters = parameters
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    /// RFC 9126 §2.2: the URN namespace of `request_uri` values.
    public static let uriPrefix = "urn:ietf:params:oauth:request_uri:"

    /// The `request_uri` the client gets.
    public var requestURI: String { Self.uriPrefix + id }

    /// The id a `request_uri` names, nil when it is not one of ours.
    public static func id(fromRequestURI uri: String) -> String? {
        guard uri.hasPrefix(uriPrefix) else { return nil }
        let id = String(uri.dropFirst(uriPrefix.count))
        guard (1...128).contains(id.utf8.count), id.utf8.allSatisfy(Self.isBase64URL) else { return nil }
        return id
    }

    /// The parameters as one form-encoded string, the way the stores keep them.
    public var encodedParameters: String { FormEncoding.encode(parameters) }

    /// Parameters read back from `encodedParameters`; nil when the stored text is not a form.
    public static func parameters(decoding text: String) -> FormParameters? {
        FormEncoding.pairs(Array(text.utf8)).map { FormParameters(pairs: $0) }
    }

    private static func isBase64URL(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) || b == 0x2D || b == 0x5F
    }
}
