import AuthEngine
import Foundation
import JOSE
import SwiftASN1
// The fixed validation time: chains are verified at the engine's clock, not the wall's.
@_spi(FixedExpiryValidationTime) import X509

/// Turns a client certificate (from the TLS handshake of the mutual-TLS listener, or from a trusted
/// proxy's header) into the engine's `ClientCertificate`: thumbprint, subject DN, SANs, public key,
/// and whether its chain verifies against the trust anchors of `tls_client_auth` (`--tls-client-ca`).
public struct ClientCertificateReader: Sendable {
    /// The CAs a `tls_client_auth` certificate must chain to; empty: no chain verifies.
    public let trustAnchors: [Certificate]
    /// The time chains are verified at (the engine's clock, so tests decide it).
    let now: @Sendable () -> Date

    public init(trustAnchors: [Certificate] = [], now: @escaping @Sendable () -> Date) {
        self.trustAnchors = trustAnchors
        self.now = now
    }

    /// Reads the trust anchors from a PEM file of one or more certificates; throws naming the file.
    public init(trustAnchorFile path: String, now: @escaping @Sendable () -> Date) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw TLSSetupError.unreadable("client CA file (--tls-client-ca)", path, reason)
        }
        let anchors: [Certificate]
        do { anchors = try Self.certificates(pem: String(decoding: data, as: UTF8.self)) } catch {
            throw TLSSetupError("the client CA file \(path) is not a PEM certificate list (\(error))")
        }
        guard !anchors.isEmpty else { throw TLSSetupError("the client CA file \(path) holds no \"BEGIN CERTIFICATE\" block") }
        self.init(trustAnchors: anchors, now: now)
    }

    static func certificates(pem: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: pem).filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(derEncoded: $0.derBytes) }
    }

    /// The leaf of `chain` (DER, leaf first, then what intermediates the client sent), or nil when it
    /// cannot be parsed at all.
    public func read(derChain chain: [[UInt8]]) async -> ClientCertificate? {
        guard let first = chain.first, let leaf = try? Certificate(derEncoded: first) else { return nil }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: $0) }
        return await read(leaf: leaf, der: first, intermediates: intermediates)
    }

    /// A certificate as a TLS-terminating proxy forwards it: URL-encoded PEM (nginx's
    /// `$ssl_client_escaped_cert`), or plain PEM; nil when it is not one.
    public func read(forwardedPEM value: String) async -> ClientCertificate? {
        let pem = (value.removingPercentEncoding ?? value).replacingOccurrences(of: "\t", with: "\n")
        guard let chain = try? Self.certificates(pem: pem), let leaf = chain.first,
            let der = try? leaf.serializeAsPEM().derBytes
        else { return nil }
        return await read(leaf: leaf, der: der, intermediates: Array(chain.dropFirst()))
    }

    private func read(leaf: Certificate, der: [UInt8], intermediates: [Certificate]) async -> ClientCertificate {
        var dns: [String] = []
        var uris: [String] = []
        var ips: [String] = []
        var emails: [String] = []
        for name in (try? leaf.extensions.subjectAlternativeNames) ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let n): dns.append(n)
            case .uniformResourceIdentifier(let u): uris.append(u)
            case .rfc822Name(let e): emails.append(e)
            case .ipAddress(let bytes): if let text = Self.ipText(Array(bytes.bytes)) { ips.append(text) }
            default: break
            }
        }
        let (verified, failure) = await verify(leaf, intermediates: intermediates)
        return ClientCertificate(
            thumbprint: Base64URL.encode(SecretDigest.sha256(der)),
            subjectDN: leaf.subject.description,
            dnsNames: dns,
            uris: uris,
            ipAddresses: ips,
            emails: emails,
            publicKeyPEM: (try? leaf.publicKey.serializeAsPEM().pemString) ?? "",
            chainVerified: verified,
            chainFailure: failure
        )
    }

    private func verify(_ leaf: Certificate, intermediates: [Certificate]) async -> (Bool, String?) {
        guard !trustAnchors.isEmpty else { return (false, "no client CA is configured (--tls-client-ca)") }
        let time = now()
        var verifier = Verifier(rootCertificates: CertificateStore(trustAnchors)) { RFC5280Policy(fixedExpiryValidationTime: time) }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate: return (true, nil)
        case .couldNotValidate(let failures):
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trusted client CA"
            return (false, reason.isEmpty ? "no chain to a trusted client CA" : reason)
        }
    }

    /// An IP address SAN's 4 or 16 bytes as text.
    static func ipText(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return bytes.map(String.init).joined(separator: ".")
        case 16:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default: return nil
        }
    }
}
