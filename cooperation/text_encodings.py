"""What a text file that is not UTF-8 is, so that refusing it can say so and say how to convert.

Briefs are imported as UTF-8 (cooperation/text_extraction.py). A file saved as UTF-16 or
UTF-32 (Windows "Unicode" text, with or without a byte order mark) is full of NUL bytes
and used to be called "binary"; one saved in a legacy 8-bit or East Asian encoding
(Windows-1252, Latin-1, Shift_JIS, GB18030, …) was only "not valid UTF-8". Now each is
named, with the iconv command that converts it.

UTF-16/32 are recognised exactly: by their byte order mark, or, without one, by the zero
bytes that Latin-script text leaves in every other (or three of every four) position,
confirmed by decoding the whole file. Legacy encodings are guessed by charset-normalizer,
and only from files long enough to guess from; a short file is called Windows-1252 only
when every byte outside ASCII reads there as a letter or a typographic sign.
"""

from __future__ import annotations

import codecs
import shlex
from dataclasses import dataclass
from pathlib import Path

# Below this many bytes a statistical guess is noise (four bytes "caf\xe9" come out Farsi).
MIN_GUESS_BYTES = 64
_SAMPLE = 64 * 1024
_TYPOGRAPHY = set("“”‘’‚„–—…«»‹›°€£¥§©®™·•¢¤¦¨ª¬¯±²³´µ¶¸¹º¼½¾¿×÷")


@dataclass(frozen=True)
class Encoding:
    codec: str  # Python's name
    label: str  # for people
    iconv: str  # for `iconv -f`
    guessed: bool = False  # from too little text to be sure

    @property
    def wide(self) -> bool:
        return self.codec.startswith(("utf_16", "utf_32"))


_BOMS = (
    (
        codecs.BOM_UTF32_LE,
        Encoding("utf_32", "UTF-32 (little-endian, with a byte order mark)", "UTF-32"),
    ),
    (
        codecs.BOM_UTF32_BE,
        Encoding("utf_32", "UTF-32 (big-endian, with a byte order mark)", "UTF-32"),
    ),
    (
        codecs.BOM_UTF16_LE,
        Encoding("utf_16", "UTF-16 (little-endian, with a byte order mark)", "UTF-16"),
    ),
    (
        codecs.BOM_UTF16_BE,
        Encoding("utf_16", "UTF-16 (big-endian, with a byte order mark)", "UTF-16"),
    ),
)
_BOMLESS = (
    Encoding("utf_32_le", "UTF-32 (little-endian, without a byte order mark)", "UTF-32LE"),
    Encoding("utf_32_be", "UTF-32 (big-endian, without a byte order mark)", "UTF-32BE"),
    Encoding("utf_16_le", "UTF-16 (little-endian, without a byte order mark)", "UTF-16LE"),
    Encoding("utf_16_be", "UTF-16 (big-endian, without a byte order mark)", "UTF-16BE"),
)
# Names people know, by Python codec; anything else is named by its codec.
_LEGACY = {
    "cp1252": ("Windows-1252 (Western European, as Latin-1)", "WINDOWS-1252"),
    "latin_1": ("Latin-1 (ISO-8859-1, Western European)", "ISO-8859-1"),
    "iso8859_15": ("ISO-8859-15 (Western European)", "ISO-8859-15"),
    "cp1250": ("Windows-1250 (Central European)", "WINDOWS-1250"),
    "iso8859_2": ("ISO-8859-2 (Central European)", "ISO-8859-2"),
    "cp1251": ("Windows-1251 (Cyrillic)", "WINDOWS-1251"),
    "koi8_r": ("KOI8-R (Cyrillic)", "KOI8-R"),
    "cp1253": ("Windows-1253 (Greek)", "WINDOWS-1253"),
    "cp1254": ("Windows-1254 (Turkish)", "WINDOWS-1254"),
    "cp1256": ("Windows-1256 (Arabic)", "WINDOWS-1256"),
    "mac_roman": ("Mac OS Roman", "MACINTOSH"),
    "cp932": ("Shift_JIS (Japanese, Windows)", "CP932"),
    "shift_jis": ("Shift_JIS (Japanese)", "SHIFT_JIS"),
    "shift_jis_2004": ("Shift_JIS (Japanese)", "SHIFT_JIS"),
    "shift_jisx0213": ("Shift_JIS (Japanese)", "SHIFT_JIS"),
    "euc_jp": ("EUC-JP (Japanese)", "EUC-JP"),
    "euc_jis_2004": ("EUC-JP (Japanese)", "EUC-JP"),
    "euc_jisx0213": ("EUC-JP (Japanese)", "EUC-JP"),
    "iso2022_jp": ("ISO-2022-JP (Japanese)", "ISO-2022-JP"),
    "gb18030": ("GB18030 (Simplified Chinese)", "GB18030"),
    "gbk": ("GBK (Simplified Chinese)", "GBK"),
    "gb2312": ("GB2312 (Simplified Chinese)", "GB2312"),
    "big5": ("Big5 (Traditional Chinese)", "BIG5"),
    "big5hkscs": ("Big5-HKSCS (Traditional Chinese)", "BIG5-HKSCS"),
    "cp949": ("Windows-949 (Korean)", "CP949"),
    "euc_kr": ("EUC-KR (Korean)", "EUC-KR"),
}


