extension Client {
    /// How the client's access tokens are bound, in one word: `dpop`, `mtls`, `dpop+mtls`, or
    /// `optional` (DPoP when a request carries a proof, else bearer).
    public var tokenBindingKind: String {
        switch (spec.dpopBoundAccessTokens, spec.tlsClientCertificateBoundAccessTokens) {
        case (true, true): "dpop+mtls"
        case (true, false): "dpop"
        case (false, true): "mtls"
        case (false, false): "optional"
        }
    }

    /// How the client's access tokens are bound, in words.
    public var tokenBindingDescription: String {
        var parts: [String] = []
        if spec.dpopBoundAccessTokens { parts.append("DPoP required (every token request carries a proof)") }
        if spec.tlsClientCertificateBoundAccessTokens { parts.append("client certificate (mTLS, cnf x5t#S256)") }
        return parts.isEmpty ? "DPoP when the request carries a proof, else bearer" : parts.joined(separator: "; ")
    }
}
