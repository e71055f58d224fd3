import Foundation

/// Base64url without padding (RFC 4648 §5), as every JOSE structure uses it (RFC 7515 §2).
///
/// Decoding is strict so one byte string has exactly one encoding: padding (`=`),
/// whitespace, characters outside the URL-safe alphabet, impossible lengths
/// (length % 4 == 1) and non-zero trailing bits are all rejected with `nil`.
public enum Base64URL: Sendable {
    /// Encodes `bytes` as unpadded base64url.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        if let result = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { encode($0) }
    }

    /// Decodes unpadded base64url; returns `nil` on any malformed input.
    public static func decode(_ string: some StringProtocol) -> Data? {
        if let result = string.utf8.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(string.utf8).withUnsafeBytes { decode($0) }
    }

    // MARK: - Internal fast paths (no intermediate allocations)

    /// The 64-character URL-safe alphabet; a static string literal, so lookups touch no heap.
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Number of characters `byteCount` bytes encode to without padding.
    @inline(__always)
    static func encodedLength(_ byteCount: Int) -> Int {
        (byteCount * 4 + 2) / 3
    }

    /// Encodes `source` into a fresh `String` with a single allocation.
    static func encode(_ source: UnsafeRawBufferPointer) -> String {
        let length = encodedLength(source.count)
        guard length > 0 else { return "" }
        return String(unsafeUninitializedCapacity: length) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return encode(source, into: base)
        }
    }

    /// Writes the encoding of `source` at `destination`, which must have room for
    /// `encodedLength(source.count)` bytes; returns the number of bytes written.
    @discardableResult
    static func encode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<UInt8>) -> Int {
        let table = alphabet.utf8Start
        let count = source.count
        var i = 0
        var o = 0
        while i + 3 <= count {
            let b0 = source[i]
            let b1 = source[i + 1]
            let b2 = source[i + 2]
            destination[o] = table[Int(b0 >> 2)]
            destination[o + 1] = table[Int((b0 & 0x03) << 4 | b1 >> 4)]
            destination[o + 2] = table[Int((b1 & 0x0F) << 2 | b2 >> 6)]
            destination[o + 3] = table[Int(b2 & 0x3F)]
            i += 3
            o += 4
        }
        switch count - i {
        case 1:
            let b0 = source[i]
            destination[o] = table[Int(b0 >> 2)]
            destination[o + 1] = table[Int((b0 & 0x03) << 4)]
            o += 2
        case 2:
            let b0 = source[i]
            let b1 = source[i + 1]
            destination[o] = table[Int(b0 >> 2)]
            destination[o + 1] = table[Int((b0 & 0x03) << 4 | b1 >> 4)]
            destination[o + 2] = table[Int((b1 & 0x0F) << 2)]
            o += 3
        default:
            break
        }
        return o
    }

    /// Maps one alphabet character to its 6-bit value, or 0xFF if it is not in the alphabet.
    @inline(__always)
    static func sextet(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c &- 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c &- 71
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &+ 4
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: 0xFF
        }
    }

    /// True if every byte is in the base64url alphabet (used to vet pre-encoded headers).
    static func isAlphabet(_ source: UnsafeRawBufferPointer) -> Bool {
        for c in source where sextet(c) == 0xFF { return false }
        return true
    }

    /// Decodes `source` (ASCII bytes) into `Data`, or `nil` if malformed.
    static func decode(_ source: UnsafeRawBufferPointer) -> Data? {
        let count = source.count
        if count % 4 == 1 { return nil }
        let outputLength = (count * 3) / 4
        if outputLength == 0 { return Data() }
        var output = Data(count: outputLength)
        let ok = output.withUnsafeMutableBytes { out -> Bool in
            guard let destination = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            return decode(source, into: destination)
        }
        return ok ? output : nil
    }

    /// Decodes `source` into `destination` (room for the decoded length); false if malformed.
    static func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<UInt8>) -> Bool {
        let count = source.count
        var i = 0
        var o = 0
        while i + 4 <= count {
            let a = sextet(source[i])
            let b = sextet(source[i + 1])
            let c = sextet(source[i + 2])
            let d = sextet(source[i + 3])
            if (a | b | c | d) & 0xC0 != 0 { return false }
            destination[o] = a << 2 | b >> 4
            destination[o + 1] = b << 4 | c >> 2
            destination[o + 2] = c << 6 | d
            i += 4
            o += 3
        }
        switch count - i {
        case 0:
            return true
        case 2:
            let a = sextet(source[i])
            let b = sextet(source[i + 1])
            if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return false }
            destination[o] = a << 2 | b >> 4
            return true
        case 3:
            let a = sextet(source[i])
            let b = sextet(source[i + 1])
            let c = sextet(source[i + 2])
            if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return false }
            destination[o] = a << 2 | b >> 4
            destination[o + 1] = b << 4 | c >> 2
            return true
        default:
            return false
        }
    }
}
