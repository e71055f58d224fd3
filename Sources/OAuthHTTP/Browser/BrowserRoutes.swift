import AuthEngine
import Foundation
import Hummingbird
import JOSE

/// The pages a person sees: the authorization endpoint with its sign-in and consent forms, and
/// RP-initiated logout. Each handler only translates HTTP (query, form, cookies) to an engine use case
/// and renders the outcome.
struct BrowserRoutes {
    let engine: ClaimdeckEngine
    /// Whose `X-Forwarded-For` names the client.
    let proxies: TrustedProxies

    func register(on router: Router<ClaimdeckRequestContext>) {
        router.get(":tenant/authorize") { request, context in await authorize(request, context, form: nil) }
        router.post(":tenant/authorize") { request, context in
            await withForm(request, context) { form in await authorize(request, context, form: form) }
        }
        router.post(":tenant/login") { request, context in
            await withForm(request, context) { form in await login(request, context, form: form) }
        }
        router.post(":tenant/consent") { request, context in
            await withForm(request, context) { form in await consent(request, context, form: form) }
        }
        router.get(":tenant/device") { request, context in await device(request, context, form: nil) }
        router.post(":tenant/device") { request, context in
            await withForm(request, context) { form in await device(request, context, form: form) }
        }
        router.get(":tenant/logout") { request, context in await logout(request, context, form: nil) }
        router.post(":tenant/logout") { request, context in
            await withForm(request, context) { form in await logout(request, context, form: form) }
        }
        for page in ["authorize", "device", "logout"] {
            router.allowOnly(RouterPath(":tenant/\(page)"), [.get, .post])
        }
        router.allowOnly(":tenant/login", [.post])
        router.allowOnly(":tenant/consent", [.post])
    }

    // MARK: Handlers

    private func authorize(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters?) async -> Response {
        let tenantID = tenant(context)
        guard let parameters = form ?? query(request) else { return badEncoding() }
        let outcome = await engine.authorize(
            tenantID: tenantID,
            parameters: parameters,
            sessionCookie: sessionCookie(request, tenantID),
            remoteAddress: proxies.clientAddress(request, context)
        )
        return render(outcome, tenantID: tenantID, request: request, afterPost: form != nil)
    }

    private func login(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters) async -> Response {
        let tenantID = tenant(context)
        guard csrfMatches(form, request) else { return expiredForm() }
        guard let parameters = carried(form) else { return badEncoding() }
        let username = ((try? form.single("username")) ?? nil) ?? ""
        let password = ((try? form.single("password")) ?? nil) ?? ""
        let retry = { (notice: String, status: HTTPResponse.Status) async -> Response in
            if ((try? form.single("flow")) ?? nil) == "device" {
                var r = renderDevice(
                    .login(client: nil, userCode: (try? form.single("user_code")) ?? nil, notice: notice),
                    tenantID: tenantID,
                    request: request
                )
                r.status = status
                return r
            }
            guard var authorization = await engine.authorizationRequest(tenantID: tenantID, parameters: parameters) else {
                return BrowserResponses.html(
                    HTMLPage.error(
                        title: "This sign-in request cannot be completed",
                        message: "Start again from the application."
                    ),
                    status: .badRequest
                )
            }
            authorization.loginHint = Validation.printable(username, limit: 200)
            var r = render(.login(authorization, notice: notice), tenantID: tenantID, request: request, afterPost: true)
            r.status = status
            return r
        }
        guard !username.isEmpty, !password.isEmpty else { return await retry("Enter your username and password.", .badRequest) }
        let result: LoginResult
        do {
            result = try await engine.login(
                tenantID: tenantID,
                username: username,
                password: password,
                remoteAddress: proxies.clientAddress(request, context)
            )
        } catch .invalidCredentials {
            // 200, as form sign-ins answer (Keycloak's too): a 401 must carry a WWW-Authenticate challenge
            // (RFC 9110 section 15.5.2), which a form is not, and browsers log it as a failed load.
            return await retry("Wrong username or password.", .ok)
        } catch .throttled(let seconds) {
            var r = await retry("Too many failed sign-ins. Wait \(seconds) seconds and try again.", .tooManyRequests)
            r.headers[.retryAfter] = "\(seconds)"
            return r
        } catch {
            return await retry("Sign-in is unavailable right now. Try again in a moment.", .serviceUnavailable)
        }
        var response: Response
        if ((try? form.single("flow")) ?? nil) == "device" {
            // Back to the verification page, now signed in, with the code the user already typed.
            let code = ((try? form.single("user_code")) ?? nil) ?? ""
            response = BrowserResponses.redirect(
                "/\(tenantID)/device" + (code.isEmpty ? "" : "?user_code=" + FormEncoding.encode(code)),
                afterPost: true
            )
        } else {
            let outcome = await engine.authorize(
                tenantID: tenantID,
                parameters: parameters,
                sessionCookie: result.cookie,
                remoteAddress: proxies.clientAddress(request, context),
                justAuthenticated: true
            )
            response = render(outcome, tenantID: tenantID, request: request, afterPost: true)
        }
        response.setCookie(
            BrowserResponses.cookie(
                SessionCookie.name,
                result.cookie,
                tenantID: tenantID,
                maxAge: Int(engine.configuration.sessionLifetime),
                secure: engine.configuration.secureCookies,
                sameSite: .lax
            )
        )
        return response
    }

