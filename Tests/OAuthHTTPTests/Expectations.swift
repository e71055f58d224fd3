import Foundation
import JOSE
import Testing

/// Checks that `result` is an RFC 6749 §5.2 error: the status, `application/json`, a body with `error`
/// equal to `code` and a string `error_description`, never cached; a 401 carries `WWW-Authenticate`.
/// Returns the body for further checks.
@discardableResult
func expectOAuthError(
    _ result: HTTPResult,
    status: Int,
    code: String,
    mentioning text: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [String: JSONValue] {
    #expect(result.status == status, "expected \(status) \(code), got \(result)", sourceLocation: sourceLocation)
    #expect(
        result.header("Content-Type")?.hasPrefix("application/json") == true,
        "Content-Type is \(result.header("Content-Type") ?? "absent")",
        sourceLocation: sourceLocation
    )
    let body: [String: JSONValue]
    do {
        body = try result.json()
    } catch {
        Issue.record("the error body is not a JSON object: \(result)", sourceLocation: sourceLocation)
        return [:]
    }
    #expect(body["error"]?.stringValue == code, "error is \(body["error"].map { "\($0)" } ?? "absent"): \(result)", sourceLocation: sourceLocation)
    #expect(body["error_description"]?.stringValue?.isEmpty == false, "no error_description: \(result)", sourceLocation: sourceLocation)
    if let text {
        #expect(
            body["error_description"]?.stringValue?.contains(text) == true,
            "the description does not say '\(text)': \(result)",
            sourceLocation: sourceLocation
        )
    }
    #expect(result.header("Cache-Control") == "no-store", sourceLocation: sourceLocation)
    if status == 401 {
        #expect(result.header("WWW-Authenticate")?.isEmpty == false, "a 401 without WWW-Authenticate: \(result)", sourceLocation: sourceLocation)
    }
    return body
}

/// The claims of a JWT's payload, as numbers where they are numbers.
extension ParsedJWS {
    func int(_ claim: String) -> Int? { payload[claim]?.doubleValue.map { Int($0) } }
    func string(_ claim: String) -> String? { payload[claim]?.stringValue }
}

/// Seconds since 1970, now.
var unixNow: Int { Int(Date().timeIntervalSince1970) }
