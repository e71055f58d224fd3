import AuthEngine
import Foundation

/// Drawing the designer: the pane bar with the draft's state, one pane or (on wide terminals) an
/// editing pane beside a viewing pane, the forms and prompts, and the version history.
extension DesignerScreen {
    /// Wide terminals show an editing pane and a viewing pane side by side.
    static let splitWidth = 120

    func draw(in area: Rect, grid: inout CellGrid, _ ctx: ConsoleContext) {
        switch mode {
        case .claimForm(let form, _), .apiForm(let form, _):
            form.draw(in: area, grid: &grid)
            return
        default: break
        }
        guard area.height >= 4 else { return }
        var body = area
        if case .prompt(let prompt, let field) = mode {
            let x = grid.put(prompt.label, x: area.x, y: area.maxY - 1, role: .accent, limit: area.width)
            field.draw(x: x, y: area.maxY - 1, width: max(10, area.maxX - x), grid: &grid)
            body.height -= 1
        }
        if showsVersions {
            paneHeight = body.height
            DesignVersionsView.draw(
                versions,
                error: versionsError,
                live: live,
                liveVersion: liveVersion,
                list: &versionList,
                detailScroll: versionScroll,
                in: body,
                grid: &grid
            )
            return
        }
        drawPaneBar(y: area.y, width: area.width, x: area.x, &grid)
        body.y += 1
        body.height -= 1
        guard loaded else {
            grid.put("Loading the design…", x: body.x + 1, y: body.y, role: .muted)
            return
        }
        if area.width >= Self.splitWidth {
            let left = Rect(x: body.x, y: body.y, width: body.width * 11 / 20, height: body.height)
            for y in body.y..<body.maxY { grid.put("│", x: left.maxX, y: y, role: .border) }
            let right = Rect(x: left.maxX + 2, y: body.y, width: body.maxX - left.maxX - 2, height: body.height)
            drawPane(editorPane, in: left, focused: focus == editorPane, &grid)
            drawPane(viewerPane, in: right, focused: focus == viewerPane, &grid)
        } else {
            drawPane(focus, in: body, focused: true, &grid)
        }
    }

    private func drawPaneBar(y: Int, width: Int, x: Int, _ grid: inout CellGrid) {
        var cx = x
        for p in Pane.allCases {
            var label = p.title
            if p == .diff, !diff.isEmpty {
                let changes = diff.claimChanges.count + diff.otherChanges.count
                label += " \(changes)" + (diff.breaking.isEmpty ? "" : "!")
            }
            if p == .lint, let f = findings { label += " \(f.count)" }
            // Side by side, the pane shown beside the focused one is marked too: ‹Preview›.
            let beside = width >= Self.splitWidth && p != focus && (p == editorPane || p == viewerPane)
            if p == focus {
                cx = grid.put("[\(label)]", x: cx, y: y, role: .selection)
            } else {
                cx = grid.put(beside ? "‹\(label)›" : " \(label) ", x: cx, y: y, role: beside ? .accent : .muted)
            }
        }
        var status = "live v\(liveVersion)"
        if let d = savedDraft {
            status += saving ? " · draft saving…" : " · draft saved"
            if d.baseVersion != liveVersion { status += " · ⚠ draft from v\(d.baseVersion): an edit rebases it" }
        } else {
            status += " · no draft (an edit starts one)"
        }
        if !diff.breaking.isEmpty { status += " · ⚠ \(diff.breaking.count) breaking" }
        grid.put(" │ " + status, x: cx, y: y, role: diff.breaking.isEmpty ? .muted : .flashWarn, limit: max(0, x + width - cx))
    }

    private func drawPane(_ pane: Pane, in area: Rect, focused: Bool, _ grid: inout CellGrid) {
        paneHeight = area.height
        switch pane {
        case .matrix: matrix.draw(shownClaims, of: draft, filtered: !filter.isEmpty, in: area, focused: focused, grid: &grid)
        case .apis: drawAPIs(in: area, focused: focused, &grid)
        case .preview, .diff, .lint:
            let lines: [PaneLine]
            switch pane {
            case .preview:
                let user =
                    previewUser.flatMap { id in users.first { $0.id == id } }.map { "\($0.username) (\($0.id))" }
                    ?? "none: a client_credentials token"
                lines = DesignPanes.preview(
                    DesignPanes.PreviewInput(
                        client: previewClient,
                        user: user,
                        scopes: previewScopes,
                        audience: previewAudience,
                        preview: preview,
                        error: previewError,
                        loading: previewClient != nil
                    ),
                    width: area.width
                )
            case .diff: lines = DesignPanes.diff(diff, liveVersion: liveVersion, width: area.width)
            default: lines = DesignPanes.lint(findings, error: lintError, width: area.width)
            }
            scroll[pane] = PaneLine.draw(lines, scroll: scroll[pane] ?? 0, in: area, grid: &grid)
        }
    }

    static let apiColumns = [Column("API", 12), Column("AUDIENCE", 24, flexible: true), Column("SCOPES", 20), Column("REQUIRED CLAIMS", 30)]

    private func drawAPIs(in area: Rect, focused: Bool, _ grid: inout CellGrid) {
        let apis = shownAPIs
        let detailHeight = area.height >= 12 ? 4 : 0
        let rowsArea = Rect(x: area.x, y: area.y, width: area.width, height: area.height - detailHeight)
        Table.draw(
            Self.apiColumns,
            rows: apis.map { a in
                [TableCell(a.name), TableCell(a.audience), TableCell(a.scopes.joined(separator: " ")), TableCell(APIForm.contract(a))]
            },
            state: &apiList,
            in: rowsArea,
            grid: &grid,
            focused: focused,
            empty: filter.isEmpty ? "No APIs; n adds one." : "No API matches."
        )
        guard detailHeight > 0, let a = selectedAPI else { return }
        var lines = [PaneLine("\(a.name) · audience \(a.audience) · accepts \(a.scopes.joined(separator: " "))", .accent)]
        let contract = a.scopes.map { s in "\(s): \((a.requiredClaims[s] ?? []).isEmpty ? "nothing" : a.requiredClaims[s]!.joined(separator: " "))" }
        lines += DesignText.wrap("requires " + contract.joined(separator: "; "), width: area.width, indent: "  ").map { PaneLine($0) }
        for (i, l) in lines.prefix(detailHeight - 1).enumerated() {
            grid.put(l.text.fitted(to: area.width), x: area.x, y: area.maxY - detailHeight + 1 + i, role: l.role, limit: area.width)
        }
    }
}
