"""The browser of the interop scripts: follows an authorization URL, fills in the sign-in form as
alice, and stops at the redirect back to the client, whose Location it returns."""
import html
import re
from urllib.parse import urljoin

import requests


def sign_in(issuer, url, params=None, username="alice", password="alice-demo-password", session=None):
    browser = session or requests.Session()
    page = browser.get(url, params=params, allow_redirects=False, timeout=30)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    action = html.unescape(re.search(r'<form method="post" action="([^"]*)">', page.text).group(1))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page.text)}
    fields.update(username=username, password=password)
    back = browser.post(urljoin(issuer, action), data=fields, allow_redirects=False, timeout=30)
    assert back.status_code == 303, (back.status_code, back.text[:300])
    return back.headers["Location"]
