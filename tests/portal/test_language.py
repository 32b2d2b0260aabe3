"""The portal speaks one language, so it runs without Django's translation machinery.

USE_I18N is off (portal/settings.py): every `gettext` then hands back its message as it
is, instead of looking it up through a catalog chain (about a fifth of a record page's
time). That changes no word only while the catalogs Django would read for LANGUAGE_CODE
translate nothing; a Django upgrade whose en_GB catalog spells a message differently
fails here, and then the setting is worth another look.
"""

from __future__ import annotations

import struct
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.utils.translation import to_locale

_CONTEXT = "\x04"  # msgctxt and msgid are joined by EOT in a .mo file
_PLURAL = "\x00"  # and a message's forms by NUL


def _messages(mo: Path) -> list[tuple[str, str]]:
    """(original, translation) of each entry of a GNU .mo file, as stored."""
    data = mo.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    count, originals, translations = struct.unpack(order + "3I", data[8:20])

    def text(table: int, index: int) -> str:
        start = table + 8 * index
        length, offset = struct.unpack(order + "2I", data[start : start + 8])
        return data[offset : offset + length].decode("utf-8")

    return [(text(originals, i), text(translations, i)) for i in range(count)]


def _catalogs() -> list[Path]:
    """The .mo files a translation for LANGUAGE_CODE would load: Django's own, every
    installed app's and LOCALE_PATHS', for the locale and for its language."""
    locale = to_locale(settings.LANGUAGE_CODE)
    roots = [Path(django.__file__).parent / "conf" / "locale"]
    roots += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    roots += [Path(path) for path in settings.LOCALE_PATHS]
    found = []
    for root in roots:
        for name in {locale, locale.split("_")[0]}:
            found += sorted((root / name / "LC_MESSAGES").glob("*.mo"))
    return found


def test_the_translation_machinery_is_off():
    assert settings.USE_I18N is False


def _changed(mo: Path) -> list[tuple[str, str]]:
    """The entries of `mo` whose translation differs from the message."""
    changed = []
    for original, translated in _messages(mo):
        if not original:
            continue  # the catalog's header
        forms = original.split(_CONTEXT)[-1].split(_PLURAL)
        # A plural entry holds one translation per form the language counts; English
        # counts two, as the message's own singular and plural.
        if translated.split(_PLURAL) != forms:
            changed.append((original, translated))
    return changed


# Without translation a plural is chosen as English does (n == 1 singular, else plural).
_ENGLISH_PLURALS = "nplurals=2; plural=(n != 1);"


def _plural_rule(mo: Path) -> str | None:
    """The catalog header's Plural-Forms rule, spaces as written; None without one."""
    header = dict(_messages(mo)).get("", "")
    for line in header.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "plural-forms":
            return value.strip()
    return None


def test_the_catalogs_for_the_portals_language_translate_nothing():
    catalogs = _catalogs()
    # Django's own en_GB catalogs, and the admin's, are among them: the check reads files,
    # and hundreds of messages in them (it would pass on a reader that found none).
    assert any("contrib/admin/locale/en_GB" in str(mo) for mo in catalogs)
    assert sum(len(_messages(mo)) for mo in catalogs) > 500
    assert {str(mo): _changed(mo) for mo in catalogs if _changed(mo)} == {}
    # And they count plurals as English does, so "0 items" stays "0 items".
    rules = {str(mo): _plural_rule(mo) for mo in catalogs}
    assert {mo: rule for mo, rule in rules.items() if rule not in (None, _ENGLISH_PLURALS)} == {}


def test_a_changed_translation_is_found(tmp_path):
    """A British spelling of a message, or of one plural form, is a difference."""
    mo = tmp_path / "django.mo"
    mo.write_bytes(
        _mo(
            {
                "": "Content-Type: text/plain; charset=UTF-8\n",
                "Organization": "Organisation",
                "Name": "Name",
                "month\x04May": "May",
                "1 item\x00%d items": "1 item\x00%d items",
                "1 color\x00%d colors": "1 color\x00%d colours",
            }
        )
    )
    assert _changed(mo) == [
        ("1 color\x00%d colors", "1 color\x00%d colours"),
        ("Organization", "Organisation"),
    ]
    assert _plural_rule(mo) is None


def test_a_plural_rule_other_than_englishs_is_found(tmp_path):
    mo = tmp_path / "django.mo"
    mo.write_bytes(
        _mo(
            {
                "": "Content-Type: text/plain; charset=UTF-8\n"
                "Plural-Forms: nplurals=2; plural=(n > 1);\n"
            }
        )
    )
    assert _plural_rule(mo) == "nplurals=2; plural=(n > 1);"
    assert _plural_rule(mo) != _ENGLISH_PLURALS


def _mo(entries: dict[str, str]) -> bytes:
    """A little-endian .mo file of these entries, sorted as msgfmt writes them (no hash
    table)."""
    originals = sorted(entries)
    blobs = [key.encode() for key in originals] + [entries[key].encode() for key in originals]
    count, header = len(originals), 28
    offset = header + 16 * count
    tables, body = [], b""
    for blob in blobs:
        tables.append(struct.pack("<2I", len(blob), offset))
        body += blob + b"\x00"
        offset += len(blob) + 1
    return (
        struct.pack("<7I", 0x950412DE, 0, count, header, header + 8 * count, 0, 0)
        + b"".join(tables)
        + body
    )
