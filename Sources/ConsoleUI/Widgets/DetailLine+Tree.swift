import JOSE

extension DetailLine {
    /// A JSON value as an indented tree of lines: objects (and arrays of objects) open one level per
    /// member, everything else is one line of compact JSON.
    public static func tree(_ key: String, _ v: JSONValue, indent: Int) -> [DetailLine] {
        if let o = v.objectValue {
            return [DetailLine(key, "", indent: indent)] + o.sorted { $0.key < $1.key }.flatMap { tree($0.key, $0.value, indent: indent + 1) }
        }
        if case .array(let items) = v, items.contains(where: { $0.objectValue != nil }) {
            return [DetailLine(key, "", indent: indent)] + items.enumerated().flatMap { tree("[\($0.offset)]", $0.element, indent: indent + 1) }
        }
        return [DetailLine(key, v.stringValue ?? String(decoding: v.serialized(), as: UTF8.self), indent: indent)]
    }
}