def _plain_text(text: str) -> bool:
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text)


def _decodes(data: bytes, codec: str) -> bool:
    try:
        return _plain_text(data.decode(codec))
    except UnicodeDecodeError:
        return False


def _zero_share(sample: bytes, width: int, offsets: tuple[int, ...]) -> float:
    """Of the code units in `sample`, the share whose bytes at `offsets` are all zero."""
    units = len(sample) // width
    if not units:
        return 0.0
    zero = sum(
        all(sample[i + offset] == 0 for offset in offsets) for i in range(0, units * width, width)
    )
    return zero / units


def wide_unicode(data: bytes) -> Encoding | None:
    """UTF-16 or UTF-32, with a byte order mark or recognisably without one."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:_SAMPLE]
    if b"\x00" not in sample:
        return None  # UTF-8 and legacy text: no NUL bytes, nothing to look at here
    zero_patterns = (
        (4, (2, 3)),  # UTF-32 LE: the high bytes of each unit
        (4, (0, 1)),  # UTF-32 BE
        (2, (1,)),  # UTF-16 LE: the high byte of each Latin-script character
        (2, (0,)),  # UTF-16 BE
    )
    for encoding, (width, offsets) in zip(_BOMLESS, zero_patterns, strict=True):
        if len(data) % width:
            continue
        # Most code units carry zeros where UTF-8 text would have none; then it must decode.
        if _zero_share(sample, width, offsets) >= 0.5 and _decodes(data, encoding.codec):
            return encoding
    # Other scripts (Japanese, Devanagari…) leave fewer zeros: a NUL byte somewhere, the
    # whole file plain text as UTF-16, and the statistical guess agreeing.
    if b"\x00" in data and len(data) >= MIN_GUESS_BYTES and len(data) % 2 == 0:
        guess = legacy_encoding(data)
        if guess is not None and guess.wide and _decodes(data, guess.codec):
            return guess
    return None


def _western(data: bytes) -> bool:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(ch.isalpha() or ch in _TYPOGRAPHY for ch in text if ord(ch) > 127)


# Single-byte encodings of Latin-script languages: where Windows-1252 reads a file as letters
# too, it is the likelier (and iconv from it gives the same letters for most of them).
_LATIN_SINGLE_BYTE = {
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1254", "iso8859_9",
    "cp1257", "iso8859_4", "iso8859_13", "cp1258", "mac_roman", "cp850", "cp437",
}  # fmt: skip


def legacy_encoding(data: bytes) -> Encoding | None:
    """The encoding of a file that is not UTF-8, if it can be told; None if not."""
    if len(data) >= MIN_GUESS_BYTES:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:_SAMPLE]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            candidates = set(best.could_be_from_charset) | {best.encoding}
            if "cp1252" in candidates or (candidates & _LATIN_SINGLE_BYTE and _western(data)):
                return _named("cp1252", best.language)
            return _named(best.encoding, best.language)
    if _western(data):
        return _named("cp1252", "", guessed=True)
    return None


def _named(codec: str, language: str, *, guessed: bool = False) -> Encoding:
    codec = codecs.lookup(codec).name.replace("-", "_")
    for wide in _BOMLESS:
        if wide.codec == codec:
            return wide
    if codec in _LEGACY:
        label, iconv = _LEGACY[codec]
    else:
        iconv = codec.upper().replace("_", "-")
        label = iconv + (f" ({language})" if language and language != "Unknown" else "")
    return Encoding(codec, label, iconv, guessed)


def conversion_hint(encoding: Encoding, filename: str) -> str:
    """How to make a UTF-8 copy: one iconv command, or a text editor's "save as"."""
    path = Path(filename or "brief.txt")
    target = path.with_name(f"{path.stem}-utf8{path.suffix or '.txt'}")
    command = (
        f"iconv -f {encoding.iconv} -t UTF-8 {shlex.quote(path.name)} > {shlex.quote(target.name)}"
    )
    return f"convert it to UTF-8 first, e.g. `{command}`, or save it as UTF-8 from a text editor"
