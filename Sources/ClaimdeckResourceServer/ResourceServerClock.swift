import Foundation

/// Where the library reads the time: token expiry, cache lifetimes and the JWKS refetch rate limit.
/// Injected so tests (and an API with its own time source) decide exactly what "now" is.
public protocol ResourceServerClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's clock, the default.
public struct SystemResourceServerClock: ResourceServerClock {
    /// The system clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }
}
