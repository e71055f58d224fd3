import Foundation

/// How the Shared Signals transmitter delivers: retries, expiry, leases, polling.
public struct SecurityEventPolicy: Sendable, Hashable {
    /// How long an event waits for its receiver (pushes retried, polls answered) before it is dropped.
    /// A day: longer than any access token lives, so an event never expires before what it revokes.
    public var lifetime: TimeInterval
    /// The wait after the first failed push; each further failure doubles it, up to `maximumRetryDelay`.
    public var firstRetryDelay: TimeInterval
    public var maximumRetryDelay: TimeInterval
    /// A push that has not answered by then counts as failed (and is retried).
    public var pushTimeout: Duration
    /// How long a claimed event is reserved for the node that claimed it; after a crash, another
    /// node (or this one, restarted) pushes it once the lease is over.
    public var lease: TimeInterval
    /// Events claimed per pass.
    public var batchSize: Int
    /// How often the delivery loop looks for due events written by another process (the CLI, a
    /// second node); events this process emits are pushed at once.
    public var scanInterval: Duration
    /// The longest a poll without `returnImmediately` waits for an event (RFC 8936 long polling).
    public var longPollTimeout: Duration
    /// The most subjects a design publish sends token-claims-change for (a preview each, at publish).
    public var claimsChangeSubjectLimit: Int
    /// SSF §8.1.1 `min_verification_interval`, seconds: a verification asked for sooner after the last
    /// one is 429 with `Retry-After`.
    public var minVerificationInterval: Int

    public init(
        lifetime: TimeInterval = 86_400,
        firstRetryDelay: TimeInterval = 1,
        maximumRetryDelay: TimeInterval = 300,
        pushTimeout: Duration = .seconds(10),
        lease: TimeInterval = 60,
        batchSize: Int = 50,
        scanInterval: Duration = .milliseconds(250),
        longPollTimeout: Duration = .seconds(15),
        claimsChangeSubjectLimit: Int = 10_000,
        minVerificationInterval: Int = 15
    ) {
        self.lifetime = lifetime
        self.firstRetryDelay = firstRetryDelay
        self.maximumRetryDelay = maximumRetryDelay
        self.pushTimeout = pushTimeout
        self.lease = lease
        self.batchSize = batchSize
        self.scanInterval = scanInterval
        self.longPollTimeout = longPollTimeout
        self.claimsChangeSubjectLimit = claimsChangeSubjectLimit
        self.minVerificationInterval = minVerificationInterval
    }

    /// The wait before the next push of an event that failed `attempts` times (1, 2, 4, ... seconds).
    public func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        min(maximumRetryDelay, firstRetryDelay * pow(2, Double(min(max(attempts - 1, 0), 30))))
    }
}
