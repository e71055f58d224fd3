/// Scrypt work parameters; stored in every password hash so they can be raised later without breaking old hashes.
public struct ScryptCost: Sendable, Hashable {
    /// CPU/memory cost N; a power of two.
    public var n: Int
    /// Block size r.
    public var r: Int
    /// Parallelism p.
    public var p: Int

    /// Arbitrary parameters; `PasswordHasher` refuses ones outside `isAcceptable`.
    public init(n: Int, r: Int, p: Int) {
        self.n = n
        self.r = r
        self.p = p
    }

    /// N = 2^15, r = 8, p = 1 (32 MiB, tens of ms): the common interactive-login setting.
    public static let interactive = ScryptCost(n: 1 << 15, r: 8, p: 1)

    /// N = 2^10, r = 8, p = 1: fast, for tests only.
    public static let testing = ScryptCost(n: 1 << 10, r: 8, p: 1)

    /// Memory cap for one hash, so a hostile or corrupted encoding cannot exhaust memory.
    public static let maximumMemoryBytes = 256 * 1024 * 1024

    /// True if N is a power of two in 2...2^20, r in 1...32, p in 1...16, 128·N·r·p <= 256 MiB,
    /// and the parameters fit the memory limit swift-crypto hands BoringSSL (128·N·r·p plus one 4 KiB page,
    /// while BoringSSL needs 128·r·(N + p + 1)); e.g. r = 32 with p = 1 does not fit and is refused up front.
    public var isAcceptable: Bool {
        guard n >= 2, n <= 1 << 20, n & (n - 1) == 0, (1...32).contains(r), (1...16).contains(p) else { return false }
        let memory = 128 * n * r * p
        return memory <= Self.maximumMemoryBytes && 128 * r * (n + p + 1) <= memory + 4096
    }
}
