#!/usr/bin/env python3
"""Drives Claimdeck's browser pages in headless Chromium, as a person on a phone and on a desktop would.

Usage: chromium_pages.py ISSUER ARTIFACTS_DIR
For each width (375 px, a phone; 1280 px, a desktop) in a fresh browser profile: the code flow of
customer-portal (sign-in page, typed credentials, the button clicked with the mouse, the redirect
back with a code, the code exchanged for tokens), the consent page of the third-party budget-app,
the device page for shop-terminal (user code typed, approved, tokens polled), and RP-initiated logout.
Every page must fit the width (no horizontal scrolling) and log no console error, exception or
Content-Security-Policy violation; a deliberate violation is provoked first to prove they are seen.
Screenshots of every step go to ARTIFACTS_DIR. Prints "browser ok" and exits 0, or raises.

Chromium is driven over its DevTools protocol (Debian's chromium and python3-websocket).
"""
import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import websocket

ISSUER = sys.argv[1]
ARTIFACTS = sys.argv[2]
PORTAL_CALLBACK = "http://127.0.0.1:8765/callback"
BUDGET_CALLBACK = "http://127.0.0.1:8766/callback"
SIGNED_OUT = "https://portal.sms.example/signed-out"
os.makedirs(ARTIFACTS, exist_ok=True)