    private func consent(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters) async -> Response {
        let tenantID = tenant(context)
        guard csrfMatches(form, request) else { return expiredForm() }
        guard let parameters = carried(form) else { return badEncoding() }
        let decision = (try? form.single("decision")) ?? nil
        guard decision == "approve" || decision == "deny" else {
            return BrowserResponses.html(
                HTMLPage.error(title: "Choose Allow or Deny", message: "The form did not say whether you allow access."),
                status: .badRequest
            )
        }
        let outcome = await engine.decideConsent(
            tenantID: tenantID,
            parameters: parameters,
            sessionCookie: sessionCookie(request, tenantID),
            approved: decision == "approve",
            remoteAddress: proxies.clientAddress(request, context)
        )
        return render(outcome, tenantID: tenantID, request: request, afterPost: true)
    }

    private func logout(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters?) async -> Response {
        let tenantID = tenant(context)
        let confirmed = form.map { ((try? $0.single("confirm")) ?? nil) == "yes" && csrfMatches($0, request) } ?? false
        let parameters: FormParameters?
        if let form, form.values["request"] != nil { parameters = carried(form) } else { parameters = form ?? query(request) }
        guard let parameters else { return badEncoding() }
        let outcome = await engine.logout(
            tenantID: tenantID,
            parameters: parameters,
            sessionCookie: sessionCookie(request, tenantID),
            confirmed: confirmed
        )
        var response: Response
        switch outcome {
        case .errorPage(let error):
            return BrowserResponses.html(HTMLPage.error(title: "Cannot sign out", message: error.errorDescription), status: .badRequest)
        case .confirm(let logout):
            let (csrf, cookie) = csrfToken(request, tenantID)
            response = BrowserResponses.html(
                HTMLPage.confirmLogout(
                    action: "/\(tenantID)/logout",
                    csrf: csrf,
                    carry: [("request", FormEncoding.encode(logout.parameters))],
                    clientName: logout.client?.name
                )
            )
            if let cookie { response.setCookie(cookie) }
            return response
        case .redirect(let url):
            response = BrowserResponses.redirect(url, afterPost: form != nil)
        case .signedOut:
            response = BrowserResponses.html(HTMLPage.message(title: "Signed out", text: "You are signed out. You can close this window."))
        }
        response.setCookie(
            BrowserResponses.cookie(
                SessionCookie.name,
                "",
                tenantID: tenantID,
                maxAge: 0,
                secure: engine.configuration.secureCookies,
                sameSite: .lax
            )
        )
        return response
    }

