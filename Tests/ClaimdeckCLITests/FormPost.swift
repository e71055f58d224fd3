import AsyncHTTPClient
import Foundation
import JOSE
import NIOCore

extension HTTPClient {
    /// POSTs a form (with HTTP Basic client credentials if given) and returns the status and the JSON body.
    func postForm(_ url: String, _ body: String, basic: (String, String)? = nil) async throws -> (Int, JSONValue?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let (id, secret) = basic {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString())
        }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONValue(parsing: Data(bytes.readableBytesView)))
    }
}
