import AuthEngine
import Foundation
import JOSE

/// What the tokens list is narrowed to, parsed from the `/` filter:
/// `client:ID sub:SUBJECT status:active|expired|revoked kind:access|refresh|code id:TOKEN` (a bare word is a token id).
struct TokenFilter: Sendable, Hashable {
    var clientID: String?
    var subject: String?
    var status: TokenRecord.Status?
    var kind: TokenKind?
    var tokenID: String?
    var familyID: String?
    var since: Date?
    var until: Date?

    static let language = FilterLanguage(
        [
            FilterKey("client", "Tokens of this client", values: .clients),
            FilterKey("sub", "Tokens of this subject (user id)", placeholder: "SUBJECT", aliases: ["subject", "user"]),
            FilterKey("status", "active, expired or revoked", values: .fixed(["active", "expired", "revoked"])),
            FilterKey("kind", "access, refresh or code (authorization code)", values: .fixed(TokenKind.allCases.map(\.rawValue))),
            FilterKey("id", "The token with this id (jti)", placeholder: "TOKEN", aliases: ["jti"]),
            FilterKey("family", "The tokens of one sign-in (its refresh family)"),
            FilterKey(
                "since",
                "Issued since: ISO 8601 or a span back from now (30m, 2h, 7d)",
                placeholder: "1h",
                values: .fixed(["30m", "1h", "1d", "7d"])
            ),
            FilterKey("until", "Issued before: ISO 8601 or a span back from now", placeholder: "2026-11-22T10:00:00Z"),
        ],
        bare: "a token id"
    )
    static var hint: String { language.hint }

    /// The filter, or the word that could not be understood. Times are ISO 8601 or a span back from
    /// `now` (`30m`, `2h`, `7d`).
    static func parse(_ text: String, now: Date = Date()) -> Result<TokenFilter, AdminError> {
        var f = TokenFilter()
        for word in text.split(separator: " ") {
            let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                f.tokenID = String(word)
                continue
            }
            switch parts[0] {
            case "client": f.clientID = parts[1]
            case "sub", "subject", "user": f.subject = parts[1]
            case "id", "jti": f.tokenID = parts[1]
            case "status":
                guard let s = TokenRecord.Status(rawValue: parts[1]) else {
                    return .failure(.invalid(field: "status", "use active, expired or revoked"))
                }
                f.status = s
            case "kind":
                guard let k = TokenKind(rawValue: parts[1]) else { return .failure(.invalid(field: "kind", "use access, refresh or code")) }
                f.kind = k
            case "family": f.familyID = parts[1]
            case "since", "until":
                guard let t = time(parts[1], now: now) else {
                    return .failure(
                        .invalid(
                            field: parts[0],
                            "'\(parts[1])' is not a time: use ISO 8601 (2026-11-22T10:00:00Z) or a span back from now (30m, 2h, 7d)"
                        )
                    )
                }
                if parts[0] == "since" { f.since = t } else { f.until = t }
            default: return .failure(.invalid(field: parts[0], "unknown filter; use \(hint)"))
            }
        }
        return .success(f)
    }
}

extension TokenFilter {
    static func time(_ text: String, now: Date) -> Date? { TimeInput.parse(text, now: now) }
}

/// Tokens: keyset pages newest first (never all rows), filters run in SQL, detail with the claims as
/// signed and the audit trail, and every revocation with the engine's dry run.
final class TokensScreen: Screen {
    enum Action: Sendable {
        case move(ListMove)
        case open, revokeToken, revokeSubject, revokeClient, revokeTenant, reload, openClient, openUser, showFamily, paste, copyID, pauseLive
        case arrange(TableView.Action)
    }

    struct Detail {
        var record: TokenRecord
        var trail: [AuditEvent] = []
        var scroll = 0
    }

    static let pageSize = 100

    let kind = ScreenKind.tokens
    /// The rows loaded, newest first, and as shown (sorted by the operator's column: the loaded
    /// pages only, the store's keyset order is newest first).
    private(set) var rows: [TokenRecord] = []
    private(set) var shown: [TokenRecord] = []
    private(set) var view = TableView()
    private(set) var live = LiveRefresh()
    private(set) var list = ListState()
    private(set) var hasMore = false
    private(set) var loading = false
    private var generation = 0
    private(set) var filter = ""
    private var parsed = TokenFilter()
    private(set) var detail: Detail?
    /// The pasted-token check (`p`), shown over the list while open.
    private(set) var inspector: TokenInspector?

    static let listKeys = KeyMap<Action>(
        "Tokens",
        ListMove.bindings(Action.move) + [
            KeyBinding([.enter], .open, "Open the token: claims, key, audit trail", hint: "open"),
            KeyBinding([.char("r")], .revokeToken, "Revoke this token", destructive: true, hint: "revoke"),
            KeyBinding([.char("S")], .revokeSubject, "Revoke every token of its subject", destructive: true),
            KeyBinding([.char("C")], .revokeClient, "Revoke every token of its client", destructive: true),
            KeyBinding([.char("T")], .revokeTenant, "Revoke every token of the tenant (type its id to confirm)", destructive: true),
            KeyBinding([.char("p")], .paste, "Paste a token (JWT or opaque) to decode and verify it", hint: "paste"),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the token id (jti) to the terminal clipboard (OSC 52)", hint: "copy id"),
            KeyBinding([.ctrl("r")], .reload, "Reload from the store"),
            LiveRefresh.binding(Action.pauseLive),
        ] + TableView.bindings(Action.arrange)
    )

    static let detailKeys = KeyMap<Action>(
        "Token",
        [
            KeyBinding([.up, .char("k")], .move(.up), "Scroll up"),
            KeyBinding([.down, .char("j")], .move(.down), "Scroll down"),
            KeyBinding([.char("r")], .revokeToken, "Revoke this token", destructive: true, hint: "revoke"),
            KeyBinding([.char("S")], .revokeSubject, "Revoke every token of its subject", destructive: true),
            KeyBinding([.char("C")], .revokeClient, "Revoke every token of its client", destructive: true),
            KeyBinding([.char("c"), .char("y")], .copyID, "Copy the token id (jti) to the terminal clipboard (OSC 52)", hint: "copy id"),
            KeyBinding([.char("o")], .openClient, "Open its client", hint: "client"),
            KeyBinding([.char("u")], .openUser, "Open its user (subject)"),
            KeyBinding([.char("f")], .showFamily, "List its refresh family: the code, refresh and access tokens of one sign-in", hint: "family"),
            KeyBinding([.char("p")], .paste, "Paste a token (JWT or opaque) to decode and verify it"),
            KeyBinding([.ctrl("r")], .reload, "Reload"),
        ]
    )

    private var keys: KeyMap<Action> { detail == nil ? Self.listKeys : Self.detailKeys }

    func write(for key: Key) -> String? { inspector == nil ? keys.write(for: key) : nil }
    var helpEntries: [HelpEntry] { inspector?.helpEntries ?? keys.helpEntries }
    var hintEntries: [HelpEntry] { inspector?.hintEntries ?? keys.hintEntries }
    var filterHint: String { TokenFilter.hint }
    var filterLanguage: FilterLanguage { TokenFilter.language }
    var crumb: String? {
        if inspector != nil { return "pasted token" }
        return detail.map { "token \($0.record.id)" } ?? live.crumb(filter.isEmpty ? nil : "/" + filter)
    }

    func activate(_ ctx: ConsoleContext) {
        detail = nil
        inspector = nil
        live.look(at: ctx.now)
        reload(ctx)
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        switch TokenFilter.parse(text, now: ctx.now) {
        case .failure(let e): ctx.fail(e)
        case .success(let f):
            parsed = f
            detail = nil
            inspector = nil
            reload(ctx)
        }
    }

    /// Loads the first page again (or the one token a `id:` filter names).
    func reload(_ ctx: ConsoleContext) {
        generation += 1
        rows = []
        shown = []
        hasMore = false
        list.setCount(0)
        loadPage(ctx)
    }

