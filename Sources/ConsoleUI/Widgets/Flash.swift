import AuthEngine
import Foundation

/// The flash line: one message that clears itself after `lifetime` seconds of the injected clock.
public struct Flash: Sendable, Hashable {
    public enum Level: Sendable, Hashable {
        case info, warn, error

        var role: Role {
            switch self {
            case .info: return .flashInfo
            case .warn: return .flashWarn
            case .error: return .flashError
            }
        }

        /// Never by colour alone: each level has a glyph and a word.
        var prefix: String {
            switch self {
            case .info: return "ℹ "
            case .warn: return "⚠ warning: "
            case .error: return "✕ error: "
            }
        }
    }

    public static let lifetime: TimeInterval = 6

    public private(set) var message: String?
    public private(set) var level: Level = .info
    private var shownAt = Date.distantPast

    public init() {}

    public mutating func show(_ message: String, _ level: Level, at now: Date) {
        self.message = message
        self.level = level
        shownAt = now
    }

    /// Takes the message down at once (what it said no longer holds).
    public mutating func clear() { message = nil }

    /// Clears an expired message; true if it did (the frame must be redrawn).
    public mutating func expire(at now: Date) -> Bool {
        guard message != nil, now.timeIntervalSince(shownAt) >= Self.lifetime else { return false }
        message = nil
        return true
    }

    /// The message wrapped to `width`: an error names the fix at its end, so none is cut.
    public func lines(width: Int) -> [String] {
        guard let message else { return [] }
        return TextWrap.wrap(level.prefix + message, width: width, indent: "  ")
    }

    /// Draws the message so that its last row is `y`, growing upwards over at most `maxRows` rows.
    public func draw(y: Int, width: Int, maxRows: Int = 1, grid: inout CellGrid) {
        let lines = lines(width: width)
        guard !lines.isEmpty else { return }
        let rows = min(max(1, maxRows), lines.count)
        let top = y - rows + 1
        grid.fill(Rect(x: 0, y: top, width: width, height: rows), role: level.role)
        for (i, line) in lines.prefix(rows).enumerated() {
            let cut = i == rows - 1 && lines.count > rows
            grid.put(cut ? (line + " …").fitted(to: width) : line, x: 0, y: top + i, role: level.role, limit: width)
        }
    }
}

/// Unicode block sparkline of a series, scaled to its maximum.
public enum Sparkline {
    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public static func render(_ values: [Int]) -> String {
        let peak = max(1, values.max() ?? 0)
        return String(values.map { v in v == 0 ? " " : blocks[min(7, (v * 8 - 1) / peak)] })
    }
}
