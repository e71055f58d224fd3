import AuthEngine
import Foundation

/// Drawing the shell into the cell grid: header, tab bar with the breadcrumb, the current screen,
/// help over it, the hint line, and the bottom line (palette, filter or flash), then any dialog.
extension ConsoleApp {
    public static let minimumSize = (width: 40, height: 10)

    public func render(into grid: inout CellGrid) {
        grid.glyphs = environment.glyphs
        grid.clear()
        let w = grid.width
        let h = grid.height
        guard w >= Self.minimumSize.width, h >= Self.minimumSize.height else {
            grid.putWrapped(
                "Terminal too small (\(w)x\(h)); Claimdeck needs \(Self.minimumSize.width)x\(Self.minimumSize.height).",
                x: 0,
                y: 0,
                width: w,
                role: .flashWarn,
                maxRows: h
            )
            return
        }
        drawHeader(&grid)
        drawTabs(&grid)
        let body = Rect(x: 0, y: 2, width: w, height: h - 4)
        lastBody = body
        let s = screen(current)
        s.draw(in: body, grid: &grid, context)
        if case .help(let scroll) = mode { drawHelp(body, scroll: scroll, &grid) }
        drawHints(y: h - 2, &grid)
        drawBottom(y: h - 1, &grid)
        context.dialog?.draw(in: Rect(x: 0, y: 0, width: w, height: h), grid: &grid)
    }

    private func drawHeader(_ grid: inout CellGrid) {
        grid.fill(Rect(x: 0, y: 0, width: grid.width, height: 1), role: .header)
        let server = environment.serverURL.map { "serving \($0)" } ?? "not serving (--no-serve)"
        var x = grid.put(" Claimdeck │ ", x: 0, y: 0, role: .header)
        if context.readOnly {
            // Said first and in the warning colour with its word: the mode is never a guess.
            x = grid.put("READ-ONLY", x: x, y: 0, role: .flashWarn)
            x = grid.put(" │ ", x: x, y: 0, role: .header)
        }
        let text = "tenant \(context.tenantID) │ \(server) │ db \(environment.databasePath)"
        grid.put(text.fitted(to: max(0, grid.width - x)), x: x, y: 0, role: .header)
    }

    /// The tabs, then the breadcrumb. When both do not fit (80 columns, a long crumb), the other tabs
    /// shorten to three letters, then to their number, so that where you are stays readable.
    private func drawTabs(_ grid: inout CellGrid) {
        let crumb = screen(current).crumb.map { " › \($0)" } ?? ""
        func label(_ i: Int, _ kind: ScreenKind, letters: Int?) -> String {
            if kind == current { return "[\(i + 1) \(kind.title)]" }
            guard let letters else { return " \(i + 1) \(kind.title) " }
            return letters == 0 ? " \(i + 1) " : " \(i + 1) \(kind.title.prefix(letters)) "
        }
        func labels(_ letters: Int?) -> [String] { ScreenKind.allCases.enumerated().map { label($0.offset, $0.element, letters: letters) } }
        let room = grid.width - DisplayWidth.of(crumb)
        let chosen = [nil, 3, 0].map(labels).first { $0.reduce(0) { $0 + DisplayWidth.of($1) } <= room } ?? labels(0)
        var x = 0
        for (label, kind) in zip(chosen, ScreenKind.allCases) {
            x = grid.put(label, x: x, y: 1, role: kind == current ? .selection : .muted)
        }
        if !crumb.isEmpty {
            grid.put(crumb.fitted(to: grid.width - x), x: x, y: 1, role: .accent)
        }
    }

