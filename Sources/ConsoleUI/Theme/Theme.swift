import Foundation

/// A terminal colour as a theme names it.
public enum ThemeColor: Sendable, Hashable {
    /// The terminal's own foreground or background (transparent).
    case `default`
    /// ANSI 0-15 or a 256-colour palette index.
    case indexed(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses `default`, a name (`red`, `bright-blue`, `grey`), `#rrggbb` or a palette index `0`-`255`.
    public static func parse(_ text: String) -> ThemeColor? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "default" || t.isEmpty { return .default }
        if let i = names.firstIndex(of: t) { return .indexed(i) }
        if t.hasPrefix("bright-") || t.hasPrefix("bright"), let i = names.firstIndex(of: String(t.drop(while: { $0 != "-" }).dropFirst())) {
            return .indexed(i + 8)
        }
        if t == "grey" || t == "gray" { return .indexed(8) }
        if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        if let i = Int(t), (0...255).contains(i) { return .indexed(i) }
        return nil
    }

    /// The palette index for a terminal of `depth` colours (-1 for the default colour).
    public func index(for depth: ColorDepth) -> Int {
        switch (self, depth) {
        case (_, .none), (.default, _): return -1
        case (.indexed(let i), .c256): return i
        case (.indexed(let i), .c16): return i < 16 ? i : Self.nearestANSI(Self.rgbOf(index: i), count: 16)
        case (.indexed(let i), .c8): return i < 8 ? i : i < 16 ? i - 8 : Self.nearestANSI(Self.rgbOf(index: i), count: 8)
        case (.rgb(let r, let g, let b), .c256): return Self.xterm256(r, g, b)
        case (.rgb(let r, let g, let b), .c16): return Self.nearestANSI((r, g, b), count: 16)
        case (.rgb(let r, let g, let b), .c8): return Self.nearestANSI((r, g, b), count: 8)
        }
    }

    static let ansiRGB: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The xterm 6x6x6 cube or the grey ramp, whichever is closer.
    static func xterm256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func level(_ v: UInt8) -> Int { v < 48 ? 0 : v < 115 ? 1 : (Int(v) - 35) / 40 }
        let steps = [0, 95, 135, 175, 215, 255]
        let (lr, lg, lb) = (level(r), level(g), level(b))
        let cube = 16 + 36 * lr + 6 * lg + lb
        let avg = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = avg > 238 ? 23 : max(0, (avg - 3) / 10)
        let grey = 8 + 10 * greyIndex
        let dCube = dist((r, g, b), (UInt8(steps[lr]), UInt8(steps[lg]), UInt8(steps[lb])))
        let dGrey = dist((r, g, b), (UInt8(grey), UInt8(grey), UInt8(grey)))
        return dGrey < dCube ? 232 + greyIndex : cube
    }

    static func rgbOf(index i: Int) -> (UInt8, UInt8, UInt8) {
        if i < 16 { return ansiRGB[i] }
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return (v, v, v)
        }
        let steps: [UInt8] = [0, 95, 135, 175, 215, 255]
        let c = i - 16
        return (steps[c / 36], steps[c / 6 % 6], steps[c % 6])
    }

    static func nearestANSI(_ c: (UInt8, UInt8, UInt8), count: Int) -> Int {
        (0..<count).min { dist(c, ansiRGB[$0]) < dist(c, ansiRGB[$1]) } ?? 7
    }

    static func dist(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let dr = Int(a.0) - Int(b.0)
        let dg = Int(a.1) - Int(b.1)
        let db = Int(a.2) - Int(b.2)
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }
}

/// How many colours the terminal shows.
public enum ColorDepth: Int, Sendable, Hashable {
    case none = 0
    case c8 = 8
    case c16 = 16
    case c256 = 256

    /// `NO_COLOR` set (any value) means none; otherwise what the terminal reports.
    public static func detect(environment: [String: String], terminalColors: Int) -> ColorDepth {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .none }
        switch terminalColors {
        case 256...: return .c256
        case 16...: return .c16
        case 8...: return .c8
        default: return .none
        }
    }
}

/// How one role looks.
public struct RoleStyle: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(
        foreground: ThemeColor = .default,
        background: ThemeColor = .default,
        bold: Bool = false,
        reverse: Bool = false,
        underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }
}

/// A console theme: a style per semantic role. Partial themes override the built-in default.
public struct Theme: Sendable, Hashable {
    public var name: String
    public var styles: [Role: RoleStyle]

    public init(name: String, styles: [Role: RoleStyle]) {
        self.name = name
        self.styles = styles
    }

    public func style(_ role: Role) -> RoleStyle { styles[role] ?? styles[.text] ?? RoleStyle() }

    /// Without colour, roles that must stand out keep their attributes (selection stays reverse), so
    /// nothing depends on colour (the status words and glyphs carry the meaning anyway).
    public func withoutColor() -> Theme {
        var t = self
        for (role, s) in styles {
            t.styles[role] = RoleStyle(bold: s.bold, reverse: s.reverse || role == .selection || role == .buttonFocus, underline: s.underline)
        }
        return t
    }

    /// The built-in theme every file overrides; usable with no `themes/` directory at all.
    public static let builtIn: Theme = {
        func s(_ fg: String, _ bg: String = "default", bold: Bool = false, reverse: Bool = false, underline: Bool = false) -> RoleStyle {
            RoleStyle(
                foreground: ThemeColor.parse(fg) ?? .default,
                background: ThemeColor.parse(bg) ?? .default,
                bold: bold,
                reverse: reverse,
                underline: underline
            )
        }
        return Theme(
            name: "default",
            styles: [
                .text: s("default"), .muted: s("#8a8a8a"), .accent: s("cyan", bold: true), .border: s("#5f87af"),
                .header: s("white", "#005f87", bold: true), .title: s("cyan", bold: true), .selection: s("black", "cyan"),
                .key: s("yellow", bold: true), .flashInfo: s("green"), .flashWarn: s("yellow", bold: true), .flashError: s("red", bold: true),
                .statusActive: s("green"), .statusExpired: s("#8a8a8a"), .statusRevoked: s("red"), .statusDisabled: s("magenta"),
                .statusPending: s("yellow"), .dialog: s("white", "#303030"), .button: s("white", "#303030"),
                .buttonFocus: s("black", "yellow", bold: true), .input: s("default", underline: true),
                .columnHeader: s("default", bold: true, underline: true),
                .sparkline: s("cyan"),
            ]
        )
    }()
}
