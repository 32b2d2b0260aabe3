"""External identifiers: each scheme's form, normalisation and link, in one place.

- wikidata: an item id, `Q` and digits (`Q668`); `q668` is read as `Q668`.
  Link: https://www.wikidata.org/wiki/Q668.
- unts: a UN Treaty Series registration number, a Roman numeral (I: registered,
  II: filed and recorded), a colon and a serial number (`I:33521`, `II:965`;
  docs/shared REFERENCES). Link: the UN Treaty Collection's search for that number
  (the Collection has no stable public page per registration number, so the link
  opens its search, where the number is entered).
- sipri: a SIPRI trade register deal id. The register publishes no per-deal id or page,
  so the value is the analyst's reference (letters, digits, `-`, `/`, `.`, up to 40) and
  the link is the register's own page.
- other: any identifier, with an http(s) URL that names the thing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from cooperation.choices import IdentifierScheme

WIKIDATA_RE = re.compile(r"Q[1-9][0-9]{0,11}")
UNTS_RE = re.compile(r"(I|II):([1-9][0-9]{0,6})")
SIPRI_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,39}")
SIPRI_REGISTER_URL = "https://armstransfers.sipri.org/ArmsTransfer/TransferRegister"
UNTS_SEARCH_URL = "https://treaties.un.org/Pages/AdvanceSearch.aspx?tab=UNTS&clang=_en"
VALUE_MAX = 100

EXPECTED = {
    IdentifierScheme.WIKIDATA: "a Wikidata item id: Q followed by digits, e.g. Q668",
    IdentifierScheme.UNTS: (
        "a UN Treaty Series registration number: I or II, a colon and the serial "
        "number, e.g. I:33521 or II:965"
    ),
    IdentifierScheme.SIPRI: (
        "a SIPRI trade register reference: letters, digits, '-', '/' or '.', up to 40"
    ),
    IdentifierScheme.OTHER: "any identifier up to 100 characters, with an http(s) URL",
}


def scheme_label(scheme: str) -> str:
    try:
        return str(IdentifierScheme(scheme).label)
    except ValueError:
        return scheme


def clean_identifier(scheme: str, value: str, url: str = "") -> tuple[str, str, str]:
    """(scheme, value, url) normalised, or ValidationError naming the expected form.

    `url` is kept only for "other"; for the other schemes the link is derived.
    """
    scheme = (scheme or "").strip().lower()
    if scheme not in IdentifierScheme.values:
        names = ", ".join(IdentifierScheme.values)
        raise ValidationError(
            {"scheme": f"Unknown identifier scheme “{scheme}”; use one of {names}."}
        )
    value = (value or "").strip()
    url = (url or "").strip()
    if scheme == IdentifierScheme.WIKIDATA:
        value = value.upper()
        if not WIKIDATA_RE.fullmatch(value):
            raise ValidationError({"value": f"Wikidata: expected {EXPECTED[scheme]}."})
        return scheme, value, ""
    if scheme == IdentifierScheme.UNTS:
        value = value.upper().replace(" ", "")
        if not UNTS_RE.fullmatch(value):
            raise ValidationError({"value": f"UN Treaty Series: expected {EXPECTED[scheme]}."})
        return scheme, value, ""
    if scheme == IdentifierScheme.SIPRI:
        if not SIPRI_RE.fullmatch(value):
            raise ValidationError({"value": f"SIPRI: expected {EXPECTED[scheme]}."})
        return scheme, value, ""
    if not value or len(value) > VALUE_MAX or any(c in value for c in "\r\n\t"):
        raise ValidationError({"value": f"Other: expected {EXPECTED[scheme]}."})
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise ValidationError(
            {"url": "Other: give the http(s) URL where this identifier is defined."}
        )
    return scheme, value, url


def link_for(scheme: str, value: str, url: str = "") -> str:
    """Where the identifier leads."""
    if scheme == IdentifierScheme.WIKIDATA:
        return f"https://www.wikidata.org/wiki/{value}"
    if scheme == IdentifierScheme.UNTS:
        return UNTS_SEARCH_URL
    if scheme == IdentifierScheme.SIPRI:
        return SIPRI_REGISTER_URL
    return url


def parse_filter(text: str) -> tuple[str, str]:
    """`<scheme>:<value>` from a filter parameter, normalised; ValidationError (one message)
    if malformed. For "other" the value is matched as given."""
    scheme, sep, value = (text or "").partition(":")
    if not sep or not value:
        raise ValidationError(
            "Expected <scheme>:<value>, e.g. wikidata:Q668 (schemes: "
            + ", ".join(IdentifierScheme.values)
            + ")."
        )
    try:
        if scheme.strip().lower() == IdentifierScheme.OTHER:
            return IdentifierScheme.OTHER, value.strip()
        scheme, value, _ = clean_identifier(scheme, value, "")
    except ValidationError as exc:
        raise ValidationError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from None
    return scheme, value