    /// Loads the next page; `refresh` loads the newest page again (the live refresh) and puts it in
    /// place of the rows it covers, keeping the older pages loaded and the selection on the same
    /// token: a refresh costs one page however deep the operator has scrolled.
    private func loadPage(_ ctx: ConsoleContext, refresh: Bool = false) {
        let gen = generation
        let tenant = ctx.tenantID
        loading = true
        let keep = shown.indices.contains(list.selected) ? shown[list.selected].id : nil
        let limit = Self.pageSize
        let done: (Result<[TokenRecord], AdminError>) -> Void = { [weak self] result in
            guard let self else { return }
            guard gen == self.generation else {
                if refresh { self.live.refreshed(nil) }
                return
            }
            self.loading = false
            switch result {
            case .failure(let e):
                if refresh { self.live.refreshed(nil) }
                ctx.fail(e)
            case .success(let page):
                if refresh {
                    self.rows = Self.merge(newest: page, limit: limit, into: self.rows)
                    if page.count <= limit { self.hasMore = false }
                } else {
                    self.hasMore = page.count > limit
                    self.rows += page.prefix(limit)
                }
                let ids = self.rows.map(\.id)
                if refresh { self.live.refreshed(ids) } else { self.live.saw(ids) }
                self.resort(ctx.now)
                if let keep, let i = self.shown.firstIndex(where: { $0.id == keep }) { self.list.reselect(i) }
            }
        }
        if let id = parsed.tokenID {
            ctx.run("token", { e throws(AdminError) in [try await e.token(tenantID: tenant, id: id)] }) { result in
                // A token the id names that is not there is an empty list, not an error.
                done(.success((try? result.get()) ?? []))
            }
            return
        }
        let query = TokenQuery(
            tenantID: tenant,
            clientID: parsed.clientID,
            subject: parsed.subject,
            kind: parsed.kind,
            status: parsed.status,
            before: refresh ? nil : rows.last?.id,
            limit: limit + 1,
            familyID: parsed.familyID,
            issuedSince: parsed.since,
            issuedUntil: parsed.until
        )
        ctx.run("tokens page", { e throws(AdminError) in try await e.tokens(query) }, then: done)
    }

    /// The newest page in place of the rows it covers: time-ordered ids, newest first, so the rows
    /// older than the page's last are the older pages already loaded. A page that is not full is
    /// every row there is.
    static func merge(newest page: [TokenRecord], limit: Int, into rows: [TokenRecord]) -> [TokenRecord] {
        let fresh = Array(page.prefix(limit))
        guard page.count > limit, let oldest = fresh.last?.id else { return fresh }
        return fresh + rows.filter { $0.id < oldest }
    }

    /// Live: the newest page again every 2 s while the list (not a detail or the pasted-token
    /// check) is shown and no page is loading.
    func tick(_ ctx: ConsoleContext) {
        guard detail == nil, inspector == nil, !loading, live.due(ctx.now) else { return }
        loadPage(ctx, refresh: true)
    }

    /// Opens one token's detail (from the audit screen or a search).
    func open(tokenID: String, _ ctx: ConsoleContext) {
        let tenant = ctx.tenantID
        ctx.run("token", { e throws(AdminError) in try await e.token(tenantID: tenant, id: tokenID) }) { [weak self] result in
            switch result {
            case .failure(let e): ctx.fail(e)
            case .success(let record): self?.showDetail(record, ctx)
            }
        }
    }

