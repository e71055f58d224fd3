import Foundation
import JOSE

/// The device authorization response (RFC 8628 §3.2).
public struct DeviceAuthorizationResponse: Sendable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var expiresIn: Int
    public var interval: Int

    public func json() -> [UInt8] {
        var w = JSONWriter(capacity: 320)
        w.beginObject()
        w.field("device_code", deviceCode)
        w.field("user_code", userCode)
        w.field("verification_uri", verificationURI)
        w.field("verification_uri_complete", verificationURI + "?user_code=" + userCode)
        w.field("expires_in", Int64(expiresIn))
        w.field("interval", Int64(interval))
        w.endObject()
        return w.bytes
    }
}

/// What the verification page shows next.
public enum DeviceVerificationOutcome: Sendable {
    case errorPage(OAuthError)
    /// Sign in first, then come back with this code.
    case login(client: Client?, userCode: String?, notice: String?)
    /// Ask for the code shown on the device.
    case enterCode(notice: String?)
    /// Show what the device asks for and let the user approve or deny.
    case confirm(DeviceAuthorization, client: Client, scopes: [ScopeDefinition], user: User)
    /// Approved or denied: tell the user to go back to the device.
    case finished(approved: Bool, client: Client)
}

extension ClaimdeckEngine {
    static let deviceCodePrefix = "cdd_"
    static let deviceCodeLifetime = 600
    static let deviceInterval = 5

    /// RFC 8628 §3.1-3.2: a client asks for a device code and a user code.
    public func deviceAuthorization(_ request: TokenEndpointRequest) async throws(OAuthError) -> DeviceAuthorizationResponse {
        let (tenant, snapshot) = try tenant(request.tenantID)
        let client = try await authenticateCaller(
            request,
            tenant: tenant,
            snapshot: snapshot,
            endpoint: "device_authorization",
            allowPublic: true,
            failedEvent: .deviceAuthorizationStarted
        )
        do throws(OAuthError) {
            try requireGrant(.deviceCode, client: client)
            let scopes = try ScopePolicy.granted(requested: request.form.single("scope"), client: client)
            let audiences = try AudiencePolicy.resolve(
                resources: request.form.all("resource"),
                audience: nil,
                client: client,
                scopes: scopes,
                snapshot: snapshot,
                fallback: scopes.contains(StandardScopes.openid) ? [configuration.issuer(for: tenant.id) + "/userinfo"] : []
            )
            let now = clock.now()
            let id = ids.timeOrdered(at: now)
            let deviceCode = Self.deviceCodePrefix + id + ids.secret(bytes: 32)
            // A user-code collision among live codes is rare (34 bits); draw again if it happens.
            for _ in 0..<5 {
                let userCode = UserCode.generate { random.bytes($0) }
                let device = DeviceAuthorization(
                    id: id,
                    tenantID: tenant.id,
                    clientID: client.id,
                    deviceDigest: SecretDigest.sha256(deviceCode),
                    userCode: userCode,
                    scopes: scopes,
                    audiences: audiences,
                    interval: Self.deviceInterval,
                    createdAt: now,
                    expiresAt: now.addingTimeInterval(TimeInterval(Self.deviceCodeLifetime))
                )
                let stored: Bool
                do {
                    stored = try await store.createDeviceAuthorization(
                        device,
                        audit: [
                            AuditEventDraft(
                                time: now,
                                type: .deviceAuthorizationStarted,
                                tenantID: tenant.id,
                                clientID: client.id,
                                tokenID: id,
                                actor: "client:\(client.id)",
                                details: ["scope": scopes.joined(separator: " ")]
                            )
                        ]
                    )
                } catch {
                    throw OAuthError.temporarilyUnavailable("the device authorization could not be stored; retry")
                }
                if stored {
                    return DeviceAuthorizationResponse(
                        deviceCode: deviceCode,
                        userCode: UserCode.display(userCode),
                        verificationURI: configuration.issuer(for: tenant.id) + "/device",
                        expiresIn: Self.deviceCodeLifetime,
                        interval: Self.deviceInterval
                    )
                }
            }
            throw OAuthError.temporarilyUnavailable("no free user code; retry")
        } catch {
            await audit([
                AuditEventDraft(
                    time: clock.now(),
                    type: .deviceAuthorizationStarted,
                    outcome: .failure,
                    tenantID: tenant.id,
                    clientID: client.id,
                    reason: error.code,
                    actor: "client:\(client.id)",
                    details: ["description": error.errorDescription]
                )
            ])
            throw error
        }
    }

