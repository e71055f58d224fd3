import Foundation
import JOSE

/// Why a sign-in was refused. The page never says which of username or password was wrong.
public enum LoginFailure: Error, Sendable, Hashable {
    case invalidCredentials
    /// Too many failures for the account or from the address: try again after this many seconds.
    case throttled(retryAfter: Int)
    case unavailable
}

/// A new browser session; `cookie` is set on the browser and never stored.
public struct LoginResult: Sendable {
    public var cookie: String
    public var session: LoginSession
    public var user: User
}

extension ClaimdeckEngine {
    /// Checks a username and password (scrypt), throttled per account and per address; every failure
    /// and every throttled attempt is audited (reason, never the password).
    public func login(tenantID: String, username: String, password: String, remoteAddress: String?) async throws(LoginFailure) -> LoginResult {
        let now = clock.now()
        let account = LoginThrottle.accountKey(tenantID: tenantID, username: username)
        let address = remoteAddress.map { LoginThrottle.addressKey(tenantID: tenantID, address: $0) }
        // People type their password into the username field: what names no user is kept only as a
        // keyed fingerprint, so the audit never holds a password in clear, yet repeats stay visible.
        func recordedName(_ user: User?) -> String {
            user != nil ? Validation.printable(username, limit: 64) : "fingerprint:" + keyring.fingerprint(username, purpose: "audit username")
        }
        let wait = throttle.wait(account: account, address: address, now: now)
        if wait > 0 {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .loginThrottled,
                    outcome: .failure,
                    tenantID: tenantID,
                    reason: "throttled",
                    actor: "http",
                    details: [
                        "username": recordedName(try? await store.user(tenantID: tenantID, username: username)),
                        "retry_after": "\(wait)", "remote_address": remoteAddress ?? "",
                    ]
                )
            ])
            throw .throttled(retryAfter: wait)
        }
        let user: User?
        do {
            user = try await store.user(tenantID: tenantID, username: username)
        } catch {
            throw .unavailable
        }
        // Hash even for an unknown user so the answer takes as long either way.
        let hash = user?.passwordHash ?? decoyPasswordHash()
        let matches = await Self.verifyOffThePool(password, hash) && user?.passwordHash != nil
        guard let user, matches, !user.disabled else {
            let reason =
                user == nil ? "unknown user" : user!.disabled ? "user disabled" : user!.passwordHash == nil ? "no password set" : "wrong password"
            await recordFailure(throttle, account: account, address: address, now: now)
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .loginFailed,
                    outcome: .failure,
                    tenantID: tenantID,
                    subject: user?.id,
                    reason: reason,
                    actor: "http",
                    details: ["username": recordedName(user), "remote_address": remoteAddress ?? ""]
                )
            ])
            throw .invalidCredentials
        }
        await recordSuccess(throttle, account: account, now: now)
        let id = ids.timeOrdered(at: now)
        let cookie = SessionCookie.prefix + id + ids.secret(bytes: 32)
        let session = LoginSession(
            id: id,
            tenantID: tenantID,
            userID: user.id,
            digest: SecretDigest.sha256(cookie),
            authTime: now,
            amr: ["pwd"],
            createdAt: now,
            expiresAt: now.addingTimeInterval(configuration.sessionLifetime)
        )
        do {
            try await store.createSession(
                session,
                audit: [
                    AuditEventDraft(
                        time: now,
                        type: .loginSucceeded,
                        tenantID: tenantID,
                        subject: user.id,
                        actor: "user:\(user.id)",
                        details: ["session": id, "amr": "pwd", "remote_address": remoteAddress ?? ""]
                    )
                ]
            )
        } catch {
            throw .unavailable
        }
        return LoginResult(cookie: cookie, session: session, user: user)
    }

    /// A valid scrypt hash of a random password at the configured cost, verified against when the
    /// username is unknown; made on first use.
    func decoyPasswordHash() -> String {
        decoyHash.withLock { cached in
            if let cached { return cached }
            let made = (try? PasswordHasher.hash(ids.secret(bytes: 16), cost: configuration.passwordCost)) ?? ""
            cached = made
            return made
        }
    }

    /// scrypt takes tens of milliseconds of CPU and memory by design: run it on a GCD thread so it never
    /// holds one of the few threads of Swift's cooperative pool that every request needs.
    static func verifyOffThePool(_ password: String, _ hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: PasswordHasher.verify(password, against: hash))
            }
        }
    }
}
