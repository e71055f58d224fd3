import Foundation
import Testing

@testable import ConsoleUI

@Suite("Cell grid, widths and themes")
struct GridAndThemeTests {
    @Test func wideCharactersTakeTwoCellsAndAlign() {
        var g = CellGrid(width: 20, height: 2)
        let end = g.put("Clients — 認可 ✓", x: 0, y: 0)
        #expect(end == 16)
        #expect(g.row(0) == "Clients — 認可 ✓")
        #expect(g[10, 0].character == "認" && g[11, 0].continuation)
        g.put("|", x: 16, y: 1)
        #expect(DisplayWidth.of(g.row(0)) == 16)
        // Overwriting the second half of a wide character blanks the first half: no torn glyph.
        g.put("x", x: 11, y: 0)
        #expect(g.row(0) == "Clients —  x可 ✓")
        // A wide character that does not fit at the edge is not split.
        var h = CellGrid(width: 5, height: 1)
        h.put("abcd認", x: 0, y: 0)
        #expect(h.row(0) == "abcd")
    }

    @Test func fittingAndPaddingCountDisplayColumns() {
        #expect("認可認可".fitted(to: 5) == "認可…")
        #expect(DisplayWidth.of("認可".padded(to: 6)) == 6)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("🔑") == 2)
    }

    @Test func wrappingBreaksAtSpacesAndLongWordsAndLosesNothing() {
        #expect(TextWrap.wrap("alpha beta gamma", width: 11) == ["alpha beta", "gamma"])
        #expect(TextWrap.wrap("one two three four", width: 9, indent: "  ") == ["one two", "  three", "  four"])
        #expect(TextWrap.wrap("aud https://a.example/xxxxxxxxxxxx", width: 12) == ["aud https://", "a.example/xx", "xxxxxxxxxx"])
        #expect(TextWrap.wrap("日本語テキスト", width: 6) == ["日本語", "テキス", "ト"], "wide characters count two columns")
        #expect(TextWrap.wrap("short", width: 40) == ["short"])
        let long = (0..<50).map { "w\($0)" }.joined(separator: " ") + " " + String(repeating: "x", count: 90)
        let lines = TextWrap.wrap(long, width: 17)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 17 })
        #expect(lines.joined().filter { $0 != " " } == long.filter { $0 != " " })
    }

    @Test func detailValuesWiderThanTheScreenWrapUnderThemselves() {
        var grid = CellGrid(width: 30, height: 6)
        DetailLine.draw(
            [
                DetailLine.section("Claims"), DetailLine("aud", "https://api.sms.example/invoices https://api.sms.example/status"),
                DetailLine("exp", "1800000300"),
            ],
            scroll: 0,
            in: Rect(x: 0, y: 0, width: 30, height: 6),
            grid: &grid
        )
        #expect(
            (0..<6).map { grid.row($0) } == [
                "Claims", "aud  https://api.sms.example/i", "     nvoices https://api.sms.e", "     xample/status", "exp  1800000300", "",
            ]
        )
    }

    @Test func shippedThemesLoadWithoutWarnings() throws {
        let names = ThemeLoader.available(in: Harness.themes)
        #expect(Set(["default", "light", "high-contrast", "mono"]).isSubset(of: Set(names)))
        for name in names {
            let loaded = try ThemeLoader.load(named: name, from: Harness.themes)
            #expect(loaded.warnings.isEmpty, "\(name): \(loaded.warnings)")
            #expect(loaded.theme.name == name)
            for role in Role.allCases { #expect(loaded.theme.styles[role] != nil, "\(name) lacks \(role.rawValue)") }
        }
    }

    @Test func badThemeEntriesAreReportedNotFatal() throws {
        let loaded = try ThemeLoader.parse(
            yaml: "name: x\nroles:\n  text: { fg: chartreuse-ish }\n  sparkles: { fg: red }\n  key: { attrs: [blink] }\n",
            file: "x.yaml"
        )
        #expect(loaded.warnings.count == 3)
        #expect(loaded.warnings.contains { $0.contains("unknown role 'sparkles'") })
        #expect(loaded.warnings.contains { $0.contains("unknown colour 'chartreuse-ish'") })
        #expect(throws: ThemeError.self) { try ThemeLoader.load(named: "nope", from: Harness.themes) }
    }

    @Test("--theme and :theme take a name the themes folder lists, never a path to another YAML file")
    func themesAreNamesNotPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("claimdeck-theme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("themes"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "name: ok\nroles: {}\n".write(to: dir.appendingPathComponent("themes/ok.yaml"), atomically: true, encoding: .utf8)
        try "secret: hunter2\n  bad: [\n".write(to: dir.appendingPathComponent("private.yaml"), atomically: true, encoding: .utf8)
        let themes = dir.appendingPathComponent("themes").path
        #expect(try ThemeLoader.load(named: "ok", from: themes).theme.name == "ok")
        for name in ["../private", dir.appendingPathComponent("private").path, "ok/../../private", ""] {
            let error = #expect(throws: ThemeError.self) { try ThemeLoader.load(named: name, from: themes) }
            #expect(error?.message.contains("use one of ok") == true, "\(name): \(String(describing: error))")
            #expect(error?.description.contains("hunter2") == false)
        }
    }

    @Test func coloursDowngradeToWhatTheTerminalShows() {
        let red = ThemeColor.parse("#ff0000")!
        #expect(red.index(for: .c256) == 196)
        #expect(red.index(for: .c16) == 9)
        #expect(red.index(for: .c8) == 1)
        #expect(ThemeColor.parse("#808080")!.index(for: .c256) == 244)
        #expect(ThemeColor.parse("bright-blue") == .indexed(12))
        #expect(ThemeColor.parse("bright-blue")!.index(for: .c8) == 4)
        #expect(ThemeColor.parse("default")!.index(for: .c256) == -1)
        #expect(red.index(for: .none) == -1)
        #expect(ThemeColor.parse("#12345") == nil)
    }

    @Test func noColorIsHonouredAndSelectionStaysVisible() {
        #expect(ColorDepth.detect(environment: ["NO_COLOR": "1"], terminalColors: 256) == .none)
        #expect(ColorDepth.detect(environment: [:], terminalColors: 256) == .c256)
        #expect(ColorDepth.detect(environment: [:], terminalColors: 8) == .c8)
        let mono = Theme.builtIn.withoutColor()
        #expect(mono.style(.selection).reverse)
        #expect(mono.style(.selection).background == .default)
        #expect(mono.style(.statusRevoked).foreground == .default)
    }

    @Test func sparklineScalesToItsPeak() {
        #expect(Sparkline.render([0, 1, 2, 4, 8]) == " ▁▂▄█")
        #expect(Sparkline.render([]) == "")
    }
}