    /// The verification page (RFC 8628 §3.3): sign in, enter the code, see what the device asks for.
    /// Wrong codes are throttled per address like failed sign-ins, so codes cannot be guessed.
    public func deviceVerification(
        tenantID: String,
        typedCode: String?,
        sessionCookie: String?,
        remoteAddress: String?
    ) async -> DeviceVerificationOutcome {
        guard config.snapshot.tenants[tenantID] != nil else { return .errorPage(.notFound("no tenant '\(Validation.printable(tenantID))'")) }
        guard let browser = await browserSession(tenantID: tenantID, cookie: sessionCookie) else {
            return .login(client: nil, userCode: typedCode, notice: nil)
        }
        guard let typedCode, !typedCode.isEmpty else { return .enterCode(notice: nil) }
        switch await pendingDevice(tenantID: tenantID, typedCode: typedCode, remoteAddress: remoteAddress) {
        case .failure(let notice): return .enterCode(notice: notice)
        case .success(let (device, client)):
            let defined = config.snapshot.scopes[tenantID] ?? [:]
            return .confirm(
                device,
                client: client,
                scopes: device.scopes.map {
                    defined[$0] ?? ScopeDefinition(tenantID: tenantID, name: $0, description: StandardScopes.descriptions[$0] ?? "")
                },
                user: browser.user
            )
        }
    }

    /// The user's answer on the verification page.
    public func decideDevice(
        tenantID: String,
        typedCode: String,
        approved: Bool,
        sessionCookie: String?,
        remoteAddress: String?
    ) async -> DeviceVerificationOutcome {
        guard let browser = await browserSession(tenantID: tenantID, cookie: sessionCookie) else {
            return .login(client: nil, userCode: typedCode, notice: "Your session ended. Sign in again.")
        }
        switch await pendingDevice(tenantID: tenantID, typedCode: typedCode, remoteAddress: remoteAddress) {
        case .failure(let notice): return .enterCode(notice: notice)
        case .success(let (device, client)):
            let now = clock.now()
            let decided =
                (try? await store.decideDeviceAuthorization(
                    tenantID: tenantID,
                    id: device.id,
                    approved: approved,
                    userID: browser.user.id,
                    sessionID: browser.session.id,
                    authTime: browser.session.authTime,
                    at: now,
                    audit: [
                        AuditEventDraft(
                            time: now,
                            type: approved ? .deviceApproved : .deviceDenied,
                            outcome: approved ? .success : .failure,
                            tenantID: tenantID,
                            clientID: client.id,
                            subject: browser.user.id,
                            tokenID: device.id,
                            reason: approved ? nil : "access_denied",
                            actor: "user:\(browser.user.id)",
                            details: ["scope": device.scopes.joined(separator: " ")]
                        )
                    ]
                )) ?? false
            guard decided else { return .enterCode(notice: "That code has expired or was already used. Start again on the device.") }
            return .finished(approved: approved, client: client)
        }
    }

    private enum PendingDevice {
        case success((DeviceAuthorization, Client))
        case failure(String)
    }

    private func pendingDevice(tenantID: String, typedCode: String, remoteAddress: String?) async -> PendingDevice {
        let now = clock.now()
        let key = LoginThrottle.addressKey(tenantID: tenantID, address: "device:" + (remoteAddress ?? "unknown"))
        let wait = throttle.wait(account: nil, address: key, now: now)
        if wait > 0 {
            await audit([
                AuditEventDraft(
                    time: now,
                    type: .loginThrottled,
                    outcome: .failure,
                    tenantID: tenantID,
                    reason: "throttled",
                    actor: "http",
                    details: ["what": "user code", "retry_after": "\(wait)", "remote_address": remoteAddress ?? ""]
                )
            ])
            return .failure("Too many wrong codes. Wait \(wait) seconds and try again.")
        }
        guard let code = UserCode.normalize(typedCode),
            let device = try? await store.deviceAuthorization(tenantID: tenantID, userCode: code),
            device.status == .pending, device.expiresAt > now,
            let client = config.snapshot.client(tenantID, device.clientID), !client.disabled
        else {
            await recordFailure(throttle, account: nil, address: key, now: now)
            return .failure("That code is not valid or has expired. Check the code on your device.")
        }
        return .success((device, client))
    }

