import Foundation
import JOSE

extension ClaimdeckEngine {
    /// The tenant's SSF 1.0 §7.1 transmitter configuration metadata, served at
    /// `<issuer>/.well-known/ssf-configuration` (and, §7.2, with the well-known part before the path).
    public func transmitterMetadata(tenantID: String) throws(OAuthError) -> JSONValue {
        let (tenant, _) = try tenant(tenantID)
        let issuer = configuration.issuer(for: tenant.id)
        return [
            "spec_version": "1_0",
            "issuer": .string(issuer),
            "jwks_uri": .string(issuer + "/jwks"),
            "delivery_methods_supported": .array(EventStream.Method.allCases.map { .string($0.rawValue) }),
            "configuration_endpoint": .string(issuer + "/ssf/streams"),
            "status_endpoint": .string(issuer + "/ssf/status"),
            "add_subject_endpoint": .string(issuer + "/ssf/subjects/add"),
            "remove_subject_endpoint": .string(issuer + "/ssf/subjects/remove"),
            "verification_endpoint": .string(issuer + "/ssf/verify"),
            // Receivers authenticate with the tenant's own OAuth access tokens (scope ssf.manage).
            "authorization_schemes": [["spec_urn": "urn:ietf:rfc:6749"]],
            "default_subjects": "ALL",
        ]
    }
}