    private func drawHints(y: Int, _ grid: inout CellGrid) {
        var x = 0
        let entries: [HelpEntry]
        switch mode {
        case .palette:
            entries = [
                HelpEntry(keys: "Tab", text: "complete"), HelpEntry(keys: "↑↓", text: "choose"),
                HelpEntry(keys: "Enter", text: "run"), HelpEntry(keys: "Esc", text: "cancel"),
            ]
        case .filter:
            entries = [
                HelpEntry(keys: "Tab", text: "complete"), HelpEntry(keys: "↑↓", text: "choose"),
                HelpEntry(keys: "Enter", text: "keep filter"), HelpEntry(keys: "Esc", text: "clear filter"),
            ]
            drawFilterLanguage(above: y, &grid)
        case .help: entries = [HelpEntry(keys: "↑↓ PgUp PgDn", text: "scroll"), HelpEntry(keys: "Esc", text: "close help")]
        case .normal:
            // Read-only: the hint line offers only what works.
            entries = (screen(current).hintEntries + Self.shellKeys.hintEntries).filter { !(context.readOnly && $0.writes) }
        }
        if let dialog = context.dialog {
            if let k = dialog.actionKey, let label = dialog.actionLabel {
                x = grid.put(String(k), x: x, y: y, role: .key)
                x = grid.put(" \(label.lowercased())  ", x: x, y: y, role: .muted)
            }
            x = grid.put("Tab", x: x, y: y, role: .key)
            grid.put(" switch button  Enter choose  Esc cancel", x: x, y: y, role: .muted)
            return
        }
        for e in entries {
            guard x + DisplayWidth.of(e.keys) + DisplayWidth.of(e.text) + 3 <= grid.width else { break }
            x = grid.put("<\(e.keys)>", x: x, y: y, role: .key)
            x = grid.put(" \(e.text)  ", x: x, y: y, role: .muted)
        }
    }

    private func drawBottom(y: Int, _ grid: inout CellGrid) {
        switch mode {
        case .palette(let field, let choice):
            drawCompletions(":", field, paletteCompletions(field.text), choice: choice, y: y, &grid)
        case .filter(let field, let choice):
            drawCompletions("/", field, filterCompletions(field.text), choice: choice, y: y, &grid)
        default:
            if context.flash.message != nil {
                // A long message takes the hint line and rows above it rather than being cut.
                context.flash.draw(y: y, width: grid.width, maxRows: max(2, grid.height / 3), grid: &grid)
            } else if !screen(current).filter.isEmpty {
                grid.put("filter: \(screen(current).filter)  (/ edits, Esc in the filter clears)", x: 0, y: y, role: .muted)
            }
        }
    }

    /// A prompt's input line: the text, the chosen completion's rest in grey after the cursor, and
    /// the other matches by their labels.
    private func drawCompletions(_ prompt: String, _ field: TextField, _ candidates: [Completion], choice: Int, y: Int, _ grid: inout CellGrid) {
        let x = grid.put(prompt, x: 0, y: y, role: .accent)
        let cursorX = field.draw(x: x, y: y, width: grid.width - x, grid: &grid, role: .text)
        guard !candidates.isEmpty, field.cursor == field.text.count else { return }
        let pick = candidates[choice % candidates.count]
        var rest = ""
        if pick.text.lowercased().hasPrefix(field.text.lowercased()) { rest = String(pick.text.dropFirst(field.text.count)) }
        let end = grid.put(rest, x: cursorX + 1, y: y, role: .muted)
        if candidates.count > 1 {
            grid.put("   (\(candidates.count) matches: \(Present.list(candidates.map(\.label), max: 5)))", x: end, y: y, role: .muted)
        }
    }

    /// While the filter line is open, the keys the list takes, wrapped whole over the rows above the
    /// hint line: the filter language is discoverable without leaving the line.
    private func drawFilterLanguage(above y: Int, _ grid: inout CellGrid) {
        let lines = TextWrap.wrap("Filter keys: " + screen(current).filterLanguage.hint, width: grid.width, indent: "  ")
        let rows = min(lines.count, max(1, grid.height / 3))
        let top = y - rows
        grid.fill(Rect(x: 0, y: top, width: grid.width, height: rows), role: .muted)
        for (i, line) in lines.prefix(rows).enumerated() { grid.put(line, x: 0, y: top + i, role: .muted, limit: grid.width) }
    }

    /// The help overlay for the body: it covers every column, so nothing underneath shows through.
    func helpOverlay(_ body: Rect) -> HelpOverlay {
        let screenKeys = screen(current).helpEntries.map { e -> HelpEntry in
            guard context.readOnly, e.writes else { return e }
            return HelpEntry(keys: e.keys, text: e.text + " — refused: read-only mode (:readonly)", writes: true)
        }
        return HelpOverlay(
            sections: [
                (current.title, screenKeys), (Self.shellKeys.title, Self.shellKeys.helpEntries),
                ("Filter (/): words narrow the list, Tab completes", screen(current).filterLanguage.helpEntries),
            ],
            box: body
        )
    }

    private func drawHelp(_ body: Rect, scroll: Int, _ grid: inout CellGrid) {
        helpOverlay(body).draw(title: "Help: \(current.title)", scroll: scroll, grid: &grid)
    }
}
