import AuthEngine
import Foundation
import JOSE

/// A line of a scrolling text pane (preview, diff, lint).
struct PaneLine: Sendable, Hashable {
    var text: String
    var role: Role
    init(_ text: String, _ role: Role = .text) {
        self.text = text
        self.role = role
    }

    /// Draws `lines` from `scroll` (clamped; the clamped value is returned), with a position marker
    /// when they do not fit.
    @discardableResult
    static func draw(_ lines: [PaneLine], scroll: Int, in area: Rect, grid: inout CellGrid) -> Int {
        guard area.height > 0 else { return 0 }
        let start = min(max(0, scroll), max(0, lines.count - area.height))
        for (i, line) in lines.dropFirst(start).prefix(area.height).enumerated() {
            grid.put(line.text.fitted(to: area.width), x: area.x, y: area.y + i, role: line.role, limit: area.width)
        }
        if lines.count > area.height {
            let label = " \(start + 1)-\(min(lines.count, start + area.height))/\(lines.count) "
            grid.put(label, x: area.maxX - DisplayWidth.of(label), y: area.y, role: .muted)
        }
        return start
    }
}

/// What the preview, diff and lint panes show, as lines for a width.
enum DesignPanes {
    // MARK: Preview

    struct PreviewInput {
        var client: String?
        var user: String
        var scopes: String
        var audience: String
        var preview: TokenPreview?
        var error: String?
        var loading: Bool
    }

    static func preview(_ p: PreviewInput, width: Int) -> [PaneLine] {
        var out = [
            PaneLine("Preview of the draft: what each destination would contain", .title),
            PaneLine("client    \(p.client ?? "none: the tenant has no client")   (c / C)"),
            PaneLine("user      \(p.user)   (u / U)"),
            PaneLine("scopes    \(p.scopes.isEmpty ? "the client's registered scopes" : p.scopes)   (s)"),
            PaneLine("audience  \(p.audience.isEmpty ? "default (the client's audiences for these scopes)" : p.audience)   (a)"),
            PaneLine(""),
        ]
        if let e = p.error {
            out += DesignText.wrap("✕ " + e, width: width, indent: "  ").map { PaneLine($0, .flashError) }
            return out
        }
        guard let t = p.preview else {
            out.append(PaneLine(p.loading ? "Running the issuance code…" : "Pick a client (c) to preview its tokens.", .muted))
            return out
        }
        out += DesignText.wrap("\(t.grantType.rawValue) · sub \(t.subject) · scopes \(t.scopes.joined(separator: " "))", width: width, indent: "    ")
            .map { PaneLine($0) }
        out += DesignText.wrap("aud " + (t.audiences.isEmpty ? "none" : t.audiences.joined(separator: " ")), width: width, indent: "    ").map {
            PaneLine($0)
        }
        if !t.warnings.isEmpty {
            out.append(PaneLine(""))
            for w in t.warnings { out += DesignText.wrap("⚠ " + w, width: width, indent: "  ").map { PaneLine($0, .flashWarn) } }
        }
        out.append(PaneLine(""))
        if let claims = t.accessToken {
            out.append(PaneLine("access_token · JWT · \(t.accessTokenBytes) bytes", .title))
            out += claimLines(claims, t.provenance[.accessToken] ?? [], width: width)
        } else {
            out.append(PaneLine("access_token · opaque · \(t.accessTokenBytes) bytes", .title))
            out.append(PaneLine("  a random string: APIs read the claims from the introspection answer", .muted))
        }
        out.append(PaneLine(""))
        if let claims = t.idToken {
            out.append(PaneLine("id_token · \(t.idTokenBytes ?? 0) bytes", .title))
            out += claimLines(claims, t.provenance[.idToken] ?? [], width: width)
        } else {
            out.append(PaneLine("id_token · none (needs a user and scope openid)", .title))
        }
        out.append(PaneLine(""))
        if let claims = t.userinfo {
            out.append(PaneLine("userinfo", .title))
            out += claimLines(claims, t.provenance[.userinfo] ?? [], width: width)
        } else {
            out.append(PaneLine("userinfo · none (needs a user and scope openid)", .title))
        }
        out.append(PaneLine(""))
        out.append(PaneLine("introspection", .title))
        out += claimLines(t.introspection, t.provenance[.introspection] ?? [], width: width)
        return out
    }

    /// One line per claim: name, value, where it came from. The design's claims first.
    static func claimLines(_ claims: [String: JSONValue], _ provenance: [ResolvedClaim], width: Int) -> [PaneLine] {
        let byName = Dictionary(provenance.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let names = claims.keys.filter { byName[$0] != nil }.sorted() + claims.keys.filter { byName[$0] == nil }.sorted()
        let nameWidth = min(18, (names.map { DisplayWidth.of($0) }.max() ?? 4) + 1)
        let valueWidth = max(10, min(30, (width - nameWidth - 4) * 2 / 5))
        return names.map { name in
            let value = DesignText.json(claims[name]!)
            let source: String
            if let r = byName[name] {
                // Standard claims already say their scope ("standard claim (profile)").
                let scopes = r.scopes.isEmpty || r.source.hasSuffix(")") ? "" : " (\(r.scopes.joined(separator: " ")))"
                source = "← " + r.source + scopes + (r.overrode.map { ", overrides \($0)" } ?? "")
            } else {
                source = "server"
            }
            return PaneLine(
                "  " + name.padded(to: nameWidth) + " " + value.padded(to: valueWidth) + " " + source,
                byName[name] == nil ? .muted : .text
            )
        }
    }

    // MARK: Diff

    static func diff(_ d: DesignDiff, liveVersion: Int, width: Int) -> [PaneLine] {
        var out = [PaneLine("Diff: live version \(liveVersion) → draft" + (d.breaking.isEmpty ? "" : " · \(d.breaking.count) breaking"), .title)]
        if d.isEmpty {
            out.append(PaneLine("no changes: the draft is the live design", .muted))
            return out
        }
        for line in d.text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let role: Role
            switch line.first {
            case "+": role = .statusActive
            case "-": role = .flashWarn
            case "~": role = .accent
            case "!", "B": role = .flashError
            default: role = .text
            }
            out += DesignText.wrap(line, width: width, indent: "    ").map { PaneLine($0, role) }
        }
        if d.breaking.isEmpty {
            out.append(PaneLine(""))
            out.append(PaneLine("✓ no breaking change: no registered API loses what it requires", .statusActive))
        }
        return out
    }

    // MARK: Lint

    static func lint(_ findings: [LintFinding]?, error: String?, width: Int) -> [PaneLine] {
        if let error { return [PaneLine("Lint of the draft", .title), PaneLine("✕ the lint failed: " + error, .flashError)] }
        guard let findings else { return [PaneLine("Lint of the draft", .title), PaneLine("Running…", .muted)] }
        var out = [PaneLine("Lint of the draft: " + DesignText.count(findings), .title)]
        if findings.isEmpty { out.append(PaneLine("✓ clean", .statusActive)) }
        for f in findings {
            let s = DesignText.severity(f.severity)
            out += DesignText.wrap("\(s.glyph) [\(f.rule)] \(f.message)", width: width, indent: "    ").map { PaneLine($0, s.role) }
            out += DesignText.wrap("    fix: \(f.fix)", width: width, indent: "         ").map { PaneLine($0, .muted) }
        }
        return out
    }
}
