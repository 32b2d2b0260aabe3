"""Real HTTP clients for the trust tests: a browser-like web session and a token API client.

The web client does what a person's browser does: it fetches the login page for
its CSRF token, logs in, opens the record form and posts back every field the
form holds, including the hidden version the form was opened at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

from tests.factories import PASSWORD

TIMEOUT = 60  # seconds; generous, as 20 clients share two CPU cores with the server


class _Forms(HTMLParser):
    """Every <form> of a page as a list of (name, value) pairs a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"class": a.get("class") or "", "action": a.get("action"), "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return  # buttons are sent only when clicked
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            name, text = self._form["fields"][-1]
            self._form["fields"][-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self._form is not None:
                # Browsers drop the one newline that may follow <textarea>.
                name, text = self._form["fields"][-1]
                self._form["fields"][-1] = (name, text.removeprefix("\n"))
            self._textarea = None


def form_fields(html: str, *, css_class: str | None = None, has: str = "csrfmiddlewaretoken"):
    """The fields of the first form carrying `has` (and `css_class`), as (name, value) pairs."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        names = {name for name, _ in form["fields"]}
        if has in names and (css_class is None or css_class in form["class"].split()):
            return list(form["fields"])
    raise AssertionError(f"No form with {has!r} on the page.")


def replace(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """`fields` with each named field's value(s) replaced: a string, or a list for checkboxes."""
    kept = [(name, value) for name, value in fields if name not in values]
    for name, value in values.items():
        many = isinstance(value, list | tuple)
        kept += [(name, str(v)) for v in value] if many else [(name, value)]
    return kept


@dataclass
class WebClient:
    """A logged-in browser session (session cookie + CSRF token from each form page)."""

    base_url: str
    email: str
    session: requests.Session = field(default_factory=requests.Session)

    def login(self) -> None:
        page = self.session.get(f"{self.base_url}/accounts/login/", timeout=TIMEOUT)
        assert page.status_code == 200, page.status_code
        fields = replace(form_fields(page.text), username=self.email, password=PASSWORD)
        done = self.session.post(
            f"{self.base_url}/accounts/login/",
            data=fields,
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert done.status_code == 302, f"login of {self.email} answered {done.status_code}"

    def open_form(self, path: str) -> list[tuple[str, str]]:
        """GET a record form page; its fields as the browser holds them."""
        page = self.session.get(f"{self.base_url}{path}", timeout=TIMEOUT)
        assert page.status_code == 200, (path, page.status_code)
        return form_fields(page.text, css_class="record-form")

    def submit(self, path: str, fields: list[tuple[str, str]]) -> requests.Response:
        return self.session.post(
            f"{self.base_url}{path}",
            data=fields,
            headers={"Referer": f"{self.base_url}{path}"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


@dataclass
class ApiClient:
    """A bearer-token client of /api/v1/."""

    base_url: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )
