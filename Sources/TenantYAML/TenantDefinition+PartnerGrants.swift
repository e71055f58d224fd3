import AuthEngine
import Foundation
import JOSE

extension TenantDefinition {
    /// `token_exchange_policies:` entry: a client's RFC 8693 policy.
    public struct ExchangePolicyEntry: Codable, Sendable {
        public var client: String
        public var audiences: [String]
        public var subjectAudiences: [String]?
        public var subjectClients: [String]?

        enum CodingKeys: String, CodingKey {
            case client, audiences
            case subjectAudiences = "subject_audiences"
            case subjectClients = "subject_clients"
        }
    }

    /// `trusted_issuers:` entry: a partner whose RFC 7523 assertions the tenant accepts, as
    /// `TrustedIssuerSpec`'s keys; its keys come as an inline JWK Set (`jwks`) or as one key (`key`: a
    /// JWK as JSON text, or a PEM public key, with an optional `kid`).
    public struct TrustedIssuerEntry: Codable, Sendable {
        public var spec: TrustedIssuerSpec
        public var key: String?
        public var kid: String?

        enum CodingKeys: String, CodingKey {
            case key, kid
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            spec = try TrustedIssuerSpec(from: decoder)
            key = try c.decodeIfPresent(String.self, forKey: .key)
            kid = try c.decodeIfPresent(String.self, forKey: .kid)
        }

        public func encode(to encoder: any Encoder) throws {
            try spec.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(key, forKey: .key)
            try c.encodeIfPresent(kid, forKey: .kid)
        }
    }
}

extension TenantLoader {
    /// Applies the definition's token exchange policies and trusted issuers, after its clients exist.
    static func applyPartnerGrants(_ def: TenantDefinition, to engine: ClaimdeckEngine, actor: String) async throws(AdminError) {
        let tid = def.tenant.id
        for p in def.tokenExchangePolicies ?? [] {
            _ = try await engine.setTokenExchangePolicy(
                tenantID: tid,
                clientID: p.client,
                TokenExchangePolicySpec(
                    targetAudiences: p.audiences,
                    subjectAudiences: p.subjectAudiences ?? [],
                    subjectClients: p.subjectClients ?? []
                ),
                actor: actor
            )
        }
        for entry in def.trustedIssuers ?? [] {
            let field = "trusted_issuers.\(entry.spec.issuer)"
            var spec = entry.spec
            switch (spec.jwks.keys.isEmpty, entry.key) {
            case (false, nil): break
            case (true, let text?): spec.jwks = try TrustedIssuerSpec.keySet(from: text, field: field + ".key", kid: entry.kid)
            default: throw .invalid(field: field, "give exactly one of 'jwks' (a JWK Set) or 'key' (a JWK or PEM public key)")
            }
            _ = try await engine.addTrustedIssuer(tenantID: tid, spec, actor: actor)
        }
    }
}