    private func device(_ request: Request, _ context: ClaimdeckRequestContext, form: FormParameters?) async -> Response {
        let tenantID = tenant(context)
        let cookie = sessionCookie(request, tenantID)
        if let form {
            guard csrfMatches(form, request) else { return expiredForm() }
            let code = ((try? form.single("user_code")) ?? nil) ?? ""
            if let decision = (try? form.single("decision")) ?? nil {
                guard decision == "approve" || decision == "deny" else {
                    return BrowserResponses.html(
                        HTMLPage.error(title: "Choose Allow or Deny", message: "The form did not say whether you allow access."),
                        status: .badRequest
                    )
                }
                return renderDevice(
                    await engine.decideDevice(
                        tenantID: tenantID,
                        typedCode: code,
                        approved: decision == "approve",
                        sessionCookie: cookie,
                        remoteAddress: proxies.clientAddress(request, context)
                    ),
                    tenantID: tenantID,
                    request: request
                )
            }
            return await verifyDevice(code: code)
        }
        guard let query = query(request) else { return badEncoding() }
        return await verifyDevice(code: (try? query.single("user_code")) ?? nil)

        // The page for a typed (posted) or followed (query) user code.
        func verifyDevice(code: String?) async -> Response {
            renderDevice(
                await engine.deviceVerification(
                    tenantID: tenantID,
                    typedCode: code,
                    sessionCookie: cookie,
                    remoteAddress: proxies.clientAddress(request, context)
                ),
                tenantID: tenantID,
                request: request
            )
        }
    }

    private func renderDevice(_ outcome: DeviceVerificationOutcome, tenantID: String, request: Request) -> Response {
        let action = "/\(tenantID)/device"
        switch outcome {
        case .errorPage(let error):
            return BrowserResponses.html(
                HTMLPage.error(title: "Cannot connect a device", message: error.errorDescription),
                status: error.status == 404 ? .notFound : .badRequest
            )
        case .login(let client, let code, let notice):
            return page(tenantID: tenantID, request: request) { csrf in
                HTMLPage.login(
                    tenant: engine.config.snapshot.tenants[tenantID]?.displayName ?? tenantID,
                    clientName: client?.name,
                    action: "/\(tenantID)/login",
                    csrf: csrf,
                    carry: [("flow", "device")] + (code.map { [("user_code", $0)] } ?? []),
                    username: nil,
                    notice: notice
                )
            }
        case .enterCode(let notice):
            var response = page(tenantID: tenantID, request: request) { csrf in HTMLPage.enterUserCode(action: action, csrf: csrf, notice: notice) }
            if notice != nil { response.status = .badRequest }
            return response
        case .confirm(let device, let client, let scopes, let user):
            return page(tenantID: tenantID, request: request) { csrf in
                HTMLPage.confirmDevice(
                    clientName: client.name,
                    userCode: device.displayUserCode,
                    user: user.username,
                    scopes: scopes,
                    action: action,
                    csrf: csrf
                )
            }
        case .finished(let approved, let client):
            return BrowserResponses.html(
                approved
                    ? HTMLPage.message(title: "Device connected", text: "\(client.name) is connected. You can go back to your device.")
                    : HTMLPage.message(title: "Access denied", text: "\(client.name) was not given access. You can close this window.")
            )
        }
    }

    // MARK: Rendering

