/// How an access token reached a protected resource of the server (userinfo): the HTTP layer reads
/// the headers, the engine decides what they prove.
public struct ResourcePresentation: Sendable, Hashable {
    public enum Scheme: String, Sendable, Hashable {
        /// RFC 6750: `Authorization: Bearer`, or the form body.
        case bearer
        /// RFC 9449 §7.1: `Authorization: DPoP`, with a proof in the `DPoP` header.
        case dpop
    }

    public var scheme: Scheme
    /// Every `DPoP` header value.
    public var dpopProofs: [String]
    /// The request's HTTP method, which the proof's `htm` must name.
    public var method: String
    /// The certificate of the request's TLS connection (RFC 8705 §3): a certificate-bound token needs the one it is bound to.
    public var clientCertificate: ClientCertificate?
    /// Whether the request came to the mutual-TLS listener (the proof's `htu` then names its URL).
    public var viaMutualTLS = false

    public init(scheme: Scheme = .bearer, dpopProofs: [String] = [], method: String = "GET", clientCertificate: ClientCertificate? = nil) {
        self.clientCertificate = clientCertificate
        self.scheme = scheme
        self.dpopProofs = dpopProofs
        self.method = method
    }
}
