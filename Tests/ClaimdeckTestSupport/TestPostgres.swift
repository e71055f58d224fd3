import Foundation

/// The PostgreSQL server the PostgreSQL store's tests run against, and a fresh database per test.
///
/// One approach everywhere: `.ci/postgres` starts a throwaway cluster (initdb as the `postgres`
/// user into a temporary directory, a free port, trust on loopback). `.ci/run` starts one for the
/// whole run and exports `CLAIMDECK_TEST_POSTGRES_URL`; a missing URL is a test failure, never a
/// skip, so CI cannot pass without having run them. Locally, start one with the same script and
/// export its URL (`.ci/postgres stop DIR` removes it).
public enum TestPostgres {
    /// The server's URL (no password: the cluster trusts loopback).
    public static func serverURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["CLAIMDECK_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        // No local auto-start: Process hung running .ci/postgres from inside the test
        // process (see the hand-over notes), and a test that hangs is worse than one that says why.
        throw FixtureError(
            "CLAIMDECK_TEST_POSTGRES_URL is not set: .ci/run starts a PostgreSQL cluster and sets it; locally run "
                + "`.ci/postgres start` (it prints the directory, then the URL) and export the URL"
        )
    }

    /// Creates an empty database with a unique name and returns its URL, so tests stay independent
    /// and can run in parallel. Databases are left behind: the cluster is thrown away after the run.
    public static func freshDatabase() throws -> String {
        let server = try serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try run("/usr/bin/env", ["psql", server, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(name)"])
        guard let slash = server.lastIndex(of: "/") else { throw FixtureError("not a database URL") }
        return server[..<slash] + "/" + name
    }

    /// Runs a program and returns its standard output; throws with its standard error if it fails.
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(arguments.first ?? executable) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
