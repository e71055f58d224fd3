import AuthEngine
import Foundation

/// The designer's version history: every published version, newest first, and for the selected one
/// who published it, why, and what rolling back to it would change against the live version (the
/// diff the gate judges).
enum DesignVersionsView {
    static let columns = [Column("VERSION", 9), Column("PUBLISHED", 20), Column("BY", 14), Column("NOTE", 20, flexible: true)]

    static func rows(_ versions: [DesignVersion], liveVersion: Int) -> [[TableCell]] {
        versions.map { v in
            let number = TableCell("v\(v.number)" + (v.number == liveVersion ? " ● live" : ""), role: v.number == liveVersion ? .statusActive : nil)
            var note = v.note
            if let from = v.rolledBackFrom { note = "↺ v\(from): " + note }
            if v.forcedReason != nil { note = "⚠ forced · " + note }
            return [
                number, TableCell(Present.time(v.createdAt)), TableCell(v.author), TableCell(note, role: v.forcedReason == nil ? nil : .flashWarn),
            ]
        }
    }

    /// What the selected version is, and what rolling back to it would change.
    static func detail(_ v: DesignVersion, live: TokenDesign, liveVersion: Int, width: Int) -> [PaneLine] {
        var out = [PaneLine("Version \(v.number) · \(Present.time(v.createdAt)) · by \(v.author)", .title)]
        out += DesignText.wrap("note: " + v.note, width: width, indent: "      ").map { PaneLine($0) }
        if let from = v.rolledBackFrom { out.append(PaneLine("a rollback: repeats the design of version \(from)")) }
        if let reason = v.forcedReason {
            out += DesignText.wrap("⚠ published past the gate (breaking changes forced): " + reason, width: width, indent: "  ")
                .map { PaneLine($0, .flashWarn) }
        }
        out.append(PaneLine(""))
        guard v.number != liveVersion else {
            out.append(PaneLine("This is the live version: tokens issued now carry it.", .statusActive))
            return out
        }
        let diff = DesignDiff.between(live, v.design)
        if diff.isEmpty {
            out.append(PaneLine("Same design as live version \(liveVersion): rolling back would change nothing.", .muted))
            return out
        }
        out.append(
            PaneLine(
                "Rolling back to it (r) changes live version \(liveVersion):"
                    + (diff.breaking.isEmpty ? "" : " · \(diff.breaking.count) breaking"),
                diff.breaking.isEmpty ? .accent : .flashError
            )
        )
        out += DesignPanes.diff(diff, liveVersion: liveVersion, width: width).dropFirst()
        return out
    }

    /// The table on top, the selected version's detail below it.
    static func draw(
        _ versions: [DesignVersion]?,
        error: String?,
        live: TokenDesign,
        liveVersion: Int,
        list: inout ListState,
        detailScroll: Int,
        in area: Rect,
        grid: inout CellGrid
    ) {
        guard area.height >= 3 else { return }
        grid.put("Design versions · live v\(liveVersion) · newest first", x: area.x, y: area.y, role: .title, limit: area.width)
        let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        if let error {
            for (i, line) in DesignText.wrap("✕ " + error, width: area.width, indent: "  ").prefix(body.height).enumerated() {
                grid.put(line, x: body.x, y: body.y + i, role: .flashError, limit: area.width)
            }
            return
        }
        guard let versions else {
            grid.put("Loading the versions…", x: body.x + 1, y: body.y, role: .muted)
            return
        }
        // The list takes up to half the height (at least three rows); the detail the rest.
        let listHeight = body.height < 10 ? body.height : max(4, min(versions.count + 1, body.height / 2))
        Table.draw(
            columns,
            rows: rows(versions, liveVersion: liveVersion),
            state: &list,
            in: Rect(x: body.x, y: body.y, width: body.width, height: listHeight),
            grid: &grid,
            empty: "No published version yet."
        )
        let detailArea = Rect(x: body.x, y: body.y + listHeight + 1, width: body.width, height: body.height - listHeight - 1)
        guard detailArea.height > 0, versions.indices.contains(list.selected) else { return }
        PaneLine.draw(
            detail(versions[list.selected], live: live, liveVersion: liveVersion, width: detailArea.width),
            scroll: detailScroll,
            in: detailArea,
            grid: &grid
        )
    }
}
