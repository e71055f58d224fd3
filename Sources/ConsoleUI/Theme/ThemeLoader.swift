import AuthEngine
import Foundation
import Yams

/// A theme file that could not be used, with what to fix.
public struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// Reads `themes/<name>.yaml`:
///
/// ```yaml
/// name: light
/// roles:
///   text: { fg: black }
///   selection: { fg: white, bg: "#005faf", attrs: [bold] }
/// ```
///
/// Roles left out keep the built-in style. Unknown roles, colours or attributes are reported as
/// warnings (shown on the flash line), never fatal.
public enum ThemeLoader {
    public struct Loaded: Sendable {
        public var theme: Theme
        public var warnings: [String]
    }

    public static func parse(yaml: String, file: String) throws(ThemeError) -> Loaded {
        let root: Any?
        do { root = try Yams.load(yaml: yaml) } catch { throw ThemeError(file: file, message: "not valid YAML: \(error)") }
        guard let doc = root as? [String: Any] else { throw ThemeError(file: file, message: "expected a mapping with 'name' and 'roles'") }
        var theme = Theme.builtIn
        var warnings: [String] = []
        theme.name = (doc["name"] as? String) ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        for key in doc.keys where key != "name" && key != "roles" { warnings.append("\(file): unknown key '\(key)'") }
        let roles = doc["roles"] as? [String: Any] ?? [:]
        for (name, value) in roles.sorted(by: { $0.key < $1.key }) {
            guard let role = Role(rawValue: name) else {
                warnings.append("\(file): unknown role '\(name)'")
                continue
            }
            guard let spec = value as? [String: Any] else {
                warnings.append("\(file): role '\(name)' needs fg/bg/attrs")
                continue
            }
            var style = RoleStyle()
            for (k, v) in spec {
                switch k {
                case "fg", "bg":
                    let text = v as? String ?? (v as? Int).map(String.init) ?? ""
                    guard let color = ThemeColor.parse(text) else {
                        warnings.append("\(file): role '\(name)': unknown colour '\(text)'")
                        continue
                    }
                    if k == "fg" { style.foreground = color } else { style.background = color }
                case "attrs":
                    for a in (v as? [Any] ?? []).compactMap({ $0 as? String }) {
                        switch a {
                        case "bold": style.bold = true
                        case "reverse": style.reverse = true
                        case "underline": style.underline = true
                        default: warnings.append("\(file): role '\(name)': unknown attribute '\(a)'")
                        }
                    }
                default: warnings.append("\(file): role '\(name)': unknown key '\(k)'")
                }
            }
            theme.styles[role] = style
        }
        return Loaded(theme: theme, warnings: warnings)
    }

    /// Theme names in a directory (`default`, `light`, ...), sorted.
    public static func available(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The theme `name` of the themes folder. Only a name the folder lists is read: a path (`../x`,
    /// `/etc/x`) would read, and quote from, any YAML file on the machine.
    public static func load(named name: String, from directory: String) throws(ThemeError) -> Loaded {
        let known = available(in: directory)
        guard known.contains(name) else {
            throw ThemeError(
                file: "themes",
                message:
                    "no theme named '\(Validation.printable(name))'; use one of \(known.isEmpty ? "none (the themes folder is empty)" : known.joined(separator: ", "))"
            )
        }
        let path = directory + "/" + name + ".yaml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ThemeError(file: path, message: "cannot read the theme file (not UTF-8 text, or unreadable)")
        }
        return try parse(yaml: text, file: name + ".yaml")
    }
}
