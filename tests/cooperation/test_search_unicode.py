"""Search folds Unicode alike on both sides and on both databases (cooperation/search_text.py).

A text written with typographic dashes, full-width letters, ligatures or another case is
found by the plain query, and the other way round, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from cooperation.models import Actor, Agreement, Annotation, Excerpt, Source
from cooperation.search import search
from cooperation.search_text import fold
from cooperation.services import annotation_create
from tests.conftest import DB_EXAMPLES
from tests.factories import ActorFactory, AgreementFactory, ExcerptFactory, SourceFactory
from tests.utils import rolled_back

DASHES = [chr(c) for c in range(0x2010, 0x2016)] + ["\u2212"]
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00"}
ASCII_TEXT = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.,"),
    max_size=40,
)


@st.composite
def disguised(draw, text: str) -> str:
    """`text` as a typesetter might have written it: same words, other code points."""
    for plain, ligature in LIGATURES.items():
        if plain in text and draw(st.booleans()):
            text = text.replace(plain, ligature)
    out = []
    for char in text:
        how = draw(st.sampled_from(["keep", "swapcase", "wide"]))
        if char == "-":
            out.append(draw(st.sampled_from(["-", *DASHES])))
        elif how == "swapcase":
            out.append(char.swapcase())
        elif how == "wide" and "!" <= char <= "~":
            out.append(chr(ord(char) - 0x21 + 0xFF01))  # the full-width form
        else:
            out.append(char)
    return "".join(out)


@given(st.data(), ASCII_TEXT)
def test_folding_ignores_how_the_same_text_was_typeset(data, text):
    assert fold(data.draw(disguised(text))) == fold(text)


@given(st.text())
def test_folding_is_idempotent_and_never_keeps_a_nul(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert "\x00" not in folded
    assert not any(dash in folded for dash in DASHES)


def test_the_named_cases():
    assert fold("India–Japan ＳＥＭＩＣＯＮＤＵＣＴＯＲ ﬁnance Straße") == (
        "india-japan semiconductor finance strasse"
    )


# Words that are no stop word in any language PostgreSQL knows, made of plain letters.
WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8).map(lambda w: "zq" + w)
TERM = st.lists(WORD, min_size=1, max_size=3).map("-".join)


@pytest.mark.django_db
@DB_EXAMPLES
@given(data=st.data(), term=TERM)
def test_a_record_is_found_whichever_way_either_side_was_typeset(data, term):
    stored, query = data.draw(disguised(term)), data.draw(disguised(term))
    with rolled_back():
        agreement = AgreementFactory(title=f"Talks on {stored}", summary="")
        AgreementFactory(title="Unrelated", summary="")
        found = list(search(Agreement.objects.all(), query).values_list("pk", flat=True))
        assert found == [agreement.pk], (stored, query)


@pytest.mark.django_db
def test_every_searchable_kind_folds_what_it_stores(analyst):
    source = SourceFactory(
        title="ﬁsheries", text="Ｍａｒｉｔｉｍｅ co‐operation in the Indo–Pacific."
    )
    excerpt = ExcerptFactory(source=source, start=0, end=10, note="Ｎｏｔｅ")
    actor = ActorFactory(name="ＱＵＡＤ", description="Quad‑group")
    agreement = AgreementFactory(title="Chips", summary="Ｓｅｍｉ‐conductors")
    note = annotation_create(author=analyst, body="Ｒｅｖｉｅｗ ﬁrst", record=agreement)
    cases = [
        (Source, "fisheries", source),
        (Source, "indo-pacific", source),
        (Source, "co-operation", source),
        (Excerpt, "maritime", excerpt),
        (Excerpt, "note", excerpt),
        (Actor, "quad-group", actor),
        (Actor, "quad", actor),
        (Agreement, "SEMI–CONDUCTORS", agreement),
        (Annotation, "review first", note),
    ]
    for model, query, expected in cases:
        assert list(search(model.objects.all(), query)) == [expected], (model, query)


@pytest.mark.django_db
def test_the_migration_folds_documents_stored_before_it():
    agreement = AgreementFactory(title="Ｊａｐａｎ–India", summary="ﬁnance")
    Agreement.objects.filter(pk=agreement.pk).update(search_a="", search_b="")
    assert not search(Agreement.objects.all(), "japan-india").exists()

    migration = importlib.import_module("cooperation.migrations.0009_feed_search_folded")
    migration.fold_existing(apps, None)

    row = Agreement.objects.get(pk=agreement.pk)
    assert (row.search_a, row.search_b) == ("japan-india", "finance")
    assert list(search(Agreement.objects.all(), "Japan‐India")) == [row]
