import Foundation
import Synchronization

/// The configuration the hot path reads, in memory. Reloaded right after this process changes it, and
/// by `watch` when another process (a console beside `claimdeck serve`, the CLI) does, within
/// `pollInterval`.
public final class ConfigCache: Sendable {
    private let store: any ConfigStore
    private let current: Mutex<ConfigSnapshot>
    /// What `watch` sleeps on between polls: injected so tests move it by hand instead of waiting.
    private let clock: any Clock<Duration>
    /// Announced configuration changes, when the store has a change feed.
    let signal: ChangeSignal?

    /// - Parameter clock: the clock `watch` waits on between polls.
    public convenience init(store: any ConfigStore, clock: any Clock<Duration> = ContinuousClock()) async throws {
        try await self.init(store: store, clock: clock, signal: nil)
    }

    init(store: any ConfigStore, clock: any Clock<Duration>, signal: ChangeSignal?) async throws {
        self.store = store
        self.clock = clock
        self.signal = signal
        self.current = Mutex(try await store.loadSnapshot())
    }

    /// The configuration now. Cheap: the dictionaries are shared, not copied.
    public var snapshot: ConfigSnapshot { current.withLock { $0 } }

    /// Reloads unconditionally.
    public func reload() async throws {
        let fresh = try await store.loadSnapshot()
        current.withLock { if fresh.version >= $0.version { $0 = fresh } }
    }

    /// Reloads if the store's version moved; true if it did.
    @discardableResult
    public func refreshIfChanged() async throws -> Bool {
        let version = try await store.configVersion()
        if version == snapshot.version { return false }
        try await reload()
        return true
    }

    /// How often `watch` asks the store whether another process changed the configuration. An
    /// incident action (a client disabled, a secret rotated, a key retired) from the CLI or a console
    /// is in force on every server of the database this long after it commits. A poll is one read of
    /// one row (tens of microseconds); a reload happens only when the version moved.
    public static let pollInterval: Duration = .milliseconds(10)

    /// Without a change feed: polls the store until the task is cancelled, waiting `interval` on the
    /// cache's clock between polls. With one (`signal`, PostgreSQL): reloads when a change is announced,
    /// and asks the store every `fallbackInterval` besides, in case a notification was lost.
    public func watch(every interval: Duration = ConfigCache.pollInterval) async {
        while !Task.isCancelled {
            if let signal {
                let seen = signal.generation
                _ = try? await refreshIfChanged()
                await signal.wait(after: seen, atMost: Self.fallbackInterval, clock: clock)
            } else {
                try? await clock.sleep(for: interval)
                _ = try? await refreshIfChanged()
            }
        }
    }

    /// How often `watch` asks a store that announces its changes anyway.
    public static let fallbackInterval: Duration = .seconds(1)
}
