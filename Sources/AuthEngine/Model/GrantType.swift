/// An OAuth grant type, by its registered name.
public struct GrantType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let clientCredentials = GrantType(rawValue: "client_credentials")
    public static let authorizationCode = GrantType(rawValue: "authorization_code")
    public static let refreshToken = GrantType(rawValue: "refresh_token")
    public static let deviceCode = GrantType(rawValue: "urn:ietf:params:oauth:grant-type:device_code")
    public static let tokenExchange = GrantType(rawValue: "urn:ietf:params:oauth:grant-type:token-exchange")
    public static let jwtBearer = GrantType(rawValue: "urn:ietf:params:oauth:grant-type:jwt-bearer")

    /// Grants this build of the engine implements; registering a client for any other is refused.
    public static let implemented: [GrantType] = [
        .clientCredentials, .authorizationCode, .refreshToken, .deviceCode,
        .tokenExchange, .jwtBearer,
    ]

    /// Grants in which a person signs in; only these may be followed by refresh_token.
    public static let userGrants: [GrantType] = [.authorizationCode, .deviceCode]
}