    private func showDetail(_ record: TokenRecord, _ ctx: ConsoleContext) {
        detail = Detail(record: record)
        // An access token is the event's token. A refresh token or a code is named in the details of
        // the grants that issued, rotated or redeemed it, whose token is an access token of the same
        // family: those few events are read, not the client's whole history.
        let named = AuditFilter(tenantID: record.tenantID, tokenID: record.id)
        let family =
            record.kind == .access ? nil : record.familyID.map { TokenQuery(tenantID: record.tenantID, kind: .access, limit: 100, familyID: $0) }
        ctx.run(
            "audit trail",
            { e throws(AdminError) in
                var events = try await e.auditEvents(limit: 200, filter: named)
                let accessTokens = family == nil ? [] : try await e.tokens(family!)
                for access in accessTokens {
                    let grants = try await e.auditEvents(limit: 50, filter: AuditFilter(tenantID: record.tenantID, tokenID: access.id))
                    events += grants.filter { $0.event.details.values.contains(record.id) }
                }
                return events.sorted { $0.sequence < $1.sequence }
            }
        ) { [weak self] result in
            guard let self, self.detail?.record.id == record.id else { return }
            if case .success(let events) = result { self.detail?.trail = events }
        }
    }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        if let inspector {
            switch inspector.handle(key, ctx) {
            case .stay: break
            case .unhandled: return false
            case .close: self.inspector = nil
            case .openStored(let id):
                self.inspector = nil
                open(tokenID: id, ctx)
            }
            return true
        }
        if key == .escape, detail != nil {
            detail = nil
            return true
        }
        guard let action = keys.action(for: key) else { return false }
        let selected = detail?.record ?? (shown.indices.contains(list.selected) ? shown[list.selected] : nil)
        switch action {
        case .move(let m):
            if detail != nil {
                detail!.scroll = max(0, detail!.scroll + (m == .up ? -1 : 1))
            } else {
                list.move(m)
                if hasMore && !loading && list.selected >= rows.count - 5 { loadPage(ctx) }
            }
        case .open: if let r = selected { showDetail(r, ctx) }
        case .reload:
            if let d = detail { open(tokenID: d.record.id, ctx) } else { reload(ctx) }
        case .revokeToken: if let r = selected { revoke(.token(tenantID: r.tenantID, tokenID: r.id), ctx) }
        case .revokeSubject: if let r = selected { revoke(.subject(tenantID: r.tenantID, subject: r.subject), ctx) }
        case .revokeClient: if let r = selected { revoke(.client(tenantID: r.tenantID, clientID: r.clientID), ctx) }
        case .revokeTenant: revoke(.tenant(tenantID: ctx.tenantID), ctx)
        case .openClient: if let r = selected { ctx.go(.client(r.clientID)) }
        case .openUser: if let r = selected { ctx.go(.user(r.subject)) }
        case .paste: inspector = TokenInspector()
        case .copyID: if let r = selected { ctx.copyID(r.id, "token id") }
        case .pauseLive: live.togglePause()
        case .arrange(let a):
            ctx.flash(view.apply(a, Self.columns) + (hasMore && view.sortColumn != nil ? " (the \(rows.count) tokens loaded)" : ""))
            resort(ctx.now)
        case .showFamily:
            if let family = selected?.familyID { setFilter("family:" + family, ctx) } else { ctx.flash("this token has no refresh family", .info) }
        }
        return true
    }

    private func revoke(_ selector: RevocationSelector, _ ctx: ConsoleContext) {
        RevocationFlow.start(selector, reason: "revoked from the console", ctx) { [weak self] _ in
            guard let self else { return }
            if let d = self.detail { self.open(tokenID: d.record.id, ctx) }
            self.reload(ctx)
        }
    }

    static let columns = [
        Column("ID", 26), Column("KIND", 7), Column("STATUS", 10), Column("CLIENT", 16, flexible: true, max: 40),
        Column("SUBJECT", 16, flexible: true, max: 40), Column("EXPIRES", 20),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        let now = ctx.now
        if let inspector {
            inspector.draw(in: area, grid: &grid, ctx)
            return
        }
        if let d = detail {
            DetailLine.draw(detailLines(d, ctx), scroll: d.scroll, in: area, grid: &grid)
            return
        }
        let summary = "\(rows.count)\(hasMore ? "+" : "") token\(rows.count == 1 ? "" : "s")\(loading ? " (loading…)" : "")"
        grid.put(summary, x: 0, y: area.y, role: .muted)
        view.draw(
            Self.columns,
            shown,
            cells: { self.live.mark(Self.cells($0, now: now), id: $0.id, column: 2) },
            state: &list,
            in: Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1),
            grid: &grid,
            empty: loading ? "Loading…" : "No tokens match."
        )
    }

    static func cells(_ r: TokenRecord, now: Date) -> [TableCell] {
        [
            TableCell(r.id), TableCell(r.kind.rawValue), Present.tokenStatus(r, now: now), TableCell(r.clientID),
            TableCell(r.subject), TableCell(Present.time(r.expiresAt)),
        ]
    }

    /// Puts the loaded rows in the order chosen.
    private func resort(_ now: Date) {
        shown = view.sorted(rows) { Self.cells($0, now: now) }
        list.setCount(shown.count)
    }

    func detailLines(_ d: Detail, _ ctx: ConsoleContext) -> [DetailLine] {
        let r = d.record
        let now = ctx.now
        let status = Present.tokenStatus(r, now: now)
        var lines: [DetailLine] = [
            .section("Token"),
            DetailLine("id", r.id), DetailLine("status", status.text, role: status.role ?? .text),
            DetailLine("kind", "\(r.kind.rawValue), \(r.format.rawValue)"), DetailLine("client", r.clientID), DetailLine("subject", r.subject),
            DetailLine("scopes", r.scopes.joined(separator: " ")), DetailLine("audiences", r.audiences.joined(separator: " ")),
            DetailLine("grant", r.grantType.rawValue), DetailLine("issued", Present.time(r.issuedAt)),
            DetailLine("expires", "\(Present.time(r.expiresAt)) (\(Present.relative(r.expiresAt, now: now)))"),
        ]
        if let at = r.revokedAt {
            lines.append(
                r.wasUsed
                    ? DetailLine(r.kind == .authorizationCode ? "used" : "rotated", "\(Present.time(at)): \(r.revocationReason ?? "")")
                    : DetailLine("revoked", "\(Present.time(at)): \(r.revocationReason ?? "")", role: .statusRevoked)
            )
        }
        if r.kind == .access { lines.append(DetailLine("bound to", TokenConfirmation.describe(claims: r.publicClaims))) }
        if let f = r.familyID { lines.append(DetailLine("refresh family", f)) }
        if let v = r.designVersion { lines.append(DetailLine("design", v == 0 ? "before the first published version" : "version \(v)")) }
        if r.format == .jwt {
            let key = ctx.engine.config.snapshot.keys[r.tenantID]?.first { $0.kid == r.keyID }
            lines.append(.section("JWT header"))
            lines.append(DetailLine("alg", key?.algorithm.rawValue ?? "? (key no longer known)", indent: 1))
            lines.append(DetailLine("kid", r.keyID ?? "", indent: 1))
            lines.append(DetailLine("typ", "at+jwt", indent: 1))
            lines.append(.section("JWT claims"))
            for (k, v) in TokenClaims.claims(of: r, issuer: ctx.engine.configuration.issuer(for: r.tenantID)) {
                lines.append(DetailLine(k, v, indent: 1))
            }
        } else if !r.publicClaims.isEmpty {
            lines.append(.section("Stored claims (returned by introspection)"))
            for (k, v) in r.publicClaims.sorted(by: { $0.key < $1.key }) {
                lines.append(DetailLine(k, v.stringValue ?? String(decoding: v.serialized(), as: UTF8.self), indent: 1))
            }
        }
        lines.append(.section("Audit trail (\(d.trail.count))"))
        for e in d.trail {
            lines.append(
                DetailLine(
                    Present.time(e.event.time),
                    "\(e.event.type) \(e.event.outcome == .success ? "✓" : "✕ failed") by \(e.event.actor ?? "?")\(e.event.reason.map { ": " + $0 } ?? "")",
                    indent: 1
                )
            )
        }
        return lines
    }
}

/// The claims of an access JWT as the minter signed them, from the minter's own layout over the stored
/// record (the token string itself is never stored), worded for the detail.
enum TokenClaims {
    static func claims(of r: TokenRecord, issuer: String) -> [(String, String)] {
        AccessTokenPayload(record: r, issuer: issuer).claims.map { ($0.name, worded($0.name, $0.value)) }
    }

    /// Strings bare, numbers as written, other values as compact JSON; an audience list as `[a, b]`.
    static func worded(_ name: String, _ value: JSONValue) -> String {
        if name == "aud", let list = value.arrayValue?.compactMap(\.stringValue) { return "[" + list.joined(separator: ", ") + "]" }
        return value.stringValue ?? String(decoding: value.serialized(), as: UTF8.self)
    }
}
