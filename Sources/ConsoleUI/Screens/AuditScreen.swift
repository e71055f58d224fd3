import AuthEngine
import Foundation

/// Audit: the live tail, newest at the bottom; a pause that holds new events back (counted, not
/// shown); a filter; events per second; the failed-client-authentication alarm; Enter opens what the
/// event names, and revocation straight from an event.
final class AuditScreen: Screen {
    enum Action: Sendable {
        case move(ListMove)
        case open, openToken, openClient, openUser, pause, revokeToken, revokeSubject, revokeClient, copyID, describe
    }

    /// How often the store is asked for new events; a full batch is followed by another at once.
    static let pollInterval: TimeInterval = 0.1
    static let batch = 5000
    /// Events shown when the screen opens.
    static let backlog: Int64 = 200

    let kind = ScreenKind.audit
    private(set) var feed = AuditFeed()
    private(set) var list = ListState()
    private var cursor = AuditCursor(backlog: Int(AuditScreen.backlog), batch: AuditScreen.batch)
    var lastSequence: Int64? { cursor.sequence }
    private var polling = false
    private var lastPoll = Date.distantPast
    private var started = false
    private var alarmed = false
    private(set) var filter = ""
    /// Follows new events while the selection is on the last row.
    private var follow = true

    static let keys = KeyMap<Action>(
        "Audit",
        ListMove.bindings(Action.move) + [
            KeyBinding([.enter], .open, "Open what the event names: token, else client, else user, else the event itself", hint: "open"),
            KeyBinding([.char("d")], .describe, "Every field of the event: reason, subject, actor, details, its place in the hash chain"),
            KeyBinding([.char(" "), .char("p")], .pause, "Pause / resume the live tail (new events are counted)", hint: "pause"),
            KeyBinding([.char("r")], .revokeToken, "Revoke the event's token", destructive: true, hint: "revoke"),
            KeyBinding([.char("S")], .revokeSubject, "Revoke every token of the event's subject", destructive: true),
            KeyBinding([.char("C")], .revokeClient, "Revoke every token of the event's client", destructive: true),
            KeyBinding([.char("t")], .openToken, "Open the event's token"),
            KeyBinding([.char("c")], .openClient, "Open the event's client"),
            KeyBinding([.char("u")], .openUser, "Open the event's user (subject)"),
            KeyBinding([.char("y")], .copyID, "Copy the event's token id, else its client id, else its subject (OSC 52)"),
        ]
    )

    /// The event whose every field is shown (Enter on an event that names nothing to open, or `d`).
    private(set) var detail: AuditEventDetail?

    static let detailKeys = KeyMap<Action>(
        "Audit event (Esc back to the tail)",
        [
            KeyBinding([.up, .char("k")], .move(.up), "Scroll up"),
            KeyBinding([.down, .char("j")], .move(.down), "Scroll down"),
            KeyBinding([.char("y")], .copyID, "Copy the event's token id, else its client id, else its subject (OSC 52)"),
        ]
    )

    private var keyMap: KeyMap<Action> { detail == nil ? Self.keys : Self.detailKeys }
    var helpEntries: [HelpEntry] { keyMap.helpEntries }
    func write(for key: Key) -> String? { keyMap.write(for: key) }
    var hintEntries: [HelpEntry] { keyMap.hintEntries }
    var filterHint: String { AuditViewFilter.hint }
    var filterLanguage: FilterLanguage { AuditViewFilter.language }
    var crumb: String? { detail.map { "event #\($0.event.sequence)" } ?? (filter.isEmpty ? nil : "/" + filter) }

    func activate(_ ctx: ConsoleContext) {
        if !started {
            started = true
            poll(ctx)
        }
    }

    func setFilter(_ text: String, _ ctx: ConsoleContext) {
        filter = text
        detail = nil
        switch AuditViewFilter.parse(text) {
        case .failure(let e): ctx.fail(e)
        case .success(let f):
            feed.setFilter(f)
            list.setCount(feed.shown.count)
            list.move(.bottom)
            follow = true
        }
    }

    func tick(_ ctx: ConsoleContext) {
        guard started, !polling, ctx.now.timeIntervalSince(lastPoll) >= Self.pollInterval else { return }
        poll(ctx)
    }

