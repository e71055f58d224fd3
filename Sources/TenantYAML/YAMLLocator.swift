import Foundation
import Yams

/// Finds the line of a field in a YAML document, so an error about "claims.account-nbr.type" or a
/// decoding path like "clients[2].scopes" can say where to look. Sequence items are picked by index
/// ("[2]" or "2") or by their `name`/`id`/`issuer`/`client` value.
public enum YAMLLocator {
    /// 1-based line of the deepest node of `field` that exists; nil if not even its first part does.
    public static func line(of field: String, in yaml: String) -> Int? {
        guard let root = try? Yams.compose(yaml: yaml) else { return nil }
        var node = root
        var found: Int?
        for part in segments(field) {
            guard let next = child(of: node, part) else { break }
            node = next
            found = next.mark.map { $0.line }
        }
        return found
    }

    /// "clients[2].scopes" -> ["clients", "2", "scopes"]; names may contain dots only when quoted by the caller.
    static func segments(_ field: String) -> [String] {
        field.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
            .split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    static func child(of node: Node, _ key: String) -> Node? {
        switch node {
        case .mapping(let m):
            for (k, v) in m where k.string == key { return v }
            return nil
        case .sequence(let s):
            if let i = Int(key), s.indices.contains(i) { return s[i] }
            for item in s {
                guard case .mapping(let m) = item else { continue }
                for (k, v) in m where ["name", "id", "issuer", "client"].contains(k.string ?? "") && v.string == key { return item }
            }
            return nil
        default:
            return nil
        }
    }
}
