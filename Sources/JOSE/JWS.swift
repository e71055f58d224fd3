import Foundation

/// JWS compact serialization (RFC 7515 §7.1) written directly, for speed.
///
/// Signing is on the token-issuance hot path, so it avoids `JSONEncoder` and builds the
/// token in one exactly-sized string: header and payload are base64url-encoded into it,
/// the signature is computed over that same memory, then appended. Nothing is cached globally.
///
/// ## Why not jwt-kit
///
/// The cryptography is delegated (swift-crypto, which jwt-kit uses too); parsing and the decision
/// to trust a token are not, because every token, client assertion and partner assertion is
/// untrusted input and the rules that keep it safe are narrower than a general JWT library's:
///
/// - **One algorithm per key, a closed set.** `ParsedJWS.verify(with:)` accepts only when the
///   header's `alg` equals the key's algorithm exactly; `SigningAlgorithm` has no `none` and no
///   HMAC, so neither "alg: none" nor RSA-public-key-as-HMAC-secret confusion can be configured in.
///   A header with `crit` is refused (no extension is understood, RFC 7515 §4.1.11).
/// - **Header and payload go through this module's strict JSON parser** (`JSONValue`): a repeated
///   member is refused, so a token cannot say `"aud"` twice and mean one audience to us and another
///   to the API that reads it (RFC 7515 §5.2 and RFC 7519 §4 allow only refusing or "last wins").
///   jwt-kit decodes claims with `Codable` over Foundation's `JSONDecoder`, which accepts repeats.
/// - **One encoding per byte string.** Base64url decoding refuses padding, whitespace and non-zero
///   trailing bits, so the signing input is exactly what was sent and a parsed token re-encodes to
///   its input (the fuzz tests check this).
/// - **Total parsing.** `parse` never throws or traps and refuses anything longer than
///   `maximumCompactLength` before decoding; verification is a separate, explicit step.
///
/// `Tests/JOSETests/ParserFuzzTests.swift` holds these rules under seeded mutations in every test run.
public enum JWS: Sendable {
    /// Longest compact JWS `parse` looks at; longer input is refused before any decoding.
    public static let maximumCompactLength = 256 * 1024

    /// Signs already-serialized UTF-8 JSON; returns "b64(header).b64(payload).b64(signature)".
    /// The header is used as given: it should carry `"alg"` equal to `key.algorithm` (and usually `"kid"`, `"typ"`).
    public static func sign(
        headerJSON: some Collection<UInt8>,
        payloadJSON: some Collection<UInt8>,
        key: SigningKeyPair
    ) throws -> String {
        try withContiguousBytes(headerJSON) { header in
            try withContiguousBytes(payloadJSON) { payload in
                try assemble(headerLength: Base64URL.encodedLength(header.count), payload: payload, key: key) { destination in
                    Base64URL.encode(header, into: destination)
                }
            }
        }
    }

    /// Same, with the header already base64url-encoded (callers cache the encoded header per key).
    /// Throws `JOSEError.malformedHeader` if `encodedHeader` is empty or not base64url.
    public static func sign(encodedHeader: String, payloadJSON: some Collection<UInt8>, key: SigningKeyPair) throws -> String {
        var encodedHeader = encodedHeader
        return try encodedHeader.withUTF8 { header in
            let header = UnsafeRawBufferPointer(header)
            guard !header.isEmpty, Base64URL.isAlphabet(header), let headerBase = header.baseAddress else {
                throw JOSEError.malformedHeader
            }
            return try withContiguousBytes(payloadJSON) { payload in
                try assemble(headerLength: header.count, payload: payload, key: key) { destination in
                    destination.initialize(from: headerBase.assumingMemoryBound(to: UInt8.self), count: header.count)
                }
            }
        }
    }

    /// Base64url-encodes a header once, for `sign(encodedHeader:payloadJSON:key:)`.
    public static func encodeHeader(_ headerJSON: some Collection<UInt8>) -> String {
        withContiguousBytes(headerJSON) { Base64URL.encode($0) }
    }

