import ClaimdeckCLI
import Foundation

// Wiring only: everything lives in ClaimdeckCLI.
let code = await ClaimdeckCommand.execute(Array(CommandLine.arguments.dropFirst()))
exit(code)
