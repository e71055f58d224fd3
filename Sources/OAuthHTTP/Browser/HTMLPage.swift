import AuthEngine

/// The few server-rendered pages of the user-facing flows: plain HTML with inline CSS, no script,
/// readable on a phone. Every interpolated value goes through `escape`.
enum HTMLPage {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func layout(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;padding:1rem}
        main{max-width:26rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
        h1{font-size:1.35rem;margin:0 0 1rem}
        label{display:block;margin:.8rem 0 .3rem;font-weight:600}
        input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1.05rem;padding:.6rem;border:1px solid #9aa3b2;border-radius:6px}
        button{font-size:1.05rem;padding:.65rem 1.2rem;border-radius:6px;border:1px solid #1f4fd1;background:#1f4fd1;color:#fff;margin-top:1.1rem;cursor:pointer}
        button.secondary{background:#fff;color:#1f4fd1}
        .notice{background:#fdecea;border:1px solid #e0a29b;padding:.6rem;border-radius:6px}
        .muted{color:#5b6472;font-size:.92rem}
        ul{padding-left:1.2rem} li{margin:.35rem 0}
        code{font-size:1.2rem;letter-spacing:.15rem}
        </style></head>
        <body><main>
        \(body)
        </main></body></html>
        """
    }

    static func hidden(_ name: String, _ value: String) -> String {
        "<input type=\"hidden\" name=\"\(escape(name))\" value=\"\(escape(value))\">"
    }

    static func notice(_ text: String?) -> String {
        text.map { "<p class=\"notice\" role=\"alert\">\(escape($0))</p>" } ?? ""
    }

    /// The sign-in form. `carry` are hidden fields that bring the user back to what they were doing.
    static func login(
        tenant: String,
        clientName: String?,
        action: String,
        csrf: String,
        carry: [(String, String)],
        username: String?,
        notice: String?
    ) -> String {
        let context = clientName.map { "<p class=\"muted\">to continue to <strong>\(escape($0))</strong></p>" } ?? ""
        return layout(
            title: "Sign in",
            body: """
                <h1>Sign in to \(escape(tenant))</h1>
                \(context)
                \(Self.notice(notice))
                <form method="post" action="\(escape(action))">
                \(hidden("csrf", csrf))
                \(carry.map { hidden($0.0, $0.1) }.joined())
                <label for="username">Username</label>
                <input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="\(escape(username ?? ""))">
                <label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form>
                """
        )
    }

    static func consent(
        clientName: String,
        user: String,
        scopes: [ScopeDefinition],
        action: String,
        csrf: String,
        carry: [(String, String)]
    ) -> String {
        let items = scopes.map { s in
            "<li><strong>\(escape(s.name))</strong>\(s.description.isEmpty ? "" : " — " + escape(s.description))</li>"
        }.joined()
        return layout(
            title: "Allow access?",
            body: """
                <h1>\(escape(clientName)) wants access</h1>
                <p>Signed in as <strong>\(escape(user))</strong>. It asks to:</p>
                <ul>\(items)</ul>
                <form method="post" action="\(escape(action))">
                \(hidden("csrf", csrf))
                \(carry.map { hidden($0.0, $0.1) }.joined())
                <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
                <button type="submit" name="decision" value="approve">Allow</button>
                </form>
                <p class="muted">You can withdraw this later; your administrator can too.</p>
                """
        )
    }

    static func error(title: String, message: String) -> String {
        layout(
            title: title,
            body: """
                <h1>\(escape(title))</h1>
                <p>\(escape(message))</p>
                <p class="muted">Go back to the application and try again. If it keeps happening, tell its administrator.</p>
                """
        )
    }

    static func message(title: String, text: String) -> String {
        layout(title: title, body: "<h1>\(escape(title))</h1><p>\(escape(text))</p>")
    }

    static func enterUserCode(action: String, csrf: String, notice: String?) -> String {
        layout(
            title: "Connect a device",
            body: """
                <h1>Connect a device</h1>
                <p>Enter the code your device shows.</p>
                \(Self.notice(notice))
                <form method="post" action="\(escape(action))">
                \(hidden("csrf", csrf))
                <label for="user_code">Code</label>
                <input type="text" id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required placeholder="BCDF-GHJK">
                <button type="submit">Continue</button>
                </form>
                """
        )
    }

    static func confirmDevice(
        clientName: String,
        userCode: String,
        user: String,
        scopes: [ScopeDefinition],
        action: String,
        csrf: String
    ) -> String {
        let items = scopes.map { s in
            "<li><strong>\(escape(s.name))</strong>\(s.description.isEmpty ? "" : " — " + escape(s.description))</li>"
        }.joined()
        return layout(
            title: "Connect \(clientName)?",
            body: """
                <h1>Connect \(escape(clientName))?</h1>
                <p>Check that your device shows <code>\(escape(userCode))</code>. Signed in as <strong>\(escape(user))</strong>, it will be able to:</p>
                <ul>\(items)</ul>
                <form method="post" action="\(escape(action))">
                \(hidden("csrf", csrf))
                \(hidden("user_code", userCode))
                <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
                <button type="submit" name="decision" value="approve">Allow</button>
                </form>
                """
        )
    }

    static func confirmLogout(action: String, csrf: String, carry: [(String, String)], clientName: String?) -> String {
        layout(
            title: "Sign out?",
            body: """
                <h1>Sign out?</h1>
                <p>\(clientName.map { "<strong>\(escape($0))</strong> asks to sign you out." } ?? "Do you want to sign out?")</p>
                <form method="post" action="\(escape(action))">
                \(hidden("csrf", csrf))
                \(carry.map { hidden($0.0, $0.1) }.joined())
                <button type="submit" name="confirm" value="yes">Sign out</button>
                </form>
                """
        )
    }
}
