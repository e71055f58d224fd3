/// The browser-session cookie: `cds_<session id><secret>`. The id finds the row; the SHA-256 of the
/// whole value must match the stored digest.
public enum SessionCookie {
    public static let name = "claimdeck_session"
    static let prefix = "cds_"

    static func sessionID(of value: String) -> String? {
        guard value.hasPrefix(prefix), value.utf8.count > prefix.utf8.count + TokenLocator.idLength, value.utf8.count < 256 else { return nil }
        return String(decoding: value.utf8.dropFirst(prefix.utf8.count).prefix(TokenLocator.idLength), as: UTF8.self)
    }
}
