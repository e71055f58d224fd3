import Foundation
import JOSE

/// Deterministic input mutation for the parser fuzz tests: the repository's `SeededRandomSource`
/// (splitmix64) drives every choice, so a seed names one exact sequence of inputs, and a failure
/// reproduces by its seed and case number.
struct FuzzMutator {
    private let random: SeededRandomSource

    init(seed: UInt64) {
        random = SeededRandomSource(seed: seed)
    }

    // MARK: Choices

    /// A uniform number in `0..<bound` (bound > 0); the modulo bias of 64 random bits is irrelevant here.
    func below(_ bound: Int) -> Int {
        let word = random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(word % UInt64(bound))
    }

    func chance(_ percent: Int) -> Bool { below(100) < percent }

    func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

    /// Bytes that matter to a JSON parser, and some that must never be accepted.
    private static let interesting: [UInt8] =
        Array("{}[]\",:\\/-+.eE0123456789tfnu \t\r\n".utf8)
        + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF8, 0xFF]

    func byte() -> UInt8 { chance(60) ? pick(Self.interesting) : UInt8(truncatingIfNeeded: below(256)) }

    // MARK: Mutations

    /// One to four random edits: bit flips, byte inserts and deletes, truncation, repeats and splices
    /// with `donor` (another valid input).
    func mutate(_ input: [UInt8], donor: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            switch below(7) {
            case 0 where !bytes.isEmpty:
                bytes[below(bytes.count)] ^= 1 << UInt8(below(8))
            case 1:
                bytes.insert(byte(), at: below(bytes.count + 1))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: below(bytes.count))
            case 3:
                bytes = Array(bytes.prefix(below(bytes.count + 1)))
            case 4 where !bytes.isEmpty:
                // Repeat a range in place (duplicated members, doubled brackets).
                let start = below(bytes.count)
                let end = start + below(min(16, bytes.count - start) + 1)
                bytes.insert(contentsOf: bytes[start..<end], at: end)
            case 5:
                // Splice: a prefix of this input with a suffix of the donor.
                bytes = Array(bytes.prefix(below(bytes.count + 1)) + donor.suffix(below(donor.count + 1)))
            default:
                if !bytes.isEmpty { bytes[below(bytes.count)] = byte() }
            }
        }
        return bytes
    }

    // MARK: Generated documents

    /// A random JSON value at most `depth` levels deep: all kinds, escapes, non-ASCII, extreme numbers.
    func value(depth: Int) -> JSONValue {
        switch below(depth > 0 ? 8 : 5) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return .number(number())
        case 3, 4: return .string(string())
        case 5, 6:
            var members: [String: JSONValue] = [:]
            for _ in 0..<below(5) { members[string()] = value(depth: depth - 1) }
            return .object(members)
        default:
            return .array((0..<below(5)).map { _ in value(depth: depth - 1) })
        }
    }

    func number() -> Double {
        pick([
            0, -0.0, 1, -1, 0.5, 1e-7, 123_456_789, 9_007_199_254_740_994, 1e21, -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            Double(below(1_000_000)) / 7, Double(Int64.max), Double(Int64.min),
        ])
    }

    func string() -> String {
        let pieces = ["a", "sub", "ü", "😀", "\"", "\\", "/", "\n", "\u{08}", "\u{0C}", "\u{00}", "\u{1F}", "\u{7F}", "\u{2028}", " ", "k", "é"]
        return (0..<below(6)).map { _ in pick(pieces) }.joined()
    }

    /// `[[[…]]]` or `{"a":{"a":…}}` (or a mix), `depth` levels deep.
    func nested(depth: Int) -> [UInt8] {
        var open: [UInt8] = []
        var close: [UInt8] = []
        for _ in 0..<depth {
            if chance(50) {
                open += Array(#"{"a":"#.utf8)
                close.append(UInt8(ascii: "}"))
            } else {
                open.append(UInt8(ascii: "["))
                close.append(UInt8(ascii: "]"))
            }
        }
        return open + Array("1".utf8) + close.reversed()
    }

    /// An object text whose members repeat one name, possibly spelled with a `\u` escape the second time.
    func duplicateMembers() -> [UInt8] {
        let name = pick(["a", "sub", "ü", "k"])
        let spelled = chance(50) ? name : name.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        var members = (0..<below(3)).map { "\"m\($0)\":\(String(decoding: value(depth: 1).serialized(), as: UTF8.self))" }
        members.insert("\"\(name)\":1", at: below(members.count + 1))
        members.insert("\"\(spelled)\":2", at: below(members.count + 1))
        let object = "{" + members.joined(separator: ",") + "}"
        // Sometimes the duplicate sits deeper inside a valid document.
        return Array((chance(50) ? object : #"{"outer":[1,"# + object + "]}").utf8)
    }

    /// A number literal with hundreds of digits or an extreme exponent.
    func hugeNumber() -> [UInt8] {
        let digits = String(repeating: String(1 + below(9)), count: 1 + below(400))
        return Array(
            pick([
                digits, "-" + digits, "0." + digits, digits + "e" + String(below(400)),
                "1e" + String(300 + below(100)), "-1e-" + String(300 + below(100)),
                digits + "." + digits + "E+" + String(below(20)),
            ]).utf8
        )
    }

    /// A string literal holding bytes that are not UTF-8 (overlong forms, surrogates, stray continuation bytes).
    func invalidUTF8() -> [UInt8] {
        let bad: [[UInt8]] = [
            [0xC0, 0x80], [0xC1, 0xBF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xFF], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80],
        ]
        let inner = Array("ok".utf8) + pick(bad) + Array("x".utf8)
        return pick([
            [UInt8(ascii: "\"")] + inner + [UInt8(ascii: "\"")],
            Array(#"{"k":""#.utf8) + inner + Array(#""}"#.utf8),
            Array(#"{""#.utf8) + inner + Array(#"":1}"#.utf8),
            Array(#"["a","#.utf8) + pick(bad) + Array("]".utf8),
        ])
    }
}

extension JSONValue {
    /// Array/object nesting: 0 for a scalar.
    var nestingDepth: Int {
        switch self {
        case .array(let elements): 1 + (elements.map(\.nestingDepth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.nestingDepth).max() ?? 0)
        default: 0
        }
    }
}