@Suite("Key maps, palette and widgets")
struct KeyMapTests {
    @Test func noDestructiveActionSitsOnAMovementKey() {
        let maps: [[HelpEntry]] = [
            TokensScreen.listKeys.helpEntries, TokensScreen.detailKeys.helpEntries, AuditScreen.keys.helpEntries,
            ClientsScreen.listKeys.helpEntries, KeysScreen.keyMap.helpEntries, UsersScreen.keyMap.helpEntries,
            TenantsScreen.keyMap.helpEntries,
        ]
        #expect(maps.allSatisfy { !$0.isEmpty })
        for b in AuditScreen.keys.bindings where b.destructive { #expect(!b.keys.contains { $0.isMovement }) }
        for b in TokensScreen.listKeys.bindings where b.destructive { #expect(!b.keys.contains { $0.isMovement }) }
        for b in ClientsScreen.listKeys.bindings where b.destructive { #expect(!b.keys.contains { $0.isMovement }) }
        #expect(Key.ctrl("d").isMovement && Key.char("G").isMovement && !Key.char("r").isMovement)
    }

    @Test func helpComesFromTheTableThatDispatches() {
        let map = AuditScreen.keys
        for b in map.bindings {
            #expect(map.helpEntries.contains { $0.text.hasPrefix(b.help) })
            for k in b.keys { #expect(map.action(for: k) != nil) }
        }
        #expect(map.helpEntries.contains { $0.keys == "r" && $0.text.hasSuffix("(asks first)") })
    }

    @Test func paletteParsesAndCompletes() {
        #expect(PaletteCommand.parse("tokens") == .screen(.tokens))
        #expect(PaletteCommand.parse("tok") == .screen(.tokens))
        #expect(PaletteCommand.parse("client") == .screen(.clients))
        #expect(PaletteCommand.parse("tenant sms") == .tenant("sms"))
        #expect(PaletteCommand.parse("theme light") == .theme("light"))
        #expect(PaletteCommand.parse("q") == .quit)
        #expect(PaletteCommand.parse("t") == nil)
        #expect(PaletteCommand.completions("t", tenants: ["sms"], themes: []).map(\.text) == ["tenants", "tokens", "tenant ", "theme "])
        #expect(PaletteCommand.completions("tenant s", tenants: ["sms", "other"], themes: []).map(\.text) == ["tenant sms"])
        #expect(PaletteCommand.completions("theme h", tenants: [], themes: ["default", "high-contrast"]).map(\.text) == ["theme high-contrast"])
    }

    @Test func textFieldEdits() {
        var f = TextField("abc")
        f.handle(.left)
        f.handle(.char("X"))
        #expect(f.text == "abXc")
        f.handle(.backspace)
        f.handle(.home)
        f.handle(.delete)
        #expect(f.text == "bc" && f.cursor == 0)
        f.handle(.ctrl("u"))
        #expect(f.text.isEmpty)
    }

    @Test func listSelectionScrolls() {
        var l = ListState()
        l.setVisible(5)
        l.setCount(20)
        l.move(.pageDown)
        #expect(l.selected == 4 && l.offset == 0)
        l.move(.down)
        #expect(l.offset == 1)
        l.move(.bottom)
        #expect(l.selected == 19 && l.offset == 15 && l.isAtBottom)
        l.setCount(3)
        #expect(l.selected == 2 && l.offset == 0)
    }
}
