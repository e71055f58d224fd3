import AuthEngine
import ConsoleUI
import Foundation
import JOSE

/// Writes command output: human text by default, JSON with `--json`.
struct Output: Sendable {
    var json: Bool

    func emit(_ value: JSONValue, human: @autoclosure () -> String) {
        if json {
            print(String(decoding: value.serialized(), as: UTF8.self))
        } else {
            print(human())
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// Flushes stdout so a pipe (a SIEM, a test) sees each line at once.
    static func flush() {
        fflush(nil)
    }

    static func time(_ d: Date?) -> String {
        guard let d else { return "-" }
        let f = ISO8601DateFormatter()
        return f.string(from: d)
    }
}

/// The one `Present` of the program, ConsoleUI's, named here for every file of the command line
/// (which need not import ConsoleUI to use it).
typealias Present = ConsoleUI.Present

/// The command line's views of engine values (JSON, and the human text beside it), in the same
/// namespace as the console's words, so that a presentation function exists once whichever front
/// end needs it. Never secrets or digests (a client secret only when it is being shown once).
extension Present {
    /// When a configuration change this command committed holds on running servers of the database:
    /// they look for changes every `ConfigCache.pollInterval`.
    static var configurationInForce: String {
        let ms = ConfigCache.pollInterval.components.seconds * 1000 + ConfigCache.pollInterval.components.attoseconds / 1_000_000_000_000_000
        return "In force on every server of this database within \(ms) ms."
    }

    static func tenant(_ s: TenantSummary) -> JSONValue {
        .object([
            "id": .string(s.tenant.id), "name": .string(s.tenant.displayName), "issuer": .string(s.issuer),
            "algorithm": .string(s.tenant.defaultAlgorithm.rawValue), "created_at": .string(Output.time(s.tenant.createdAt)),
            "clients": .number(Double(s.clients)), "keys": .number(Double(s.keys)), "scopes": .number(Double(s.scopes)),
            "apis": .number(Double(s.apis)),
            "token_retention": .number(Double(s.tenant.policy.tokenRetention)),
            "introspection_audit_window": .number(Double(s.tenant.policy.introspectionAuditWindow)),
            "require_pushed_authorization_requests": .bool(s.tenant.policy.requirePushedAuthorizationRequests),
            "require_dpop_nonce": .bool(s.tenant.policy.requireDPoPNonce),
            "profile": .string(s.tenant.policy.profile.rawValue),
        ])
    }

    /// "tokens kept 7d after expiry or revocation; introspection audited every call".
    static func policyText(_ p: TenantPolicy) -> String {
        let audit =
            p.introspectionAuditWindow == 0
            ? "every call" : "once per token and caller per \(TimeInput.describe(seconds: p.introspectionAuditWindow))"
        return "tokens kept \(TimeInput.describe(seconds: p.tokenRetention)) after expiry or revocation; introspection audited \(audit)"
            + (p.requirePushedAuthorizationRequests ? "; pushed authorization requests (PAR) required" : "")
            + (p.requireDPoPNonce ? "; DPoP proofs need the server's nonce" : "")
            + (p.profile == .fapi2 ? "; every client under the fapi2 profile (FAPI 2.0 Security Profile)" : "")
    }

    /// A prune's counts, as `token prune --json` shows them per tenant.
    static func prune(_ r: PruneReport, dryRun: Bool) -> JSONValue {
        let c = r.counts
        return .object([
            "tenant": .string(r.tenantID), "dry_run": .bool(dryRun), "retention": .number(Double(r.retention)),
            "before": .string(Output.time(r.before)),
            "access_tokens": .number(Double(c.accessTokens)), "refresh_tokens": .number(Double(c.refreshTokens)),
            "codes": .number(Double(c.codes)), "sessions": .number(Double(c.sessions)),
            "device_authorizations": .number(Double(c.deviceAuthorizations)), "used_assertions": .number(Double(c.usedAssertions)),
        ])
    }

    /// "sms: would delete 12 tokens (10 access, 2 refresh, 0 codes), 1 session, ... expired or revoked before ...".
    static func pruneText(_ r: PruneReport, dryRun: Bool) -> String {
        let c = r.counts
        return "\(r.tenantID): \(dryRun ? "would delete" : "deleted") \(c.tokens) token(s) (\(c.accessTokens) access, "
            + "\(c.refreshTokens) refresh, \(c.codes) code(s)), \(c.sessions) session(s), \(c.deviceAuthorizations) device "
            + "authorization(s), \(c.usedAssertions) used assertion id(s); ended before \(Output.time(r.before)) "
            + "(retention \(TimeInput.describe(seconds: r.retention)))"
    }

    /// A client as `--json` shows it: its settings under the keys of tenant files (`ClientSpec`), beside
    /// its identity, status and times; never its secret digest (the secret only when just generated).
    ///
    /// With `snapshot`, also what is in force beside the client's own settings: the profile it is under
    /// (its own or its tenant's), and what that profile turns on.
    static func client(_ c: Client, secret: String? = nil, snapshot: ConfigSnapshot? = nil) -> JSONValue {
        var m: [String: JSONValue] = [:]
        if let data = try? JSONEncoder().encode(c.spec), case .object(let settings)? = try? JSONValue(parsing: data) { m = settings }
        m["tenant"] = .string(c.tenantID)
        m["client_id"] = .string(c.id)
        m["require_pkce"] = .bool(c.mustUsePKCE)
        m["status"] = .string(c.disabled ? "disabled" : "enabled")
        m["created_at"] = .string(Output.time(c.createdAt))
        m["updated_at"] = .string(Output.time(c.updatedAt))
        if let secret { m["client_secret"] = .string(secret) }
        if let snapshot {
            m["profile_in_force"] = .string(snapshot.profile(of: c).rawValue)
            m["pushed_authorization_requests_required"] = .bool(snapshot.requiresPushedAuthorizationRequests(c))
            m["refresh_token_retry_grace_in_force"] = .number(Double(snapshot.refreshTokenRetryGrace(of: c)))
            m["token_binding"] = .string(c.tokenBindingKind)
        }
        return .object(m)
    }

    static func clientText(_ c: Client, secret: String? = nil, snapshot: ConfigSnapshot? = nil) -> String {
        let profile = snapshot?.profile(of: c) ?? c.spec.profile
        let requiresPAR = snapshot?.requiresPushedAuthorizationRequests(c) ?? c.requirePushedAuthorizationRequests
        let grace = snapshot?.refreshTokenRetryGrace(of: c) ?? c.spec.refreshTokenRetryGrace
        var lines = [
            "client_id:      \(c.id)", "name:           \(c.name)", "tenant:         \(c.tenantID)",
            "type:           \(c.type.rawValue)", "auth method:    \(c.authMethod.rawValue)",
            "grant types:    \(c.grantTypes.map(\.rawValue).joined(separator: ", "))",
            "scopes:         \(c.scopes.joined(separator: " "))", "audiences:      \(c.audiences.joined(separator: " "))",
            "token format:   \(c.tokenFormat.rawValue)", "token lifetime: \(c.accessTokenLifetime) s",
            "signing alg:    \(c.signingAlgorithm?.rawValue ?? "tenant default")",
            "status:         \(c.disabled ? "✕ disabled" : "● enabled")",
            "token binding:  \(c.tokenBindingDescription)",
            "profile:        \(profile.describe(own: c.spec.profile == profile))",
        ]
        for name in c.spec.tlsClientAuthNames { lines.append("certificate:    \(name.key) \(name.value)") }
        if !c.redirectURIs.isEmpty { lines.append("redirect URIs:  \(c.redirectURIs.joined(separator: " "))") }
        if c.grantTypes.contains(where: { GrantType.userGrants.contains($0) }) {
            lines.append("party:          \(c.thirdParty ? "third party (asks for consent)" : "first party (no consent page)")")
            lines.append("PKCE:           \(c.mustUsePKCE ? "required (S256)" : "optional")")
            if requiresPAR { lines.append("PAR:            required (authorization requests are pushed first)") }
        }
        if c.grantTypes.contains(.refreshToken) {
            lines.append("refresh tokens: rotate on use; \(c.refreshTokenLifetime) s sliding, \(c.refreshTokenAbsoluteLifetime) s absolute")
            lines.append(
                grace > 0
                    ? "refresh retry:  \(grace) s (the rotated token again within it: the same new tokens, not a revoked family)"
                    : "refresh retry:  off (a rotated token presented again revokes the family)"
            )
        }
        if !c.postLogoutRedirectURIs.isEmpty { lines.append("after logout:   \(c.postLogoutRedirectURIs.joined(separator: " "))") }
        if c.revokeRefreshTokensOnLogout { lines.append("on logout:      revokes this client's tokens of the session") }
        if let secret {
            lines.append("")
            lines.append("client_secret:  \(secret)")
            lines.append("This secret is shown once. Store it now; only its hash is kept.")
        }
        return lines.joined(separator: "\n")
    }

    static func revocation(_ s: RevocationSummary, dryRun: Bool, exposure: [AudienceExposure] = []) -> JSONValue {
        .object([
            "exposure": .array(
                exposure.map { e in
                    .object([
                        "audience": .string(e.audience), "api": e.api.map(JSONValue.string) ?? .null, "subscribed": .bool(e.subscribed),
                        "last_acknowledged_at": e.lastAcknowledgedAt.map { .string(Output.time($0)) } ?? .null,
                        "usable_until": e.usableUntil.map { .string(Output.time($0)) } ?? .null,
                    ])
                }
            ),
            "dry_run": .bool(dryRun), "revoked": .number(Double(s.revoked)), "jwt": .number(Double(s.jwtCount)),
            "opaque": .number(Double(s.opaqueCount)),
            "jwt_usable_until": s.jwtUsableUntil.map { .string(Output.time($0)) } ?? .null,
            "clients": .array(s.clients.map(JSONValue.string)), "subjects": .array(s.subjects.map(JSONValue.string)),
        ])
    }

    static func revocationText(_ s: RevocationSummary, dryRun: Bool, what: String, exposure: [AudienceExposure] = []) -> String {
        var lines = [
            dryRun ? "Dry run: revoking \(what) would revoke \(s.revoked) active token(s)." : "Revoked \(s.revoked) active token(s): \(what)."
        ]
        lines.append("  opaque: \(s.opaqueCount) (inactive at introspection \(dryRun ? "at once" : "now"))")
        lines.append("  JWT:    \(s.jwtCount)")
        if let until = s.jwtUsableUntil {
            lines.append("  Already-issued JWTs stay usable at APIs that do not introspect until \(Output.time(until)).")
        }
        if let line = exposureText(exposure) { lines.append("  Residual exposure: " + line) }
        if !s.clients.isEmpty { lines.append("  clients:  \(s.clients.joined(separator: ", "))") }
        if !s.subjects.isEmpty { lines.append("  subjects: \(s.subjects.prefix(20).joined(separator: ", "))\(s.subjects.count > 20 ? ", …" : "")") }
        return lines.joined(separator: "\n")
    }

    /// "0 s for subscribed APIs (invoices, last acknowledged …); until 14:05 for sms (not subscribed)".
    static func exposureText(_ exposure: [AudienceExposure]) -> String? {
        let parts = AudienceExposure.summary(exposure, time: Output.time)
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    static func token(_ t: TokenRecord, now: Date) -> JSONValue {
        .object([
            "id": .string(t.id), "tenant": .string(t.tenantID), "kind": .string(t.kind.rawValue), "format": .string(t.format.rawValue),
            "client_id": .string(t.clientID), "subject": .string(t.subject), "scopes": .array(t.scopes.map(JSONValue.string)),
            "audiences": .array(t.audiences.map(JSONValue.string)), "issued_at": .string(Output.time(t.issuedAt)),
            "expires_at": .string(Output.time(t.expiresAt)), "status": .string(t.status(at: now).rawValue),
            "kid": t.keyID.map(JSONValue.string) ?? .null, "grant_type": .string(t.grantType.rawValue),
            "revoked_at": t.revokedAt.map { .string(Output.time($0)) } ?? .null,
            "revocation_reason": t.revocationReason.map(JSONValue.string) ?? .null,
            "design_version": t.designVersion.map { .number(Double($0)) } ?? .null,
            "bound": .string(t.bindingName),
            "dpop_jkt": t.dpopKeyThumbprint.map(JSONValue.string) ?? .null,
            "x5t#S256": t.certificateThumbprint.map(JSONValue.string) ?? .null,
        ])
    }

    static func audit(_ e: AuditEvent) -> JSONValue {
        let d = e.event
        var m: [String: JSONValue] = [
            "seq": .number(Double(e.sequence)), "time": .string(Output.time(d.time)),
            "type": .string(d.type.rawValue), "outcome": .string(d.outcome.rawValue), "hash": .string(e.hash),
        ]
        for (k, v) in [
            ("tenant", d.tenantID), ("client_id", d.clientID), ("subject", d.subject), ("token_id", d.tokenID),
            ("reason", d.reason), ("actor", d.actor),
        ] {
            if let v { m[k] = .string(v) }
        }
        if !d.details.isEmpty { m["details"] = .object(d.details.mapValues(JSONValue.string)) }
        return .object(m)
    }

    static func auditText(_ e: AuditEvent) -> String {
        let d = e.event
        var parts = ["#\(e.sequence)", Output.time(d.time), d.outcome == .success ? "✓" : "✕", d.type.rawValue]
        if let t = d.tenantID { parts.append("tenant=\(t)") }
        if let c = d.clientID { parts.append("client=\(c)") }
        if let s = d.subject { parts.append("sub=\(s)") }
        if let t = d.tokenID { parts.append("token=\(t)") }
        if let r = d.reason { parts.append("reason=\(r)") }
        for (k, v) in d.details.sorted(by: { $0.key < $1.key }) where !v.isEmpty { parts.append("\(k)=\(v.contains(" ") ? "\"\(v)\"" : v)") }
        return parts.joined(separator: " ")
    }
}

/// Parses an `--alg` value, naming the option and the choices when it is wrong.
/// A `--profile` value: fapi2 or none.
func parseProfile(_ raw: String?, option: String = "--profile") throws -> SecurityProfile? {
    guard let raw else { return nil }
    return try SecurityProfile.parse(raw, field: option)
}

func parseAlgorithm(_ raw: String?, option: String = "--alg") throws -> SigningAlgorithm? {
    guard let raw else { return nil }
    guard let alg = SigningAlgorithm(rawValue: raw) else {
        throw AdminError.invalid(field: option, "'\(raw)' is not supported; use \(SigningAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return alg
}
