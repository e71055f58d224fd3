import Foundation
import JOSE

extension ClientSpec {
    /// FAPI 2.0 Security Profile (Final) §5.3.2 and §5.4 as far as a client's settings can contradict
    /// them; what needs no setting (PAR, the refresh retry grace) the profile turns on by itself. Each
    /// refusal names the setting and what to set instead.
    ///
    /// - Parameter tenant: the client's tenant, whose default algorithm signs when the client names
    ///   none, and whose profile the messages name when the client is under it by the tenant.
    func checkFAPI2(tenant: Tenant) throws(AdminError) {
        let under = profile == .fapi2 ? "the fapi2 profile" : "the fapi2 profile of tenant '\(tenant.id)'"
        let allowedMethods = FAPI2.authMethods.map(\.rawValue).joined(separator: ", ")
        let allowedAlgorithms = FAPI2.signingAlgorithms.map(\.rawValue).joined(separator: ", ")
        guard type == .confidential else {
            throw .invalid(
                field: "type",
                "\(under) admits confidential clients only (FAPI 2.0 section 5.3.2.1): make it confidential, authenticating with "
                    + allowedMethods
            )
        }
        guard FAPI2.authMethods.contains(resolvedAuthMethod) else {
            throw .invalid(
                field: "auth_method",
                "\(under) does not accept \(resolvedAuthMethod.rawValue) (FAPI 2.0 section 5.3.2.1: no shared secret): use \(allowedMethods)"
            )
        }
        guard dpopBoundAccessTokens || tlsClientCertificateBoundAccessTokens else {
            throw .invalid(
                field: "dpop_bound_access_tokens",
                "\(under) issues sender-constrained access tokens only (FAPI 2.0 section 5.3.2.1): set dpop_bound_access_tokens (DPoP, "
                    + "RFC 9449) or tls_client_certificate_bound_access_tokens (mutual TLS, RFC 8705)"
            )
        }
        guard requirePKCE else {
            throw .invalid(field: "require_pkce", "\(under) requires PKCE with S256 (FAPI 2.0 section 5.3.2.2): turn require_pkce back on")
        }
        let algorithm = signingAlgorithm ?? tenant.defaultAlgorithm
        guard FAPI2.signingAlgorithms.contains(algorithm) else {
            throw .invalid(
                field: "signing_alg",
                signingAlgorithm == nil
                    ? "the tenant's default algorithm \(algorithm.rawValue) is not allowed by \(under) "
                        + "(FAPI 2.0 section 5.4.1): set signing_alg to one of \(allowedAlgorithms)"
                    : "\(algorithm.rawValue) is not allowed by \(under) (FAPI 2.0 section 5.4.1): "
                        + "use one of \(allowedAlgorithms)"
            )
        }
        for key in jwks?.keys ?? [] {
            guard let alg = key.alg else { continue }
            if SigningAlgorithm(rawValue: alg).map(FAPI2.signingAlgorithms.contains) != true {
                throw .invalid(
                    field: "jwks",
                    "key '\(key.kid ?? "?")' is for \(Validation.printable(alg, limit: 16)), which \(under) "
                        + "never accepts (FAPI 2.0 section 5.4.1): register keys for \(allowedAlgorithms)"
                )
            }
        }
        // FAPI 2.0 section 5.3.2.2: http only for native clients' loopback redirection, RFC 8252 section 7.3
        // (an IP literal; `localhost` resolves by name, which section 8.3 advises against).
        for uri in redirectURIs where URL(string: uri)?.scheme?.lowercased() == "http" && URL(string: uri)?.host == "localhost" {
            throw .invalid(
                field: "redirect_uris",
                "'\(Validation.printable(uri))': \(under) allows http only for loopback IP "
                    + "literals (RFC 8252 section 7.3): use http://127.0.0.1 or http://[::1], or https"
            )
        }
    }
}
