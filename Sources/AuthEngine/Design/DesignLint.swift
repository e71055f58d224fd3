import Foundation
import JOSE

/// One finding of the design lint: what is wrong, how bad, and how to fix it.
public struct LintFinding: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error, warning, info
        private var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var severity: Severity
    /// Stable rule id ("pii-in-access-token").
    public var rule: String
    /// What it is about: "client budget-app", "claim account-nbr".
    public var subject: String
    public var message: String
    public var fix: String

    public func json() -> JSONValue {
        .object([
            "severity": .string(severity.rawValue), "rule": .string(rule), "subject": .string(subject),
            "message": .string(message), "fix": .string(fix),
        ])
    }
}

/// Limits the lint checks against.
public struct LintLimits: Sendable, Hashable {
    public var tokenBytes = 2048
    public var accessTokenLifetime = 3600
    public var refreshTokenAbsoluteLifetime = 90 * 86_400
    public init() {}
}

/// Checks a token design, and the clients that use it, for what experience says goes wrong: personal
/// data where it is not needed, readable tokens in third parties' hands, big tokens, dead mappings,
/// contracts no scope fulfils, long-lived tokens. Pure: the engine supplies the measured token sizes.
public enum DesignLint {
    /// - Parameter tokenBytes: client id -> the largest access token the preview produced for it.
    public static func run(
        _ design: TokenDesign,
        clients: [Client],
        tokenBytes: [String: Int] = [:],
        limits: LintLimits = LintLimits()
    ) -> [LintFinding] {
        var out: [LintFinding] = []
        let delivered = DesignDiff.deliveries(design)
        func delivers(_ scope: String, _ claim: String, to destinations: [ClaimDestination]) -> Bool {
            destinations.contains { delivered[DesignDiff.Key(scope: scope, destination: $0, claim: claim)] != nil }
        }
        let active = clients.filter { !$0.disabled }.sorted { $0.id < $1.id }

        for client in active {
            let userTokens = client.grantTypes.contains { GrantType.userGrants.contains($0) }
            // APIs the client's tokens can be addressed to (its audiences, or the APIs of its scopes).
            let apis = design.apis.filter {
                client.audiences.isEmpty ? !Set($0.scopes).isDisjoint(with: client.scopes) : client.audiences.contains($0.audience)
            }
            for claim in design.claims where claim.isPII && claim.destinations.contains(.accessToken) {
                let scopes = claim.scopes.filter(client.scopes.contains)
                guard !scopes.isEmpty, userTokens || !claim.source.needsUser else { continue }
                let needed = apis.contains { api in scopes.contains { (api.requiredClaims[$0] ?? []).contains(claim.name) } }
                if !needed {
                    out.append(
                        LintFinding(
                            severity: .warning,
                            rule: "pii-in-access-token",
                            subject: "client \(client.id)",
                            message:
                                "access tokens of '\(client.id)' carry personal data '\(claim.name)' (scopes \(scopes.joined(separator: ", "))), but no API it calls requires it",
                            fix: "deliver '\(claim.name)' to id_token/userinfo only, or add it to the required claims of the API that reads it"
                        )
                    )
                }
            }
            // A stolen bearer token of a sensitive scope is the costly one; a sender-constrained client
            // (DPoP or mTLS; every fapi2 client is) cannot have its tokens replayed by whoever copies them.
            let sensitive = design.scopes.filter { $0.sensitive && client.scopes.contains($0.name) }.map(\.name)
            if !sensitive.isEmpty && !client.dpopBoundAccessTokens && !client.tlsClientCertificateBoundAccessTokens {
                out.append(
                    LintFinding(
                        severity: .warning,
                        rule: "sensitive-scope-bearer",
                        subject: "client \(client.id)",
                        message:
                            "client '\(client.id)' handles sensitive scopes (\(sensitive.joined(separator: ", "))) with bearer tokens: whoever "
                            + "copies one can use it",
                        fix:
                            "bind its tokens: dpop_bound_access_tokens (DPoP) or tls_client_certificate_bound_access_tokens (mTLS), or put it "
                            + "under the fapi2 profile (claimdeck client update --profile fapi2)"
                    )
                )
            }
            if client.thirdParty && client.tokenFormat == .jwt {
                out.append(
                    LintFinding(
                        severity: .warning,
                        rule: "third-party-jwt",
                        subject: "client \(client.id)",
                        message: "third-party client '\(client.id)' gets readable JWT access tokens: it can read every claim meant for the APIs",
                        fix: "set token_format: opaque; APIs get the claims by introspection (phantom token: RFC 9701 signed answers)"
                    )
                )
            }
            if let bytes = tokenBytes[client.id], bytes > limits.tokenBytes {
                out.append(
                    LintFinding(
                        severity: .warning,
                        rule: "token-size",
                        subject: "client \(client.id)",
                        message:
                            "access tokens of '\(client.id)' are \(bytes) bytes, over the \(limits.tokenBytes)-byte budget (headers, cookies and proxies start to fail)",
                        fix: "map fewer claims to its scopes, or give it opaque tokens"
                    )
                )
            }
            if client.accessTokenLifetime > limits.accessTokenLifetime {
                out.append(
                    LintFinding(
                        severity: .warning,
                        rule: "access-token-lifetime",
                        subject: "client \(client.id)",
                        message:
                            "access tokens of '\(client.id)' live \(client.accessTokenLifetime) s, over \(limits.accessTokenLifetime) s: a revoked JWT stays usable that long",
                        fix: "access_token_lifetime: \(limits.accessTokenLifetime) or less; use refresh tokens for long sessions"
                    )
                )
            }
            // Claimdeck always rotates refresh tokens (reuse revokes the family); what is left to
            // check is how long a stolen one stays usable at most.
            if client.grantTypes.contains(.refreshToken), client.refreshTokenAbsoluteLifetime > limits.refreshTokenAbsoluteLifetime {
                out.append(
                    LintFinding(
                        severity: .warning,
                        rule: "refresh-token-lifetime",
                        subject: "client \(client.id)",
                        message:
                            "refresh tokens of '\(client.id)' rotate, but a family lives \(client.refreshTokenAbsoluteLifetime / 86_400) days, over \(limits.refreshTokenAbsoluteLifetime / 86_400)",
                        fix: "refresh_token_absolute_lifetime: \(limits.refreshTokenAbsoluteLifetime) or less"
                    )
                )
            }
            if client.grantTypes.contains(.clientCredentials) {
                for claim in design.claims where claim.isRequired && claim.source.needsUser {
                    if let scope = claim.scopes.first(where: client.scopes.contains) {
                        out.append(
                            LintFinding(
                                severity: .info,
                                rule: "required-user-claim-service",
                                subject: "client \(client.id)",
                                message:
                                    "claim '\(claim.name)' is required under scope \(scope), but '\(client.id)' gets client_credentials tokens without a user: it is left out of those",
                                fix: "nothing, if that is intended; otherwise give the claim a source that needs no user"
                            )
                        )
                    }
                }
            }
        }
        for scope in design.scopes where !design.claims.contains(where: { $0.scopes.contains(scope.name) }) {
            out.append(
                LintFinding(
                    severity: .info,
                    rule: "scope-maps-no-claim",
                    subject: "scope \(scope.name)",
                    message: "scope '\(scope.name)' maps no claim: it only gates access",
                    fix: "map the claims its APIs need, or leave it if a bare permission is intended"
                )
            )
        }
        for claim in design.claims where claim.scopes.isEmpty {
            out.append(
                LintFinding(
                    severity: .warning,
                    rule: "claim-unmapped",
                    subject: "claim \(claim.name)",
                    message: "claim '\(claim.name)' is mapped by no scope: no token ever carries it",
                    fix: "add a scope to it, or remove it"
                )
            )
        }
        for claim in design.claims {
            if case .externalLookup(let l) = claim.source, l.url.hasPrefix("http://") {
                out.append(
                    LintFinding(
                        severity: claim.isPII ? .error : .warning,
                        rule: "external-lookup-cleartext",
                        subject: "claim \(claim.name)",
                        message: "claim '\(claim.name)' is looked up over plain http://" + (claim.isPII ? " and is personal data" : ""),
                        fix: "use an https:// URL"
                    )
                )
            }
        }
        for api in design.apis {
            for (scope, required) in api.requiredClaims.sorted(by: { $0.key < $1.key }) {
                for claim in required where !delivers(scope, claim, to: [.accessToken, .introspection]) {
                    out.append(
                        LintFinding(
                            severity: .error,
                            rule: "api-requirement-undelivered",
                            subject: "API \(api.name)",
                            message:
                                "API '\(api.name)' requires claim '\(claim)' under scope \(scope), but no mapping delivers it to the access token or introspection",
                            fix: "map '\(claim)' to scope \(scope) with destination access_token (JWT readers) or introspection (opaque tokens)"
                        )
                    )
                }
            }
        }
        return out.sorted { ($0.severity, $0.rule, $0.subject) < ($1.severity, $1.rule, $1.subject) }
    }

    /// Findings as text, one per line with its fix.
    public static func text(_ findings: [LintFinding]) -> String {
        if findings.isEmpty { return "lint: clean" }
        return findings.map { "\($0.severity.rawValue): [\($0.rule)] \($0.message)\n    fix: \($0.fix)" }.joined(separator: "\n")
    }
}
