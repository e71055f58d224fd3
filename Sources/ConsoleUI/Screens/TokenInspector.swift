import AuthEngine
import Foundation
import JOSE

/// `p` on the tokens screen: the operator pastes a token string and sees what it is, whether the
/// tenant's keys verify it, whether it has expired, and what the store (the introspection lookup)
/// says. The string lives only in the input field until Enter; what is shown afterwards is the
/// engine's `TokenInspection`, which holds no copy of it.
final class TokenInspector {
    enum Action: Sendable {
        case scroll(Int)
        case openStored, pasteAgain
    }

    enum State {
        case input(TextField)
        case checking
        case result(TokenInspection, scroll: Int)
    }

    enum Outcome {
        case stay, close
        case openStored(String)
        /// The key means nothing to the result view: the shell's keys (`?`, `:`, `/`, `1`–`7`, `q`)
        /// get it, as the hint line promises. While typing, every key is text and none passes.
        case unhandled
    }

    private(set) var state = State.input(TextField())

    static let resultKeys = KeyMap<Action>(
        "Pasted token",
        [
            KeyBinding([.up, .char("k")], .scroll(-1), "Scroll up"),
            KeyBinding([.down, .char("j")], .scroll(1), "Scroll down"),
            KeyBinding([.enter, .char("o")], .openStored, "Open the stored token: its audit trail, revoke keys", hint: "open stored"),
            KeyBinding([.char("p")], .pasteAgain, "Paste another token", hint: "paste"),
        ]
    )

    static let inputHelp = [
        HelpEntry(keys: "Enter", text: "Decode and verify"), HelpEntry(keys: "^U", text: "Clear"),
        HelpEntry(keys: "Esc", text: "Cancel"),
    ]

    var helpEntries: [HelpEntry] {
        if case .result = state { return Self.resultKeys.helpEntries }
        return Self.inputHelp
    }
    var hintEntries: [HelpEntry] {
        if case .result = state { return Self.resultKeys.hintEntries }
        return Self.inputHelp
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Outcome {
        if key == .escape { return .close }
        switch state {
        case .checking: return .stay
        case .input(var field):
            if key == .enter {
                inspect(field.text, ctx)
            } else if field.handle(key) {
                state = .input(field)
            }
            return .stay
        case .result(let inspection, let scroll):
            switch Self.resultKeys.action(for: key) {
            case .scroll(let d)?: state = .result(inspection, scroll: max(0, scroll + d))
            case .pasteAgain?: state = .input(TextField())
            case .openStored?:
                if case .found(let record) = inspection.stored { return .openStored(record.id) }
                ctx.flash("the store has no record of this token to open", .warn)
            case nil: return .unhandled
            }
            return .stay
        }
    }

    /// Hands the string to the engine and forgets it here; a bad paste keeps the field for editing.
    private func inspect(_ text: String, _ ctx: ConsoleContext) {
        let tenant = ctx.tenantID
        let field = TextField(text)
        state = .checking
        ctx.run("inspect token", { e throws(AdminError) in try await e.inspectToken(tenantID: tenant, token: text) }) { [weak self] result in
            guard let self, case .checking = self.state else { return }
            switch result {
            case .success(let inspection): self.state = .result(inspection, scroll: 0)
            case .failure(let error):
                self.state = .input(field)
                ctx.fail(error)
            }
        }
    }

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        switch state {
        case .input(let field):
            grid.put(
                "Paste a token (a JWT or an opaque cdo_/cdr_/cdc_ token) and press Enter:",
                x: area.x,
                y: area.y,
                role: .title,
                limit: area.width
            )
            field.draw(x: area.x, y: area.y + 2, width: area.width, grid: &grid)
            grid.put("It is decoded and checked here; it is not logged, audited or kept.", x: area.x, y: area.y + 4, role: .muted, limit: area.width)
        case .checking:
            grid.put("Checking the token…", x: area.x, y: area.y, role: .muted, limit: area.width)
        case .result(let inspection, let scroll):
            DetailLine.draw(Self.lines(inspection, now: ctx.now), scroll: scroll, in: area, grid: &grid)
        }
    }

    // MARK: - Wording

