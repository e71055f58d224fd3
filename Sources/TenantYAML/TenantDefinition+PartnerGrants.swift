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

    /// `trusted_issuers:` entry: a partner whose RFC 7523 assertions the tenant accepts. Keys come as an
    /// inline JWK Set (`jwks`) or as one key (`key`: a JWK as JSON text, or a PEM public key).
    public struct TrustedIssuerEntry: Codable, Sendable {
        public var issuer: String
        public var jwks: JWKSet?
        public var key: String?
        public var kid: String?
        /// `user-id`, `username`, `attribute:<path>` or `pass-through`.
        public var subject: String
        public var subjectPrefix: String?
        public var scopes: [String]
        public var audiences: [String]?
        public var clients: [String]?
        public var algorithms: [String]?
        public var maxAssertionLifetime: Int?

        enum CodingKeys: String, CodingKey {
            case issuer, jwks, key, kid, subject, scopes, audiences, clients, algorithms
            case subjectPrefix = "subject_prefix"
            case maxAssertionLifetime = "max_assertion_lifetime"
        }
    }
}

extension TenantLoader {
    /// Applies the definition's token exchange policies and trusted issuers, after its clients exist.
    static func applyPartnerGrants(_ def: TenantDefinition, to engine: ClaimdeckEngine, actor: String) async throws(AdminError) {
        let tid = def.tenant.id
        for p in def.tokenExchangePolicies ?? [] {
            _ = try await engine.setTokenExchangePolicy(
                tenantID: tid, clientID: p.client,
                TokenExchangePolicySpec(targetAudiences: p.audiences, subjectAudiences: p.subjectAudiences ?? [], subjectClients: p.subjectClients ?? []),
                actor: actor)
        }
        for i in def.trustedIssuers ?? [] {
            let field = "trusted_issuers.\(i.issuer)"
            let keys: JWKSet
            switch (i.jwks, i.key) {
            case (let set?, nil): keys = set
            case (nil, let text?): keys = try TrustedIssuerSpec.keySet(from: text, field: field + ".key", kid: i.kid)
            default: throw .invalid(field: field, "give exactly one of 'jwks' (a JWK Set) or 'key' (a JWK or PEM public key)")
            }
            var algorithms: [SigningAlgorithm] = []
            for raw in i.algorithms ?? [] {
                guard let alg = SigningAlgorithm(rawValue: raw) else {
                    throw .invalid(field: field + ".algorithms", "'\(raw)' is not supported; use \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                algorithms.append(alg)
            }
            _ = try await engine.addTrustedIssuer(
                tenantID: tid,
                TrustedIssuerSpec(issuer: i.issuer, jwks: keys, algorithms: algorithms,
                                  subjectMapping: try SubjectMapping.parse(i.subject, prefix: i.subjectPrefix), scopes: i.scopes,
                                  audiences: i.audiences ?? [], clients: i.clients ?? [], maxAssertionLifetime: i.maxAssertionLifetime),
                actor: actor)
        }
    }
}
