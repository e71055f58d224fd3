import Foundation

/// Deterministic bytes from a seed (splitmix64), for tests only: the same seed always
/// yields the same sequence, so salts and nonces in expected values are reproducible.
/// Never use it for real secrets. A lock makes concurrent use safe (and still deterministic per call order).
public final class SeededRandomSource: RandomSource, @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next `count` bytes of the sequence.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        lock.lock()
        defer { lock.unlock() }
        var output = [UInt8]()
        output.reserveCapacity(count)
        while output.count < count {
            var word = next()
            for _ in 0..<min(8, count - output.count) {
                output.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return output
    }

    /// splitmix64 step; caller holds the lock.
    private func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
