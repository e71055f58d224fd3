import Crypto
import Foundation
import JOSE
import SwiftASN1
import X509

/// A throwaway certificate authority made in the test, and certificates it signs, written as PEM
/// files: HTTPS (and mutual TLS) tests trust this CA and nothing else.
public struct TestCertificateAuthority: Sendable {
    public let name: String
    private let key: P256.Signing.PrivateKey
    public let certificate: Certificate

    public init(name: String = "Claimdeck test CA") throws {
        self.name = name
        key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        certificate = try Self.make(
            publicKey: key.publicKey,
            subject: subject,
            issuer: subject,
            issuerKey: key,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }
        )
    }

    /// A certificate valid from an hour ago for a day, signed with `issuerKey`.
    private static func make(
        publicKey: P256.Signing.PublicKey,
        subject: DistinguishedName,
        issuer: DistinguishedName,
        issuerKey: P256.Signing.PrivateKey,
        extensions: Certificate.Extensions
    ) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(publicKey),
            notValidBefore: now - 3600,
            notValidAfter: now + 86400,
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuerKey)
        )
    }

    /// The CA's certificate as PEM: what a client trusts.
    public var pem: String { (try? certificate.serializeAsPEM().pemString) ?? "" }

    /// A self-signed client certificate (`self_signed_tls_client_auth`) with its private key and its
    /// public key (a PEM `PUBLIC KEY`, for the client's JWKS).
    public static func selfSignedClientCertificate(commonName: String) throws -> (certificate: String, key: String, publicKey: String) {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(commonName) }
        let certificate = try make(
            publicKey: key.publicKey,
            subject: subject,
            issuer: subject,
            issuerKey: key,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            }
        )
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation, key.publicKey.pemRepresentation)
    }

    /// RFC 8705 `x5t#S256` of a PEM certificate: base64url SHA-256 of its DER.
    public static func thumbprint(pem: String) throws -> String {
        Base64URL.encode(SHA256.hash(data: try Certificate(pemEncoded: pem).serializeAsPEM().derBytes))
    }

    /// A server certificate for 127.0.0.1 and localhost, with its private key, both as PEM.
    public func serverCertificate(commonName: String = "127.0.0.1") throws -> (certificate: String, key: String) {
        try issue(commonName: commonName, usage: .serverAuth) {
            SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
        }
    }

    /// A client certificate with `commonName` as subject, with its private key, both as PEM.
    public func clientCertificate(commonName: String) throws -> (certificate: String, key: String) {
        try issue(commonName: commonName, usage: .clientAuth) { SubjectAlternativeNames([.dnsName(commonName)]) }
    }

    private func issue(
        commonName: String,
        usage: ExtendedKeyUsage.Usage,
        names: () -> SubjectAlternativeNames
    ) throws -> (certificate: String, key: String) {
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Self.make(
            publicKey: leafKey.publicKey,
            subject: try DistinguishedName { CommonName(commonName) },
            issuer: certificate.subject,
            issuerKey: key,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                names()
            }
        )
        return (try leaf.serializeAsPEM().pemString, leafKey.pemRepresentation)
    }

    /// Writes `pem` to a new file in `directory`, returning its path.
    public static func write(_ pem: String, named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(pem.utf8).write(to: url)
        return url.path
    }
}