class Browser:
    """One headless Chromium with one page, over the DevTools protocol."""

    def __init__(self, width, mobile):
        self.profile = tempfile.mkdtemp(prefix="claimdeck-chromium-")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and len(open(port_file).read().split("\n")) >= 2):
            if time.time() > deadline or self.process.poll() is not None:
                raise SystemExit("chromium did not start")
            time.sleep(0.1)
        port, path = open(port_file).read().split("\n")[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.problems = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.page(f"{domain}.enable")
        self.page("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900 if not mobile else 812, "deviceScaleFactor": 1, "mobile": mobile})
        self.page("Fetch.enable", {"patterns": [{"urlPattern": PORTAL_CALLBACK + "*"}, {"urlPattern": BUDGET_CALLBACK + "*"},
                                               {"urlPattern": SIGNED_OUT + "*"}]})
        self.callbacks = []

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def page(self, method, params=None):
        return self.call(method, params, self.session)

    def receive(self):
        message = json.loads(self.ws.recv())
        if "method" in message:
            self.handle(message)
        return message

    def handle(self, event):
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            self.problems.append(f"console.{params['type']}: {[a.get('value', a.get('description')) for a in params.get('args', [])]}")
        elif method == "Runtime.exceptionThrown":
            self.problems.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            entry = params["entry"]
            self.problems.append(f"{entry['source']} {entry['level']}: {entry['text']} ({entry.get('url', '')})")
        elif method == "Fetch.requestPaused":
            # The client's redirect URI: nothing listens there; answer as the client would.
            self.callbacks.append(params["request"]["url"])
            body = base64.b64encode(b"<!doctype html><link rel=icon href=\"data:,\"><title>callback</title><p>back at the client</p>").decode()
            self.ws.send(json.dumps({"id": 0, "method": "Fetch.fulfillRequest", "sessionId": self.session,
                                     "params": {"requestId": params["requestId"], "responseCode": 200,
                                                "responseHeaders": [{"name": "Content-Type", "value": "text/html"}],
                                                "body": body}}))
        self.events.append(event)

    def wait_for(self, predicate, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for event in self.events:
                if predicate(event):
                    self.events.remove(event)
                    return event
            self.receive()
        raise SystemExit(f"timed out waiting for {what}")

    def evaluate(self, expression):
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url):
        self.events.clear()
        self.page("Page.navigate", {"url": url})
        self.wait_for(lambda e: e["method"] == "Page.loadEventFired", f"{url} to load")

    def type_into(self, element_id, text):
        self.evaluate(f"document.getElementById({json.dumps(element_id)}).focus()")
        self.page("Input.insertText", {"text": text})

    def click(self, selector):
        """A real mouse click at the middle of the element, which must be on the screen."""
        self.events.clear()
        box = self.evaluate(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            e.scrollIntoView({{block: 'center'}});
            const r = e.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}};
        }})()""")
        assert box["w"] > 0 and box["h"] > 0, f"{selector} is not visible"
        for kind in ("mousePressed", "mouseReleased"):
            self.page("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})
        self.wait_for(lambda e: e["method"] == "Page.loadEventFired", f"the page after clicking {selector}")

    def check_page(self, name):
        """Fits the width, logged nothing wrong; a screenshot is kept."""
        # Let late console messages arrive.
        self.evaluate("new Promise(r => setTimeout(r, 100))")
        fits = self.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shot = self.page("Page.captureScreenshot", {"format": "png"})["data"]
        with open(os.path.join(ARTIFACTS, f"{name}.png"), "wb") as f:
            f.write(base64.b64decode(shot))
        assert fits, f"{name}: wider than the screen ({self.evaluate('document.documentElement.scrollWidth')} px)"
        assert not self.problems, f"{name}: {self.problems}"


def post(url, fields, basic=None):
    request = urllib.request.Request(url, urllib.parse.urlencode(fields).encode(), method="POST")
    if basic:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client, redirect, scope, challenge, state, **extra):
    return ISSUER + "/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": client, "redirect_uri": redirect, "scope": scope,
        "state": state, "code_challenge": challenge, "code_challenge_method": "S256", "nonce": secrets.token_urlsafe(8), **extra})


def code_from(callback, state):
    query = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)
    assert query.get("state") == [state] and query.get("iss") == [ISSUER], callback
    return query["code"][0]


def run(width, mobile):
    tag = f"{width}px"
    b = Browser(width, mobile)
    try:
        # The checks see what goes wrong: an inline script the pages' CSP refuses is reported.
        verifier, challenge = pkce()
        state = secrets.token_urlsafe(8)
        b.open(authorize_url("customer-portal", PORTAL_CALLBACK, "openid profile email", challenge, state))
        b.evaluate("(() => { const s = document.createElement('script'); s.textContent = '1'; document.body.appendChild(s); })()")
        b.evaluate("new Promise(r => setTimeout(r, 200))")
        assert any("Content Security Policy" in p for p in b.problems), f"a CSP violation went unseen: {b.problems}"
        b.problems.clear()

        # Sign-in page: a person types and clicks.
        b.open(authorize_url("customer-portal", PORTAL_CALLBACK, "openid profile email", challenge, state))
        b.check_page(f"{tag}-1-sign-in")
        b.type_into("username", "alice")
        b.type_into("password", "alice-demo-password")
        b.click("button[type=submit]")
        assert b.callbacks, "sign-in did not return to the client"
        code = code_from(b.callbacks.pop(), state)
        b.check_page(f"{tag}-2-back-at-the-client")
        status, tokens = post(ISSUER + "/token", {"grant_type": "authorization_code", "code": code,
                                                  "redirect_uri": PORTAL_CALLBACK, "code_verifier": verifier},
                              basic=("customer-portal", "portal-demo-secret"))
        assert status == 200 and "id_token" in tokens and "refresh_token" in tokens, (status, tokens)
        id_token = tokens["id_token"]

        # A wrong password: the page says so without saying which field was wrong.
        b.open(ISSUER + "/logout")
        b.click("button[name=confirm]")
        b.open(authorize_url("customer-portal", PORTAL_CALLBACK, "openid", challenge, state))
        b.type_into("username", "alice")
        b.type_into("password", "not-her-password")
        b.click("button[type=submit]")
        assert not b.callbacks
        text = b.evaluate("document.body.innerText")
        assert "Wrong username or password." in text, text
        b.check_page(f"{tag}-3-sign-in-refused")
        b.type_into("password", "alice-demo-password")
        b.click("button[type=submit]")
        assert b.callbacks, "sign-in after a wrong password did not return to the client"
        b.callbacks.clear()

        # Consent for a third-party app, with the session already there (asked again each time: the
        # phone's run has consented already when the desktop's comes).
        verifier2, challenge2 = pkce()
        state2 = secrets.token_urlsafe(8)
        b.open(authorize_url("budget-app", BUDGET_CALLBACK, "openid profile invoice-read", challenge2, state2, prompt="consent"))
        assert "Budget app" in b.evaluate("document.body.innerText")
        b.check_page(f"{tag}-4-consent")
        b.click("button[value=approve]")
        code2 = code_from(b.callbacks.pop(), state2)
        status, tokens = post(ISSUER + "/token", {"grant_type": "authorization_code", "code": code2, "client_id": "budget-app",
                                                  "redirect_uri": BUDGET_CALLBACK, "code_verifier": verifier2})
        assert status == 200 and tokens["token_type"] == "Bearer", (status, tokens)

        # The device page: a code shown on a terminal, typed on the phone, approved.
        status, device = post(ISSUER + "/device_authorization", {"client_id": "shop-terminal", "scope": "openid sms"})
        assert status == 200, (status, device)
        b.open(device["verification_uri"])
        b.check_page(f"{tag}-5-device-code")
        b.type_into("user_code", device["user_code"].lower().replace("-", ""))
        b.click("button[type=submit]")
        assert "Shop terminal" in b.evaluate("document.body.innerText")
        b.check_page(f"{tag}-6-device-approve")
        b.click("button[value=approve]")
        b.check_page(f"{tag}-7-device-done")
        status, tokens = post(ISSUER + "/token", {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                                  "device_code": device["device_code"], "client_id": "shop-terminal"})
        assert status == 200 and "access_token" in tokens, (status, tokens)

        # RP-initiated logout with the ID token: back at the client's registered page.
        b.open(ISSUER + "/logout?" + urllib.parse.urlencode({
            "id_token_hint": id_token, "post_logout_redirect_uri": SIGNED_OUT, "state": "bye"}))
        # The hint names the first session, not this one (signed in again above): the user is asked.
        assert not b.callbacks and "Sign out" in b.evaluate("document.body.innerText")
        b.check_page(f"{tag}-8-logout-confirm")
        b.click("button[name=confirm]")
        assert b.callbacks and b.callbacks.pop() == SIGNED_OUT + "?state=bye", b.callbacks
        b.check_page(f"{tag}-9-signed-out")
    finally:
        b.close()


run(375, mobile=True)
run(1280, mobile=False)
print("browser ok")
