import AuthEngine
import Foundation
import Testing

@Suite("Client credentials parsing (RFC 6749 §2.3)")
struct ClientCredentialsParsingTests {
    func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    @Test func basicHeaderIsDecodedWithFormEncoding() throws {
        let c = try PresentedClientCredentials.from(authorization: basic("my%20client", "s%3Acret+x"), form: FormParameters(), realm: "t")
        #expect(c == .basic(clientID: "my client", secret: "s:cret x"))
    }

    @Test func postCredentials() throws {
        let form = FormParameters(pairs: [("client_id", "a"), ("client_secret", "b")])
        #expect(try PresentedClientCredentials.from(authorization: nil, form: form, realm: "t") == .post(clientID: "a", secret: "b"))
    }

    @Test func publicClientNamesItself() throws {
        let form = FormParameters(pairs: [("client_id", "app")])
        #expect(try PresentedClientCredentials.from(authorization: nil, form: form, realm: "t") == .clientIDOnly("app"))
        #expect(try PresentedClientCredentials.from(authorization: nil, form: FormParameters(), realm: "t") == PresentedClientCredentials.none)
    }

    @Test(arguments: [
        "Basic !!!notbase64", "Basic " + Data("nocolon".utf8).base64EncodedString(), "Basic " + Data(":secret".utf8).base64EncodedString(),
        "Basic " + Data([0xFF, 0x3A, 0x41]).base64EncodedString(), "Digest abc", "Bearer xyz",
    ])
    func malformedAuthorizationIsInvalidClient(header: String) {
        #expect(throws: OAuthError.self) {
            try PresentedClientCredentials.from(authorization: header, form: FormParameters(), realm: "t")
        }
        do {
            _ = try PresentedClientCredentials.from(authorization: header, form: FormParameters(), realm: "t")
        } catch {
            #expect(error.code == "invalid_client")
            #expect(error.status == 401)
            #expect(error.challenge == "Basic realm=\"t\"")
        }
    }

    @Test func twoMethodsAtOnceIsInvalidRequest() {
        let form = FormParameters(pairs: [("client_id", "a"), ("client_secret", "b")])
        do {
            _ = try PresentedClientCredentials.from(authorization: basic("a", "b"), form: form, realm: "t")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "invalid_request")
        }
    }

    @Test func secretWithoutIDAndAssertionWithoutTypeAreRefused() {
        for pairs in [[("client_secret", "b")], [("client_assertion", "x.y.z")], [("client_assertion_type", "t")]] {
            #expect(throws: OAuthError.self) {
                try PresentedClientCredentials.from(authorization: nil, form: FormParameters(pairs: pairs), realm: "t")
            }
        }
    }

    @Test func repeatedClientIDIsRefused() {
        let form = FormParameters(pairs: [("client_id", "a"), ("client_id", "b"), ("client_secret", "s")])
        do {
            _ = try PresentedClientCredentials.from(authorization: nil, form: form, realm: "t")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "invalid_request")
            #expect(error.errorDescription.contains("client_id"))
        }
    }
}

@Suite("Form parameters (RFC 6749 §3.1)")
struct FormParametersTests {
    @Test func emptyValuesCountAsOmitted() throws {
        let form = FormParameters(pairs: [("scope", ""), ("grant_type", "client_credentials")])
        #expect(try form.single("scope") == nil)
        #expect(try form.required("grant_type") == "client_credentials")
    }

    @Test func repeatedIsAnError() {
        let form = FormParameters(pairs: [("scope", "a"), ("scope", "b")])
        #expect(throws: OAuthError.self) { try form.single("scope") }
        #expect(form.all("scope") == ["a", "b"])
    }

    @Test func missingRequiredNamesTheParameter() {
        do {
            _ = try FormParameters().required("token")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "invalid_request")
            #expect(error.errorDescription.contains("'token'"))
        }
    }
}