    /// The usual header for `key`: `{"alg":"…","kid":"…","typ":"…"}` with JSON-escaped values.
    /// Pass `typ: nil` to omit it (e.g. `typ: "at+jwt"` for RFC 9068 access tokens, `"JWT"` otherwise).
    public static func header(for key: SigningKeyPair, kid: String, typ: String? = "JWT") -> Data {
        var members: [String: JSONValue] = ["alg": .string(key.algorithm.rawValue), "kid": .string(kid)]
        if let typ { members["typ"] = .string(typ) }
        return JSONValue.object(members).serialized(sortedKeys: true)
    }

    /// Splits and decodes a compact JWS; `nil` if it is not three base64url parts or the
    /// header/payload are not JSON objects. Never throws or traps on hostile input.
    public static func parse(_ compact: some StringProtocol) -> ParsedJWS? {
        if let result = compact.utf8.withContiguousStorageIfAvailable({ parse(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(compact.utf8).withUnsafeBytes { parse($0) }
    }

    // MARK: - Internals

    private static let dot = UInt8(ascii: ".")

    static func parse(_ bytes: UnsafeRawBufferPointer) -> ParsedJWS? {
        guard !bytes.isEmpty, bytes.count <= maximumCompactLength else { return nil }
        var dots: [Int] = []
        for (i, byte) in bytes.enumerated() where byte == dot {
            dots.append(i)
            if dots.count > 2 { return nil }
        }
        guard dots.count == 2 else { return nil }
        let first = dots[0]
        let second = dots[1]
        let headerPart = UnsafeRawBufferPointer(rebasing: bytes[0..<first])
        let payloadPart = UnsafeRawBufferPointer(rebasing: bytes[(first + 1)..<second])
        let signaturePart = UnsafeRawBufferPointer(rebasing: bytes[(second + 1)...])
        guard !headerPart.isEmpty,
            let headerBytes = Base64URL.decode(headerPart),
            let payloadBytes = Base64URL.decode(payloadPart),
            let signature = Base64URL.decode(signaturePart),
            let header = headerBytes.withUnsafeBytes({ JSONParser.parseObject($0) }),
            let payload = payloadBytes.withUnsafeBytes({ JSONParser.parseObject($0) })
        else { return nil }
        return ParsedJWS(
            header: header,
            payload: payload,
            headerBytes: headerBytes,
            payloadBytes: payloadBytes,
            signingInput: Data(UnsafeRawBufferPointer(rebasing: bytes[0..<second])),
            signature: signature
        )
    }

    /// Builds "header.payload.signature" in a single exactly-sized string allocation.
    private static func assemble(
        headerLength: Int,
        payload: UnsafeRawBufferPointer,
        key: SigningKeyPair,
        writeHeader: (UnsafeMutablePointer<UInt8>) -> Void
    ) throws -> String {
        let inputLength = headerLength + 1 + Base64URL.encodedLength(payload.count)
        let total = inputLength + 1 + Base64URL.encodedLength(key.signatureByteCount)
        return try String(unsafeUninitializedCapacity: total) { buffer in
            guard let base = buffer.baseAddress else { throw JOSEError.signingFailed }
            writeHeader(base)
            base[headerLength] = dot
            Base64URL.encode(payload, into: base + headerLength + 1)
            let signature = try key.sign(UnsafeRawBufferPointer(start: base, count: inputLength))
            guard signature.count == key.signatureByteCount else { throw JOSEError.signingFailed }
            base[inputLength] = dot
            _ = signature.withUnsafeBytes { Base64URL.encode($0, into: base + inputLength + 1) }
            return total
        }
    }

    private static func withContiguousBytes<C: Collection<UInt8>, R>(
        _ collection: C,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        if let result = try collection.withContiguousStorageIfAvailable({ try body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(collection).withUnsafeBytes(body)
    }
}