    /// Asks the engine's audit cursor for what is new (the last `backlog` events the first time).
    func poll(_ ctx: ConsoleContext) {
        polling = true
        lastPoll = ctx.now
        let current = cursor
        ctx.run(
            "audit poll",
            { e throws(AdminError) -> (AuditCursor, [AuditEvent]) in
                var next = current
                let events = try await next.poll(e)
                return (next, events)
            }
        ) { [weak self] result in
            guard let self else { return }
            self.polling = false
            switch result {
            case .failure(let e): ctx.fail(e)
            case .success(let (next, events)):
                self.cursor = next
                self.receive(events, ctx)
            }
        }
    }

    private func receive(_ events: [AuditEvent], _ ctx: ConsoleContext) {
        let wasAtBottom = follow && list.isAtBottom
        feed.receive(events, now: ctx.now)
        list.setCount(feed.shown.count)
        if wasAtBottom { list.move(.bottom) }
        if let n = feed.spike(now: ctx.now) {
            if !alarmed { ctx.flash("failed client authentications spiking: \(n) in \(AuditFeed.spikeWindow) s", .warn) }
            alarmed = true
        } else {
            alarmed = false
        }
        if cursor.behind { lastPoll = .distantPast }
    }

    private var selected: AuditEvent? { feed.shown.indices.contains(list.selected) ? feed.shown[list.selected] : nil }

    func handle(_ key: Key, _ ctx: ConsoleContext) -> Bool {
        if key == .escape, detail != nil {
            detail = nil
            return true
        }
        guard let action = keyMap.action(for: key) else { return false }
        let e = detail?.event.event ?? selected?.event
        switch action {
        case .move(let m):
            if detail != nil {
                detail!.scroll = max(0, detail!.scroll + (m == .up ? -1 : 1))
                return true
            }
            list.move(m)
            follow = list.isAtBottom
        case .describe: if let ev = selected { describe(ev, ctx) }
        case .pause:
            feed.setPaused(!feed.paused)
            list.setCount(feed.shown.count)
            if !feed.paused && follow { list.move(.bottom) }
        case .open:
            guard let e else { return true }
            if let t = e.tokenID, e.type.rawValue.hasPrefix("token.") {
                ctx.go(.token(t))
            } else if let c = e.clientID {
                ctx.go(.client(c))
            } else if let s = e.subject {
                ctx.go(.user(s))
            } else if let ev = selected {
                describe(ev, ctx)
            }
        case .copyID:
            if let t = e?.tokenID {
                ctx.copyID(t, "token id")
            } else if let c = e?.clientID {
                ctx.copyID(c, "client id")
            } else if let s = e?.subject {
                ctx.copyID(s, "subject")
            } else {
                ctx.flash("this event names no token, client or subject to copy", .warn)
            }
        case .openToken: if let t = e?.tokenID { ctx.go(.token(t)) } else { ctx.flash("this event names no token", .warn) }
        case .openClient: if let c = e?.clientID { ctx.go(.client(c)) } else { ctx.flash("this event names no client", .warn) }
        case .openUser: if let s = e?.subject { ctx.go(.user(s)) } else { ctx.flash("this event names no user", .warn) }
        case .revokeToken:
            guard let e, let t = e.tokenID, let tenant = e.tenantID else {
                ctx.flash("this event names no token; S or C revoke by subject or client", .warn)
                return true
            }
            RevocationFlow.start(.token(tenantID: tenant, tokenID: t), reason: "revoked from the console (audit event)", ctx) { _ in }
        case .revokeSubject:
            guard let e, let s = e.subject, let tenant = e.tenantID else {
                ctx.flash("this event names no subject", .warn)
                return true
            }
            RevocationFlow.start(.subject(tenantID: tenant, subject: s), reason: "revoked from the console (audit event)", ctx) { _ in }
        case .revokeClient:
            guard let e, let c = e.clientID, let tenant = e.tenantID else {
                ctx.flash("this event names no client", .warn)
                return true
            }
            RevocationFlow.start(.client(tenantID: tenant, clientID: c), reason: "revoked from the console (audit event)", ctx) { _ in }
        }
        return true
    }

