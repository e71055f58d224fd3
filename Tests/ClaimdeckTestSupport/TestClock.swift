import Foundation
import Synchronization

/// A `Clock` that moves only when the test says so: what the engine's timers (the config watch, lookup
/// timeouts) are given in tests, so a timeout fires on `advance(by:)` instead of after real time.
/// (`ManualWallClock` is its counterpart for the dates the engine stamps.)
public final class TestClock: Clock, Sendable {
    public typealias Duration = Swift.Duration

    /// Time since the clock was made.
    public struct Instant: InstantProtocol {
        public var offset: Swift.Duration

        public init(offset: Swift.Duration) { self.offset = offset }
        public func advanced(by duration: Swift.Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [UInt64: Sleeper] = [:]
        /// Sleeps cancelled before they were registered.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }

    public var minimumResolution: Swift.Duration { .zero }

    /// How many tasks are sleeping on this clock now.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Swift.Duration? = nil) async throws {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Start { case sleep, wake, cancel }
                let start: Start = state.withLock { s in
                    if s.cancelled.remove(id) != nil { return .cancel }
                    if deadline <= s.now { return .wake }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .sleep
                }
                switch start {
                case .sleep: break
                case .wake: continuation.resume()
                case .cancel: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { s in
                guard let sleeper = s.sleepers.removeValue(forKey: id) else {
                    s.cancelled.insert(id)
                    return nil
                }
                return sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on and wakes every sleep whose deadline has come.
    public func advance(by duration: Swift.Duration) {
        let due: [Sleeper] = state.withLock { s in
            s.now = s.now.advanced(by: duration)
            let now = s.now
            let ids = s.sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { s.sleepers.removeValue(forKey: $0) }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits (in real time, up to `limit`) until at least `count` tasks sleep on this clock, so that an
    /// `advance` after it reaches them; false if they never did.
    public func waitForSleepers(_ count: Int = 1, limit: Swift.Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if sleeping >= count { return true }
            try await Task.sleep(for: .milliseconds(1))
        }
        return sleeping >= count
    }
}