    private func render(_ outcome: AuthorizationOutcome, tenantID: String, request: Request, afterPost: Bool) -> Response {
        switch outcome {
        case .errorPage(let error):
            return BrowserResponses.html(
                HTMLPage.error(title: "This sign-in request cannot be completed", message: error.errorDescription),
                status: error.status == 404 ? .notFound : .badRequest
            )
        case .redirect(let url):
            return BrowserResponses.redirect(url, afterPost: afterPost)
        case .login(let r, let notice):
            return page(tenantID: tenantID, request: request) { csrf in
                HTMLPage.login(
                    tenant: engine.config.snapshot.tenants[tenantID]?.displayName ?? tenantID,
                    clientName: r.client.name,
                    action: "/\(tenantID)/login",
                    csrf: csrf,
                    carry: [("request", FormEncoding.encode(r.parameters))],
                    username: r.loginHint,
                    notice: notice
                )
            }
        case .consent(let r, let user, let scopes):
            return page(tenantID: tenantID, request: request) { csrf in
                HTMLPage.consent(
                    clientName: r.client.name,
                    user: user.username,
                    scopes: scopes,
                    action: "/\(tenantID)/consent",
                    csrf: csrf,
                    carry: [("request", FormEncoding.encode(r.parameters))]
                )
            }
        }
    }

    /// A form page with a CSRF token (double-submit: the same random value in a cookie and a field).
    private func page(tenantID: String, request: Request, _ body: (String) -> String) -> Response {
        let (csrf, cookie) = csrfToken(request, tenantID)
        var response = BrowserResponses.html(body(csrf))
        if let cookie { response.setCookie(cookie) }
        return response
    }

    // MARK: Request helpers

    private func tenant(_ context: ClaimdeckRequestContext) -> String { context.parameters.get("tenant") ?? "" }

    private func query(_ request: Request) -> FormParameters? {
        guard let q = request.uri.query else { return FormParameters() }
        return FormEncoding.pairs(Array(q.utf8)).map { FormParameters(pairs: $0) }
    }

    /// The authorization request parameters a form carried in its `request` field.
    private func carried(_ form: FormParameters) -> FormParameters? {
        guard let encoded = (try? form.single("request")) ?? nil else { return FormParameters() }
        return FormEncoding.pairs(Array(encoded.utf8)).map { FormParameters(pairs: $0) }
    }

    private func sessionCookie(_ request: Request, _ tenantID: String) -> String? {
        request.cookies[SessionCookie.name]?.value
    }

    private func csrfToken(_ request: Request, _ tenantID: String) -> (String, Cookie?) {
        if let existing = request.cookies[BrowserResponses.csrfCookie]?.value, existing.utf8.count == 43 { return (existing, nil) }
        let value = engine.ids.secret(bytes: 32)
        return (
            value,
            BrowserResponses.cookie(
                BrowserResponses.csrfCookie,
                value,
                tenantID: tenantID,
                maxAge: 86_400,
                secure: engine.configuration.secureCookies,
                sameSite: .strict
            )
        )
    }

    private func csrfMatches(_ form: FormParameters, _ request: Request) -> Bool {
        guard let field = (try? form.single("csrf")) ?? nil, let cookie = request.cookies[BrowserResponses.csrfCookie]?.value else { return false }
        return SecretDigest.constantTimeEquals(Data(field.utf8), Data(cookie.utf8))
    }

    private func withForm(
        _ request: Request,
        _ context: ClaimdeckRequestContext,
        _ body: (FormParameters) async -> Response
    ) async -> Response {
        do {
            return await body(try await FormBody.read(request, context: context))
        } catch {
            return BrowserResponses.html(
                HTMLPage.error(title: "Bad request", message: error.errorDescription),
                status: HTTPResponse.Status(code: error.status)
            )
        }
    }

    private func badEncoding() -> Response {
        BrowserResponses.html(
            HTMLPage.error(title: "Bad request", message: "The request's parameters are not valid URL encoding."),
            status: .badRequest
        )
    }

    private func expiredForm() -> Response {
        BrowserResponses.html(
            HTMLPage.error(
                title: "This form has expired",
                message: "The form was not sent from this site or is too old. Go back, reload the page and try again."
            ),
            status: .forbidden
        )
    }
}
