import AuthEngine
import Foundation

/// Reads a text file given on the command line, saying which of the three things went wrong: it is
/// not there, it cannot be read, or it is not UTF-8.
public enum TextFile {
    public static func read(_ path: String, field: String) throws(AdminError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .invalid(field: field, "there is no file '\(path)'") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalid(field: field, "cannot read '\(path)' (a directory, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalid(field: field, "'\(path)' is not UTF-8 text") }
        return text
    }
}
