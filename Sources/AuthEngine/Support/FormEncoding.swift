/// `application/x-www-form-urlencoded` decoding and encoding, byte by byte: the one form codec of the
/// project (routes, the engine's redirects and lookups, and the tests' requests). Foundation's
/// percent-decoding goes through NSString and costs more than signing a token; this runs for every request.
public enum FormEncoding {
    /// Decodes one component ('+' is a space, %XX a byte); nil for a malformed escape or bytes that
    /// are not UTF-8.
    public static func decode(_ bytes: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%") {
                let h = bytes.index(after: i)
                guard h != bytes.endIndex else { return nil }
                let l = bytes.index(after: h)
                guard l != bytes.endIndex, let hi = hex(bytes[h]), let lo = hex(bytes[l]) else { return nil }
                out.append(hi << 4 | lo)
                i = l
            } else {
                out.append(b)
            }
            i = bytes.index(after: i)
        }
        return String(validating: out, as: UTF8.self)
    }

    /// Splits a body into decoded pairs, in order; nil if any part is malformed.
    public static func pairs(_ body: [UInt8]) -> [(String, String)]? {
        var result: [(String, String)] = []
        for part in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = part.firstIndex(of: UInt8(ascii: "=")) ?? part.endIndex
            guard let key = decode(part[part.startIndex..<eq]) else { return nil }
            let valueBytes = eq == part.endIndex ? part[eq..<eq] : part[part.index(after: eq)...]
            guard let value = decode(valueBytes) else { return nil }
            result.append((key, value))
        }
        return result
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension FormEncoding {
    /// Percent-encodes everything but RFC 3986 unreserved characters, valid in a query and a form body.
    public static func encode(_ value: String) -> String {
        var out = [UInt8]()
        out.reserveCapacity(value.utf8.count)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Name-value pairs as a form body or query, in the order given (`a=1&b=2`); a repeated name is repeated.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// A whole parameter set as a form body or query, in a stable order (names sorted, values as sent).
    public static func encode(_ parameters: FormParameters) -> String {
        encode(parameters.values.sorted { $0.key < $1.key }.flatMap { key, values in values.map { (key, $0) } })
    }
}
