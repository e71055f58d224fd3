import Foundation
import Logging

/// The database holds password hashes, user attributes and the audit trail, so its files are the
/// owner's alone: a new directory is created 0700 and a new database file 0600. SQLite gives the WAL
/// and shared-memory files it creates beside the database the database file's own mode, so creating
/// the (empty) database file first is enough for all three.
enum DatabaseFileModes {
    /// Creates what does not exist yet with owner-only modes; warns when an existing file or its
    /// directory lets other users read it (it is not changed: the operator may share it on purpose).
    static func prepare(path: String, logger: Logger) throws {
        let fm = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !fm.fileExists(atPath: directory) {
            do {
                try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError("cannot create the database directory \(directory): \(error.localizedDescription)")
            }
        }
        if !fm.fileExists(atPath: path) {
            // An empty file is a valid new SQLite database.
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError("cannot create the database file \(path); check that its directory is writable")
            }
            return
        }
        let shared = [path, path + "-wal", path + "-shm"].compactMap { file in
            mode(of: file).flatMap { $0 & 0o077 != 0 ? (file, $0) : nil }
        }
        guard !shared.isEmpty else { return }
        logger.warning(
            "the database files are readable by other users; run 'chmod 600 \(shared.map(\.0).joined(separator: " "))'",
            metadata: ["modes": "\(shared.map { "\(($0.0 as NSString).lastPathComponent)=\(String($0.1, radix: 8))" }.joined(separator: ","))"]
        )
    }

    /// The permission bits of `file`, or nil if it does not exist.
    static func mode(of file: String) -> Int? {
        ((try? FileManager.default.attributesOfItem(atPath: file))?[.posixPermissions] as? NSNumber)?.intValue
    }
}