    /// RFC 8628 §3.4-3.5: the device polls with its device code.
    func deviceCode(
        _ request: TokenEndpointRequest,
        tenant: Tenant,
        client: Client,
        snapshot: ConfigSnapshot
    ) async throws(OAuthError) -> TokenResponse {
        try requireGrant(.deviceCode, client: client)
        let presented = try request.form.required("device_code")
        let now = clock.now()
        guard presented.hasPrefix(Self.deviceCodePrefix), presented.utf8.count > Self.deviceCodePrefix.utf8.count + TokenLocator.idLength,
            presented.utf8.count < 256
        else { throw .invalidGrant("the device_code is not valid") }
        let id = String(decoding: presented.utf8.dropFirst(Self.deviceCodePrefix.utf8.count).prefix(TokenLocator.idLength), as: UTF8.self)
        let found: DeviceAuthorization?
        do { found = try await store.deviceAuthorization(id: id) } catch { throw .temporarilyUnavailable("the store did not answer; retry") }
        guard let device = found, device.tenantID == tenant.id,
            SecretDigest.constantTimeEquals(device.deviceDigest, SecretDigest.sha256(presented))
        else {
            throw .invalidGrant("the device_code is not valid")
        }
        guard device.clientID == client.id else { throw .invalidGrant("the device_code was issued to another client") }
        if device.status == .consumed { throw .invalidGrant("the device_code was already used") }
        guard device.expiresAt > now else {
            throw OAuthError(code: "expired_token", description: "the device_code has expired; start a new device authorization")
        }
        if device.status == .pending {
            let previous: Date?
            do { previous = try await store.recordDevicePoll(tenantID: tenant.id, id: id, at: now, slowDownBy: 0) } catch {
                throw .temporarilyUnavailable("the store did not answer; retry")
            }
            // A second of slack for network jitter: a device that waits the interval is never told to slow down.
            if let previous, now.timeIntervalSince(previous) < TimeInterval(device.interval) - 1 {
                // §3.5: the interval grows by 5 seconds for this and every later poll.
                _ = try? await store.recordDevicePoll(tenantID: tenant.id, id: id, at: now, slowDownBy: 5)
                throw OAuthError(
                    code: "slow_down",
                    description: "polling faster than every \(device.interval) seconds; wait \(device.interval + 5) seconds between polls"
                )
            }
            throw OAuthError(code: "authorization_pending", description: "the user has not approved the request yet")
        }
        if device.status == .denied { throw OAuthError(code: "access_denied", description: "the user denied the request") }
        guard let userID = device.userID, let authTime = device.authTime else {
            throw OAuthError(code: "server_error", description: "the approval is incomplete", status: 500)
        }
        let user = try await activeUser(tenantID: tenant.id, id: userID)
        let authorization = UserAuthorization(
            userID: userID,
            scopes: device.scopes,
            audiences: device.audiences,
            familyID: ids.timeOrdered(at: now),
            familyExpiresAt: now.addingTimeInterval(TimeInterval(client.refreshTokenAbsoluteLifetime)),
            sessionID: device.sessionID,
            authTime: authTime,
            amr: ["pwd"]
        )
        let issued = try await UserTokenIssuer(engine: self).issue(
            authorization,
            user: user,
            accessScopes: device.scopes,
            tenant: tenant,
            client: client,
            grantType: .deviceCode,
            nonce: nil,
            confirmation: request.confirmation,
            snapshot: snapshot
        )
        let consumed: Bool
        do {
            consumed = try await store.consumeDeviceAuthorization(tenantID: tenant.id, id: id, issuing: issued.records, audit: [issued.event])
        } catch {
            throw .temporarilyUnavailable("the tokens could not be stored; retry")
        }
        guard consumed else { throw .invalidGrant("the device_code was already used") }
        metrics.issued(tenant: tenant.id, grant: .deviceCode, format: issued.response.record.format)
        return issued.response
    }
}
