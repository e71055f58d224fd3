/// Where this module gets random bytes (salts, nonces), injected so tests can be exact.
public protocol RandomSource: Sendable {
    /// Returns exactly `count` random bytes (an empty array for `count <= 0`).
    func bytes(_ count: Int) -> [UInt8]
}

/// Cryptographically secure randomness from the operating system via `SystemRandomNumberGenerator`
/// (getrandom(2) on Linux). The default everywhere outside tests.
public struct SystemRandomSource: RandomSource {
    /// Stateless; create freely.
    public init() {}

    /// `count` bytes from the system CSPRNG.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var generator = SystemRandomNumberGenerator()
        var output = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var word = generator.next()
            for _ in 0..<min(8, count - i) {
                output[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        return output
    }
}