    static func lines(_ i: TokenInspection, now: Date) -> [DetailLine] {
        var lines: [DetailLine] = [.section("Pasted token")]
        let what = i.format == .jwt ? "JWT" : "opaque \(i.opaqueKind.map(kindName) ?? "token")"
        lines.append(DetailLine("format", "\(what), \(i.length) characters"))
        let problems = self.problems(i)
        lines.append(
            problems.isEmpty
                ? DetailLine(
                    "verdict",
                    "✓ usable: " + (i.format == .jwt ? "signature, expiry and store agree" : "active in the store"),
                    role: .statusActive
                )
                : DetailLine("verdict", "✕ not usable: " + problems.joined(separator: "; "), role: .statusRevoked)
        )
        if let s = i.signature { lines.append(signatureLine(s)) }
        if let exp = i.expiresAt {
            lines.append(
                i.expired
                    ? DetailLine("expiry", "✕ expired \(Present.time(exp)) (\(Present.relative(exp, now: now)))", role: .statusExpired)
                    : DetailLine("expiry", "✓ expires \(Present.time(exp)) (\(Present.relative(exp, now: now)))", role: .statusActive)
            )
        }
        if i.format == .jwt {
            let iss = i.claims["iss"]?.stringValue
            lines.append(
                iss == i.expectedIssuer
                    ? DetailLine("issuer", "✓ \(i.expectedIssuer)", role: .statusActive)
                    : DetailLine("issuer", "✕ iss is \(iss ?? "missing"); this tenant issues as \(i.expectedIssuer)", role: .statusRevoked)
            )
        }
        if i.format == .jwt {
            lines.append(DetailLine("bound to", TokenConfirmation.describe(claims: i.claims)))
        } else if case .found(let r) = i.stored, r.kind == .access {
            lines.append(DetailLine("bound to", TokenConfirmation.describe(claims: r.publicClaims)))
        }
        lines.append(storeLine(i))
        if case .found(let r) = i.stored {
            lines.append(.section("Stored record (Enter opens it)"))
            lines += [
                DetailLine("id", r.id, indent: 1), DetailLine("kind", "\(kindName(r.kind)), \(r.format.rawValue)", indent: 1),
                DetailLine("client", r.clientID, indent: 1), DetailLine("subject", r.subject, indent: 1),
                DetailLine("scopes", r.scopes.joined(separator: " "), indent: 1),
                DetailLine("audiences", r.audiences.joined(separator: " "), indent: 1),
                DetailLine("issued", Present.time(r.issuedAt), indent: 1),
            ]
            if let f = r.familyID { lines.append(DetailLine("refresh family", f, indent: 1)) }
            if i.format == .opaque, !r.publicClaims.isEmpty {
                lines.append(.section("Stored claims (returned by introspection)"))
                for (k, v) in r.publicClaims.sorted(by: { $0.key < $1.key }) { lines += DetailLine.tree(k, v, indent: 1) }
            }
        }
        if i.format == .jwt {
            lines.append(.section("JWT header"))
            for (k, v) in i.header.sorted(by: { $0.key < $1.key }) { lines += DetailLine.tree(k, v, indent: 1) }
            lines.append(.section("JWT claims"))
            for (k, v) in i.claims.sorted(by: { $0.key < $1.key }) {
                if ["exp", "iat", "nbf", "auth_time"].contains(k), let t = v.doubleValue {
                    let date = Date(timeIntervalSince1970: t)
                    lines.append(
                        DetailLine(
                            k,
                            "\(v.intValue.map(String.init) ?? "\(t)") (\(Present.time(date)), \(Present.relative(date, now: now)))",
                            indent: 1
                        )
                    )
                } else {
                    lines += DetailLine.tree(k, v, indent: 1)
                }
            }
        }
        return lines
    }

    /// Why the token would be refused, in the order an API checks.
    static func problems(_ i: TokenInspection) -> [String] {
        var p: [String] = []
        switch i.signature {
        case .invalid?: p.append("bad signature")
        case .unknownKey?: p.append("unknown signing key")
        case .unpublishedKey?: p.append("signing key no longer published")
        case .valid?, nil: break
        }
        if i.expired { p.append("expired") }
        if i.format == .jwt, i.claims["iss"]?.stringValue != i.expectedIssuer { p.append("wrong issuer") }
        switch i.stored {
        case .found(let r):
            if r.revokedAt != nil { p.append("revoked") } else if !i.introspectionActive && !i.expired { p.append("inactive at introspection") }
        case .digestMismatch: p.append("altered or forged")
        case .notFound: p.append("not in the store")
        }
        return p
    }

    static func signatureLine(_ s: TokenInspection.Signature) -> DetailLine {
        switch s {
        case .valid(let kid, let state, let alg):
            return DetailLine("signature", "✓ verifies with key \(kid) (\(state.rawValue), \(alg.rawValue), in the JWKS)", role: .statusActive)
        case .unpublishedKey(let kid, let state):
            return DetailLine("signature", "⚠ verifies with key \(kid) (\(state.rawValue)), no longer in the JWKS: APIs refuse it", role: .flashWarn)
        case .invalid(let kid, let state):
            return DetailLine(
                "signature",
                "✕ does not verify with key \(kid) (\(state.rawValue)): altered, or alg does not match the key",
                role: .statusRevoked
            )
        case .unknownKey(let kid?):
            return DetailLine(
                "signature",
                "✕ signed with kid \(Validation.printable(kid, limit: 40)), which tenant keys do not include",
                role: .statusRevoked
            )
        case .unknownKey(nil):
            return DetailLine("signature", "✕ no kid in the header, and no published key of the tenant verifies it", role: .statusRevoked)
        }
    }

    static func storeLine(_ i: TokenInspection) -> DetailLine {
        switch i.stored {
        case .found(let r):
            if let at = r.revokedAt {
                return DetailLine(
                    "store",
                    "✕ revoked \(Present.time(at)): \(r.revocationReason ?? "no reason"); introspection answers active:false",
                    role: .statusRevoked
                )
            }
            return i.introspectionActive
                ? DetailLine("store", "● active: introspection answers active:true", role: .statusActive)
                : DetailLine(
                    "store",
                    "○ stored, introspection answers active:false (\(i.expired ? "expired" : "client disabled or a code"))",
                    role: .statusExpired
                )
        case .digestMismatch(let id):
            return DetailLine("store", "✕ token \(id) was issued as another string: altered or forged", role: .statusRevoked)
        case .notFound(let id?):
            return DetailLine(
                "store",
                "✕ no token \(Validation.printable(id, limit: 40)) in this tenant (another tenant's, or deleted)",
                role: .statusRevoked
            )
        case .notFound(nil):
            return DetailLine("store", "✕ not stored: it has no jti (ID tokens are not recorded)", role: .statusRevoked)
        }
    }

    static func kindName(_ k: TokenKind) -> String { k == .authorizationCode ? "authorization code" : "\(k.rawValue) token" }
}
