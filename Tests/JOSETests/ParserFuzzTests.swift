import Foundation
import JOSE
import Testing

/// Seeded mutation fuzzing of the two parsers that face untrusted input, `JSONValue(parsing:)` and
/// `JWS.parse`. Runs in the ordinary test suite (so in CI): fixed seeds, a fixed number of cases each,
/// bounded by count and never by the clock. A failure names its seed, case and input, which reproduces it.
///
/// Every input must be refused with `JOSEError.invalidJSON` (at an offset inside the input) or parse;
/// what parses must serialize back to text that parses to the same value, must respect the documented
/// rules (nesting at most `JSONValue.maximumDepth`, no duplicate member, valid UTF-8 only), and a parsed
/// JWS must reassemble to exactly its input.
@Suite("parser fuzzing (seeded mutations)")
struct ParserFuzzTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]
    static let casesPerSeed = 1_500

    /// Valid documents the mutations start from: what the parsers see in practice, and their corners.
    static let corpus: [[UInt8]] = [
        #"{"iss":"https://issuer.example","sub":"alice","aud":["a","b"],"exp":1700003600,"nbf":0,"ratio":0.25,"neg":-1.5e-3,"#
            + #""ok":true,"no":false,"nil":null}"#,
        #"{"alg":"ES256","kid":"k1","typ":"at+jwt"}"#,
        #"{"s":"esc \" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 \u0000"}"#,
        " \t\n{ \"k\" : [ 1 , 2 , { } , [ ] ] }\r\n",
        #"[1,[2,[3,{"a":[],"b":{}}]]]"#, #""text""#, "0", "-0", "1e308", "-1.0E-10", "true", "null", "[]", "{}",
        #"{"address":{"country":"DE","street":"Königstraße 1"},"roles":["reader","writer"]}"#,
    ].map { Array($0.utf8) }

    @Test("mutated JSON documents: refused cleanly or parsed, and what parses round-trips", arguments: seeds)
    func json(seed: UInt64) {
        let fuzz = FuzzMutator(seed: seed)
        var failures = 0
        var parsed = 0
        for n in 0..<Self.casesPerSeed where failures < 5 {
            let input: [UInt8]
            switch n % 10 {
            case 0:
                let generated = fuzz.value(depth: 5)
                input = Array(generated.serialized(sortedKeys: fuzz.chance(50)))
                if (try? JSONValue(parsing: Data(input))) != generated {
                    failures += 1
                    Issue.record("seed \(seed) case \(n): a serialized value does not parse back: \(String(decoding: input, as: UTF8.self))")
                }
            case 1: input = fuzz.mutate(Array(fuzz.value(depth: 4).serialized()), donor: fuzz.pick(Self.corpus))
            default: input = fuzz.mutate(fuzz.pick(Self.corpus), donor: fuzz.pick(Self.corpus))
            }
            if let problem = Self.checkJSON(input) {
                failures += 1
                Issue.record("seed \(seed) case \(n): \(problem); input (base64): \(Data(input).base64EncodedString())")
            }
            if (try? JSONValue(parsing: Data(input))) != nil { parsed += 1 }
        }
        // Neither side vacuous: the mutations reach both answers of the parser.
        #expect((Self.casesPerSeed / 10...Self.casesPerSeed * 9 / 10).contains(parsed), "\(parsed) of \(Self.casesPerSeed) parsed")
    }

    @Test("nesting deeper than maximumDepth is refused, up to it is accepted", arguments: seeds)
    func depth(seed: UInt64) {
        let fuzz = FuzzMutator(seed: seed)
        let limit = JSONValue.maximumDepth
        for depth in [1, limit - 1, limit, limit + 1, limit + 2, 2 * limit, 10_000, 100_000] + (0..<40).map({ _ in fuzz.below(3 * limit) }) {
            let input = fuzz.nested(depth: depth)
            do {
                let value = try JSONValue(parsing: Data(input))
                #expect(depth <= limit && value.nestingDepth == depth, "seed \(seed): depth \(depth) parsed")
            } catch {
                #expect(depth > limit && Self.isInvalidJSON(error, count: input.count), "seed \(seed): depth \(depth) refused: \(error)")
            }
        }
    }

    @Test("documents with a repeated member name are refused, wherever it is and however it is spelled", arguments: seeds)
    func duplicates(seed: UInt64) {
        let fuzz = FuzzMutator(seed: seed)
        for n in 0..<200 {
            let input = fuzz.duplicateMembers()
            do {
                _ = try JSONValue(parsing: Data(input))
                Issue.record("seed \(seed) case \(n): accepted \(String(decoding: input, as: UTF8.self))")
            } catch {
                #expect(
                    error as? JOSEError == .invalidJSON(offset: (error as? JOSEError)?.offset ?? -1, reason: "duplicate object key"),
                    "seed \(seed) case \(n): \(error) for \(String(decoding: input, as: UTF8.self))"
                )
            }
        }
    }

    @Test("huge numbers and invalid UTF-8: refused or exact, never a crash or a non-finite value", arguments: seeds)
    func numbersAndEncoding(seed: UInt64) {
        let fuzz = FuzzMutator(seed: seed)
        for n in 0..<300 {
            for input in [fuzz.hugeNumber(), fuzz.invalidUTF8()] {
                if let problem = Self.checkJSON(input) {
                    Issue.record("seed \(seed) case \(n): \(problem); input (base64): \(Data(input).base64EncodedString())")
                }
            }
        }
    }

    @Test("mutated JWS strings: nil or a parse that reassembles to the input, and never a signature that verifies", arguments: seeds)
    func jws(seed: UInt64) throws {
        let fuzz = FuzzMutator(seed: seed)
        // Ed25519 signs deterministically: with a seeded key, the tokens, and so every input, are the same on every run.
        let key = try SigningKeyPair(algorithm: .edDSA, privateKeyBytes: Data(SeededRandomSource(seed: seed).bytes(32)))
        let header = JWS.header(for: key, kid: "k1", typ: "at+jwt")
        let tokens = try Self.corpus.filter { $0.first == UInt8(ascii: "{") }.map {
            try JWS.sign(headerJSON: header, payloadJSON: $0, key: key)
        }
        let signed = Set(tokens)
        var failures = 0
        var parsed = 0
        for n in 0..<Self.casesPerSeed where failures < 5 {
            let original = fuzz.pick(tokens)
            let input: [UInt8]
            switch n % 4 {
            case 0:
                // Reach the JSON parser: a part replaced by the base64url of a mutated document.
                var parts = original.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                let index = fuzz.below(2)
                let decoded = Base64URL.decode(parts[index]).map(Array.init) ?? []
                parts[index] = Base64URL.encode(fuzz.mutate(decoded, donor: fuzz.pick(Self.corpus)))
                input = Array(parts.joined(separator: ".").utf8)
            case 1:
                // Two tokens run together, cut anywhere.
                let joined = fuzz.pick(tokens) + fuzz.pick(["", ".", "..", "=", " "]) + fuzz.pick(tokens)
                input = Array(joined.utf8.prefix(fuzz.below(2 * original.utf8.count)))
            default:
                input = fuzz.mutate(Array(original.utf8), donor: Array(fuzz.pick(tokens).utf8))
            }
            if let problem = Self.checkJWS(input, signed: signed, key: key.publicKey) {
                failures += 1
                Issue.record("seed \(seed) case \(n): \(problem); input: \(String(decoding: input, as: UTF8.self))")
            }
            if JWS.parse(String(decoding: input, as: UTF8.self)) != nil { parsed += 1 }
        }
        #expect((Self.casesPerSeed / 25...Self.casesPerSeed * 9 / 10).contains(parsed), "\(parsed) of \(Self.casesPerSeed) parsed")
        // Longer than the documented limit: refused before any decoding.
        let long = String(repeating: "A", count: JWS.maximumCompactLength) + "." + (tokens.first ?? "")
        #expect(JWS.parse(long) == nil)
    }

    // MARK: Properties

    /// Why `input` breaks a documented rule of the JSON parser; nil when it does not.
    static func checkJSON(_ input: [UInt8]) -> String? {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: Data(input))
        } catch {
            return isInvalidJSON(error, count: input.count) ? nil : "refused with an unexpected error: \(error)"
        }
        if String(validating: input, as: UTF8.self) == nil { return "accepted bytes that are not UTF-8" }
        if value.nestingDepth > JSONValue.maximumDepth { return "accepted nesting \(value.nestingDepth)" }
        if !isFinite(value) { return "parsed a non-finite number" }
        for sorted in [true, false] {
            let text = value.serialized(sortedKeys: sorted)
            guard let again = try? JSONValue(parsing: text) else {
                return "its serialization does not parse: \(String(decoding: text, as: UTF8.self))"
            }
            if again != value { return "its serialization parses to another value: \(String(decoding: text, as: UTF8.self))" }
            if sorted && again.serialized() != text { return "serialization is not stable" }
        }
        return nil
    }

    /// Why a `JWS.parse` result for `input` breaks a documented rule; nil when it does not. `signed` are the
    /// tokens `key` really signed.
    static func checkJWS(_ input: [UInt8], signed: Set<String>, key: VerificationKey) -> String? {
        // A String is always UTF-8: bytes that are not become U+FFFD, which is never base64url.
        let text = String(decoding: input, as: UTF8.self)
        guard let parsed = JWS.parse(text) else { return nil }
        let reassembled = Base64URL.encode(parsed.headerBytes) + "." + Base64URL.encode(parsed.payloadBytes)
        if Data(reassembled.utf8) != parsed.signingInput { return "signing input is not the encoded header and payload" }
        if reassembled + "." + Base64URL.encode(parsed.signature) != text { return "does not reassemble to its input" }
        guard (try? JSONValue(parsing: parsed.headerBytes)) == .object(parsed.header),
            (try? JSONValue(parsing: parsed.payloadBytes)) == .object(parsed.payload)
        else {
            return "header or payload disagree with the JSON parser"
        }
        for part in [parsed.headerBytes, parsed.payloadBytes] where checkJSON(Array(part)) != nil {
            return "a part breaks the JSON rules: \(checkJSON(Array(part)) ?? "")"
        }
        // A splice or a truncation can land exactly on another signed token; anything else must not verify.
        if !signed.contains(text) && parsed.verify(with: key) { return "a changed token verifies" }
        if signed.contains(text) && !parsed.verify(with: key) { return "a signed token does not verify" }
        return nil
    }

    static func isInvalidJSON(_ error: any Error, count: Int) -> Bool {
        guard case JOSEError.invalidJSON(let offset, _) = error else { return false }
        return (0...count).contains(offset)
    }

    static func isFinite(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let number): number.isFinite
        case .array(let elements): elements.allSatisfy(isFinite)
        case .object(let members): members.values.allSatisfy(isFinite)
        default: true
        }
    }
}

extension JOSEError {
    fileprivate var offset: Int? {
        if case .invalidJSON(let offset, _) = self { offset } else { nil }
    }
}
