import Foundation

/// The X.509 certificate a client presented in the TLS handshake (RFC 8705), as the HTTP layer parsed
/// it: what mutual-TLS client authentication compares with the client's registration and what a
/// certificate-bound token is bound to. The engine never sees the TLS library's types.
public struct ClientCertificate: Sendable, Hashable {
    /// RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the certificate's DER encoding.
    public var thumbprint: String
    /// The subject distinguished name as an RFC 4514 string (`CN=orders,O=Example`).
    public var subjectDN: String
    /// Subject alternative names by kind (RFC 5280 §4.2.1.6); IP addresses in their textual form.
    public var dnsNames: [String]
    public var uris: [String]
    public var ipAddresses: [String]
    public var emails: [String]
    /// The SubjectPublicKeyInfo as a PEM `PUBLIC KEY`: what `self_signed_tls_client_auth` finds in the JWKS.
    public var publicKeyPEM: String
    /// Whether the chain verified against the trust anchors of `tls_client_auth` (`--tls-client-ca`)
    /// at the time of the request; false for a self-signed certificate or without client CAs.
    public var chainVerified: Bool
    /// Why the chain did not verify, for the audit; nil when it did.
    public var chainFailure: String?

    public init(
        thumbprint: String,
        subjectDN: String,
        dnsNames: [String] = [],
        uris: [String] = [],
        ipAddresses: [String] = [],
        emails: [String] = [],
        publicKeyPEM: String,
        chainVerified: Bool,
        chainFailure: String? = nil
    ) {
        self.thumbprint = thumbprint
        self.subjectDN = subjectDN
        self.dnsNames = dnsNames
        self.uris = uris
        self.ipAddresses = ipAddresses
        self.emails = emails
        self.publicKeyPEM = publicKeyPEM
        self.chainVerified = chainVerified
        self.chainFailure = chainFailure
    }
}
