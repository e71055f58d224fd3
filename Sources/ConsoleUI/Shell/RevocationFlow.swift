import AuthEngine
import Foundation

/// Every revocation from the console, whatever screen starts it: the engine's dry run first
/// (`previewRevocation`), a dialog that says what dies with Cancel focused, then `revokeTokens`.
/// A mass revocation (a whole tenant, or more than `typedThreshold` tokens) also asks for the
/// tenant's, client's or subject's name to be typed.
enum RevocationFlow {
    /// More active tokens than this die only after their owner's name is typed: a slip of `C` on a
    /// client with a hundred live tokens is an outage.
    static let typedThreshold = 100

    /// The name to type before `selector` runs, given its dry run: always for a whole tenant, and
    /// for any selection above `typedThreshold`; nil otherwise.
    static func phrase(_ selector: RevocationSelector, _ preview: RevocationSummary) -> String? {
        switch selector {
        case .tenant(let t): return t
        case _ where preview.revoked <= typedThreshold: return nil
        case .client(_, let c), .grant(_, _, let c): return c
        case .subject(_, let s), .session(_, let s, _, _): return s
        case .token(let t, _), .family(let t, _): return t
        }
    }

    static func start(_ selector: RevocationSelector, reason: String, _ ctx: ConsoleContext, done: @escaping (RevocationSummary) -> Void) {
        ctx.flash("Dry run: \(selector.description)…")
        ctx.run(
            "preview revocation",
            { engine throws(AdminError) in
                let preview = try await engine.previewRevocation(selector)
                return (preview, try await engine.revocationExposure(selector, summary: preview))
            }
        ) { result in
            switch result {
            case .failure(let error): ctx.fail(error)
            case .success(let (preview, exposure)):
                let actor = ctx.actor
                if preview.revoked == 0 {
                    ctx.flash("Nothing to revoke: no active token matches \(selector.description).", .warn)
                    return
                }
                ctx.present(
                    Dialog(
                        confirm: "Revoke tokens",
                        lines: lines(selector, preview, exposure: exposure, now: ctx.now),
                        action: "Revoke \(Present.count(preview.revoked, "token"))",
                        phrase: phrase(selector, preview)
                    ) {
                        ctx.run("revoke", { engine throws(AdminError) in try await engine.revokeTokens(selector, reason: reason, actor: actor) }) {
                            result in
                            switch result {
                            case .failure(let error): ctx.fail(error)
                            case .success(let summary):
                                ctx.flash("Revoked \(Present.count(summary.revoked, "token")): introspection answers active:false now.")
                                done(summary)
                            }
                        }
                    }
                )
            }
        }
    }

    /// The dry run as dialog lines: what dies, who is touched, how long JWTs stay usable, and per
    /// API whether the revocation reaches it at once (subscribed to security events) or not.
    static func lines(_ selector: RevocationSelector, _ s: RevocationSummary, exposure: [AudienceExposure] = [], now: Date) -> [Dialog.Line] {
        var lines = [Dialog.Line("Revoke \(selector.description)?"), Dialog.Line("")]
        lines.append(Dialog.Line("Dies:     \(Present.count(s.revoked, "active token")) (\(s.jwtCount) JWT, \(s.opaqueCount) opaque)"))
        lines.append(Dialog.Line("Clients:  \(Present.list(s.clients))"))
        lines.append(Dialog.Line("Subjects: \(Present.list(s.subjects))"))
        if let until = s.jwtUsableUntil {
            lines.append(Dialog.Line("JWTs stay usable until \(Present.time(until)) (\(Present.relative(until, now: now)))", role: .flashWarn))
            lines.append(Dialog.Line("at APIs that validate them locally without introspection.", role: .flashWarn))
        } else {
            lines.append(Dialog.Line("No JWT among them: introspection stops them all at once."))
        }
        let residual = AudienceExposure.summary(exposure, time: Present.time)
        if !residual.isEmpty {
            lines.append(Dialog.Line("Residual exposure:"))
            for part in residual { lines.append(Dialog.Line("  " + part, role: part.hasPrefix("0 s") ? .dialog : .flashWarn)) }
        }
        return lines
    }
}
