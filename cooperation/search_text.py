"""The one normalisation search applies, to stored documents and to queries alike.

Written in Python, not SQL, so SQLite and PostgreSQL compare the very same strings:
a document is folded when it is saved (`cooperation.models.search.Searchable`), a
query when it is run (`cooperation.search.search`), and a migration folds what was
stored before.
"""

from __future__ import annotations

import unicodedata

# U+2010 hyphen … U+2015 horizontal bar, and U+2212 minus sign, read as ASCII '-'.
# (NFKC already turns U+2011, the non-breaking hyphen, into U+2010; U+FE58, U+FE63 and
# U+FF0D, the small and full-width hyphen-minus, into '-' or U+2014.)
_DASHES = str.maketrans(dict.fromkeys([*map(chr, range(0x2010, 0x2016)), "\u2212"], "-"))


def fold(text: str | None) -> str:
    """NFKC (full-width forms, ligatures such as 'ﬁ'), dashes as '-', case folded.

    Folding case can produce text that is not NFKC any more (and NFKC text whose
    case folds further), so both are applied until neither changes anything.
    NUL, which PostgreSQL text cannot hold, becomes a space.
    """
    if not text:
        return ""
    folded = text.replace("\x00", " ")
    for _ in range(4):  # two rounds settle every string tried; the bound is a guard
        step = unicodedata.normalize("NFKC", folded).translate(_DASHES).casefold()
        if step == folded:
            break
        folded = step
    return folded
