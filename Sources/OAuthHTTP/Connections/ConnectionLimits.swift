import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How long a client may take and how many connections the server keeps. Slow and idle clients must
/// not hold connections for ever: under the usual limit of 1,024 descriptors, 1,100 idle sockets from
/// one unauthenticated client would otherwise stop the server answering at all.
public struct ConnectionLimits: Sendable, Hashable {
    /// From a request's first byte to its last (head and body), seconds; then 408 and close.
    public var requestTimeout: TimeInterval
    /// A keep-alive connection with no request in flight is closed after this long, seconds.
    public var idleTimeout: TimeInterval
    /// Open connections at most. Beyond it the longest-idle connection is closed to make room; when
    /// none is idle, the new one is.
    public var maxConnections: Int

    /// Descriptors kept for what is not a connection: the database and its WAL, lookups, logs.
    public static let reservedDescriptors = 64

    public init(requestTimeout: TimeInterval = 10, idleTimeout: TimeInterval = 60, maxConnections: Int? = nil) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections ?? max(16, Self.descriptorLimit().soft - Self.reservedDescriptors)
    }

    /// The process's open-file limits (`RLIMIT_NOFILE`).
    public static func descriptorLimit() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (1024, 1024) }
        return (Self.clamp(limit.rlim_cur), Self.clamp(limit.rlim_max))
    }

    /// Raises the soft open-file limit to the hard one (what a server should run with); returns the
    /// limits after.
    @discardableResult
    public static func raiseDescriptorLimit() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return descriptorLimit()
    }

    private static func clamp(_ value: rlim_t) -> Int { value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value) }

    /// What is wrong with these limits, naming the option; nil when they are usable.
    public func problem() -> String? {
        if !(requestTimeout > 0 && requestTimeout <= 3600) { return "--request-timeout must be more than 0 and at most 3600 seconds" }
        if !(idleTimeout > 0 && idleTimeout <= 86_400) { return "--idle-timeout must be more than 0 and at most 86400 seconds" }
        let soft = Self.descriptorLimit().soft
        if maxConnections < 1 || maxConnections > soft - Self.reservedDescriptors {
            return
                "--max-connections must be 1 to \(max(1, soft - Self.reservedDescriptors)) (the open-file limit \(soft) less \(Self.reservedDescriptors))"
        }
        return nil
    }
}
