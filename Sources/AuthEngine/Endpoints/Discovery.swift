import Foundation
import JOSE

extension ClaimdeckEngine {
    /// Authorization server metadata (RFC 8414), also served as OpenID Provider metadata.
    public func discoveryDocument(tenantID: String) throws(OAuthError) -> JSONValue {
        let (tenant, snapshot) = try tenant(tenantID)
        let issuer = configuration.issuer(for: tenant.id)
        // A fapi2 tenant names only what the profile accepts (FAPI 2.0 section 5.3.2.1 item 1, section 5.4.1).
        let fapi2 = tenant.policy.profile == .fapi2
        let authMethods = (fapi2 ? FAPI2.authMethods : ClientAuthMethod.allCases.filter { $0 != .none }).map { JSONValue.string($0.rawValue) }
        let algs = (fapi2 ? FAPI2.signingAlgorithms : SigningAlgorithm.allCases).map { JSONValue.string($0.rawValue) }
        let scopes = ((snapshot.scopes[tenant.id] ?? [:]).keys.sorted() + StandardScopes.all).map(JSONValue.string)
        let claims = (StandardScopes.claimNames + (snapshot.claims[tenant.id] ?? [:]).keys.sorted()).map(JSONValue.string)
        var doc: [String: JSONValue] = [
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/authorize"),
            "token_endpoint": .string(issuer + "/token"),
            "userinfo_endpoint": .string(issuer + "/userinfo"),
            "end_session_endpoint": .string(issuer + "/logout"),
            "device_authorization_endpoint": .string(issuer + "/device_authorization"),
            "jwks_uri": .string(issuer + "/jwks"),
            "registration_endpoint": .string(issuer + "/register"),
            "introspection_endpoint": .string(issuer + "/introspect"),
            "revocation_endpoint": .string(issuer + "/revoke"),
            "pushed_authorization_request_endpoint": .string(issuer + "/par"),
            "require_pushed_authorization_requests": .bool(tenant.policy.requirePushedAuthorizationRequests || fapi2),
            "scopes_supported": .array(scopes),
            "response_types_supported": .array([.string("code")]),
            "response_modes_supported": .array([.string("query")]),
            "code_challenge_methods_supported": .array([.string("S256")]),
            "authorization_response_iss_parameter_supported": .bool(true),
            "claims_supported": .array(claims),
            "claims_parameter_supported": .bool(false),
            "request_parameter_supported": .bool(false),
            "request_uri_parameter_supported": .bool(false),
            "prompt_values_supported": .array(["none", "login", "consent", "select_account"].map(JSONValue.string)),
            "grant_types_supported": .array(GrantType.implemented.map { .string($0.rawValue) }),
            "token_endpoint_auth_methods_supported": .array(authMethods),
            "token_endpoint_auth_signing_alg_values_supported": .array(algs),
            "introspection_endpoint_auth_methods_supported": .array(authMethods),
            "introspection_endpoint_auth_signing_alg_values_supported": .array(algs),
            "revocation_endpoint_auth_methods_supported": .array(authMethods + (fapi2 ? [] : [.string("none")])),
            "revocation_endpoint_auth_signing_alg_values_supported": .array(algs),
            "introspection_signing_alg_values_supported": .array(algs),
            "subject_types_supported": .array([.string("public")]),
            "id_token_signing_alg_values_supported": .array(algs),
            "access_token_signing_alg_values_supported": .array(algs),
            "dpop_signing_alg_values_supported": .array(algs),
            // RFC 8705 §3.3.
            "tls_client_certificate_bound_access_tokens": .bool(configuration.mtlsBaseURL != nil),
        ]
        if let mtls = configuration.mtlsBaseURL.map({ "\($0)/\(tenant.id)" }) {
            // RFC 8705 §5: where a client doing mutual TLS sends what it sends directly to the server.
            doc["mtls_endpoint_aliases"] = .object([
                "token_endpoint": .string(mtls + "/token"),
                "introspection_endpoint": .string(mtls + "/introspect"),
                "revocation_endpoint": .string(mtls + "/revoke"),
                "userinfo_endpoint": .string(mtls + "/userinfo"),
                "pushed_authorization_request_endpoint": .string(mtls + "/par"),
                "device_authorization_endpoint": .string(mtls + "/device_authorization"),
            ])
        }
        return .object(doc)
    }

    /// The tenant's JSON Web Key Set.
    public func jwks(tenantID: String) throws(OAuthError) -> JWKSet {
        let (tenant, snapshot) = try tenant(tenantID)
        return Keyring.jwks(tenantID: tenant.id, snapshot: snapshot, now: clock.now())
    }
}
