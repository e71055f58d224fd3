/// Why the server's certificate or key cannot be used, naming the file and what to do. Never holds
/// key material.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }

    static func unreadable(_ what: String, _ path: String, _ reason: String) -> TLSSetupError {
        TLSSetupError("cannot read the \(what) file \(path): \(reason)")
    }
}