    private func describe(_ event: AuditEvent, _ ctx: ConsoleContext) {
        AuditEventDetail.load(event, ctx) { [weak self] detail in self?.detail = detail }
    }

    static let columns = [
        Column("TIME", 8), Column("TYPE", 20), Column("RESULT", 6), Column("CLIENT", 14, flexible: true, max: 28),
        Column("TOKEN", 26), Column("SUBJECT", 14, flexible: true, max: 30), Column("REASON", 20, flexible: true),
        Column("ACTOR", 16, flexible: true, max: 30),
    ]

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        if let detail {
            // At most 80 columns wide: the hash and the details wrap where they are read.
            DetailLine.draw(
                detail.lines,
                scroll: detail.scroll,
                in: Rect(x: area.x, y: area.y, width: min(80, area.width), height: area.height),
                grid: &grid
            )
            return
        }
        let now = ctx.now
        var x = area.x
        if feed.paused {
            x = grid.put("⏸ PAUSED", x: x, y: area.y, role: .flashWarn)
            x = grid.put(" · \(Present.count(feed.held, "new event")) held (space resumes)", x: x, y: area.y, role: .flashWarn)
        } else {
            x = grid.put("● live", x: x, y: area.y, role: .statusActive)
        }
        let perSecond = feed.rate.series(1, now: now).first ?? 0
        // The state comes whole; the sparkline takes the room that is left, and is left out when
        // there is too little (paused at 80 columns), so the line never runs off the edge.
        let shown = " · \(feed.shown.count) shown"
        x = grid.put(" · \(perSecond) ev/s", x: x, y: area.y, role: .muted)
        let sparkWidth = min(30, area.maxX - x - 1 - DisplayWidth.of(" peak 9999/s") - DisplayWidth.of(shown))
        if sparkWidth >= 5 {
            let spark = feed.rate.series(sparkWidth, now: now)
            x = grid.put(" " + Sparkline.render(spark), x: x, y: area.y, role: .sparkline)
            x = grid.put(" peak \(spark.max() ?? 0)/s", x: x, y: area.y, role: .muted)
        }
        grid.put(shown, x: x, y: area.y, role: .muted)
        drawTable(in: area, top: area.y + 1, grid: &grid, now: now)
    }

    private func drawTable(in area: Rect, top: Int, grid: inout CellGrid, now: Date) {
        var top = top
        if let n = feed.spike(now: now) {
            top += grid.putWrapped(
                "⚠ ALERT: \(n) failed client authentications in the last \(AuditFeed.spikeWindow) s (filter: outcome:failure)",
                x: area.x,
                y: top,
                width: area.width,
                role: .flashError,
                maxRows: 2
            )
        }
        let rows = feed.shown[visibleRange(height: area.maxY - top - 1)].map { ev -> [TableCell] in
            let e = ev.event
            return [
                TableCell(Present.clock(e.time)), TableCell(e.type.rawValue), Present.outcome(e.outcome), TableCell(e.clientID ?? "–"),
                TableCell(e.tokenID ?? "–"), TableCell(e.subject ?? "–"), TableCell(e.reason ?? ""), TableCell(e.actor ?? ""),
            ]
        }
        // Only the rows in view are formatted: the feed may hold thousands.
        var window = ListState()
        window.setVisible(area.maxY - top - 1)
        window.setCount(rows.count)
        window.select(list.selected - list.offset)
        Table.draw(
            Self.columns,
            rows: rows,
            state: &window,
            in: Rect(x: area.x, y: top, width: area.width, height: area.maxY - top),
            grid: &grid,
            empty: feed.paused ? "Paused." : "Waiting for events… (issue a token and it appears here)"
        )
        if feed.shown.count > window.visible {
            let label = " \(list.selected + 1)/\(feed.shown.count) "
            grid.put(label, x: area.maxX - DisplayWidth.of(label), y: top, role: .muted)
        }
    }

    private func visibleRange(height: Int) -> Range<Int> {
        list.setVisible(height)
        list.setCount(feed.shown.count)
        return list.offset..<min(feed.shown.count, list.offset + list.visible)
    }
}
