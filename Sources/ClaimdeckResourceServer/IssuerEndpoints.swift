import Foundation
import JOSE

/// The issuer's `jwks_uri` and `introspection_endpoint`: configured, or read once from its discovery
/// document (OpenID Connect Discovery 1.0 §4, `issuer + "/.well-known/openid-configuration"`).
///
/// A failed discovery is not remembered: the next request tries again, so an API started before its
/// authorization server recovers by itself.
actor IssuerEndpoints {
    struct Endpoints: Sendable {
        var jwksURL: String
        var introspectionURL: String?
    }

    private let configuration: ResourceServerConfiguration
    private let client: AuthorizationServerClient
    private var resolved: Endpoints?

    init(configuration: ResourceServerConfiguration, client: AuthorizationServerClient) {
        self.configuration = configuration
        self.client = client
        if let jwks = configuration.jwksURL, configuration.introspectionClient == nil || configuration.introspectionURL != nil {
            resolved = Endpoints(jwksURL: jwks, introspectionURL: configuration.introspectionURL)
        }
    }

    /// The discovery document's address for `issuer`.
    static func discoveryURL(issuer: String) -> String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    func endpoints() async throws(TokenValidationError) -> Endpoints {
        if let resolved { return resolved }
        let url = Self.discoveryURL(issuer: configuration.issuer)
        let answer = try await client.get(url)
        guard answer.status == 200 else {
            throw .authorizationServerUnavailable(reason: "\(url) answered HTTP \(answer.status)")
        }
        let document = try answer.jsonObject(from: url)
        // OpenID Connect Discovery §4.3: the document must name exactly the issuer it was fetched for.
        guard document["issuer"]?.stringValue == configuration.issuer else {
            throw .authorizationServerUnavailable(reason: "\(url) names another issuer than \(configuration.issuer)")
        }
        guard let jwks = configuration.jwksURL ?? document["jwks_uri"]?.stringValue else {
            throw .authorizationServerUnavailable(reason: "\(url) has no jwks_uri")
        }
        let endpoints = Endpoints(
            jwksURL: jwks,
            introspectionURL: configuration.introspectionURL ?? document["introspection_endpoint"]?.stringValue
        )
        resolved = endpoints
        return endpoints
    }
}
