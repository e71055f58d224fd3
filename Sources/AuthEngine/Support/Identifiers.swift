import Foundation
import JOSE

/// Generates identifiers: time-ordered ids (ULID layout: 48-bit milliseconds, 80 random bits, Crockford
/// base32) so that token rows are appended to the end of the primary-key index, and random secrets.
public struct Identifiers: Sendable {
    private let random: any RandomSource

    public init(random: any RandomSource) {
        self.random = random
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// Whether `text` has the form of a `timeOrdered` id (26 digits of its base32 alphabet), as a
    /// keyset cursor must: anything else would page by comparing unrelated text.
    public static func isTimeOrdered(_ text: String) -> Bool {
        text.utf8.count == 26 && text.utf8.allSatisfy { alphabet.contains($0) }
    }

    /// A 26-character time-ordered id.
    public func timeOrdered(at date: Date) -> String {
        Self.encode(milliseconds: Self.milliseconds(date), random: random.bytes(10))
    }

    /// The smallest time-ordered id of `date`'s millisecond: every id created before `date` sorts
    /// below it (for a store to select old rows by primary key alone).
    public static func timeOrderedFloor(at date: Date) -> String {
        encode(milliseconds: milliseconds(date), random: [UInt8](repeating: 0, count: 10))
    }

    private static func milliseconds(_ date: Date) -> UInt64 {
        UInt64(max(0, date.timeIntervalSince1970 * 1000))
    }

    private static func encode(milliseconds ms: UInt64, random r: [UInt8]) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
        for i in 0..<10 { bytes[6 + i] = r[i] }
        // 128 bits -> 26 base32 digits (the first carries 3 bits).
        var out = [UInt8](repeating: 0, count: 26)
        var hi = UInt64(0)
        var lo = UInt64(0)
        for i in 0..<8 { hi = hi << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { lo = lo << 8 | UInt64(bytes[i]) }
        for i in stride(from: 25, through: 0, by: -1) {
            out[i] = alphabet[Int(lo & 31)]
            lo = (lo >> 5) | ((hi & 31) << 59)
            hi >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A random secret of `bytes` bytes, base64url.
    public func secret(bytes: Int = 32) -> String {
        Base64URL.encode(random.bytes(bytes))
    }

    /// A short random suffix for readable ids ("billing-7f3k").
    public func shortID(length: Int = 8) -> String {
        let r = random.bytes(length)
        return String(decoding: r.map { Self.alphabet[Int($0 & 31)] }, as: UTF8.self).lowercased()
    }
}
