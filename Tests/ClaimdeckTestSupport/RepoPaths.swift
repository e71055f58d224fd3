import Foundation

/// Where the repository's files are, found from this file's location (Tests/ClaimdeckTestSupport/),
/// so tests run from any working directory.
public enum RepoPaths {
    /// The repository's root directory.
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `data/`: the demo tenant and other sample definitions.
    public static let data: URL = root.appendingPathComponent("data")

    /// `themes/`: the console's colour themes.
    public static let themes: URL = root.appendingPathComponent("themes")

    /// `data/demo-sms.yaml`: the demo tenant every fixture starts from.
    public static let demoTenantFile: String = data.appendingPathComponent("demo-sms.yaml").path
}

/// A fixture that could not be set up, or an answer a helper did not expect.
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
