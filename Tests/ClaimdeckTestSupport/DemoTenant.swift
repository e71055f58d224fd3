import AuthEngine
import Foundation

/// A client of `data/demo-sms.yaml`, with its demo secret.
public struct DemoClient: Sendable {
    public var id: String
    public var secret: String
    public var method: ClientAuthMethod

    public init(id: String, secret: String, method: ClientAuthMethod) {
        self.id = id
        self.secret = secret
        self.method = method
    }

    public static let billing = DemoClient(id: "billing-service", secret: "billing-demo-secret", method: .clientSecretBasic)
    public static let partnerPortal = DemoClient(id: "partner-portal", secret: "partner-demo-secret", method: .clientSecretPost)
    public static let apiGateway = DemoClient(id: "api-gateway", secret: "gateway-demo-secret", method: .clientSecretBasic)
    public static let statusMonitor = DemoClient(id: "status-monitor", secret: "monitor-demo-secret", method: .clientSecretBasic)

    /// The same client presenting another secret.
    public func withSecret(_ secret: String) -> DemoClient { DemoClient(id: id, secret: secret, method: method) }

    /// RFC 6749 §2.3.1: Basic over the form-encoded id and secret.
    public var basicAuthorization: String { Self.basicAuthorization(id: id, secret: secret) }

    /// The Basic header for any id and secret (RFC 6749 §2.3.1: each form-encoded first).
    public static func basicAuthorization(id: String, secret: String) -> String {
        "Basic " + Data("\(FormEncoding.encode(id)):\(FormEncoding.encode(secret))".utf8).base64EncodedString()
    }

    /// The client_secret_post parameters.
    public var postParameters: [(String, String)] { [("client_id", id), ("client_secret", secret)] }
}

/// The demo tenant's audiences.
public enum Audience {
    public static let invoices = "https://api.sms.example/invoices"
    public static let sms = "https://api.sms.example/sms"
    public static let status = "https://api.sms.example/status"
}

/// A user of `data/demo-sms.yaml` who has a password, with that password.
public struct DemoUser: Sendable {
    public var id: String
    public var username: String
    public var password: String

    public init(id: String, username: String, password: String) {
        self.id = id
        self.username = username
        self.password = password
    }

    public static let alice = DemoUser(id: "u-alice", username: "alice", password: "alice-demo-password")
    public static let bob = DemoUser(id: "u-bob", username: "bob", password: "bob-demo-password")

    /// Every demo user with a password.
    public static let all = [alice, bob]
}
