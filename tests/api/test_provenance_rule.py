"""`provenance_from_claims` (the claim a record shows for each field) against the rule as
the module doc states it, written the plain way: for any set of claims, the same entries,
keys in the same order, and a page's claims left as they were."""

from __future__ import annotations

import copy
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from cooperation.api.provenance import provenance_from_claims
from cooperation.choices import ClaimRank

FIELDS = ("addressed_to", "priority", "status", "target_date")
RANKS = tuple(rank.value for rank in ClaimRank)


def _stated_rule(claims: list[dict]) -> dict:
    """The preferred claim of each field; while none is and the live claims disagree, the
    newest (highest id), flagged disputed; otherwise (cleared, or all agreeing with none
    preferred) nothing. Deprecated claims count but are never shown."""
    by_field = defaultdict(list)
    for claim in claims:
        by_field[claim["field"]].append(claim)
    out = {}
    for name, rows in sorted(by_field.items()):
        live = [c for c in rows if c["rank"] != ClaimRank.DEPRECATED]
        preferred = next((c for c in live if c["rank"] == ClaimRank.PREFERRED), None)
        disputed = preferred is None and len({repr(c["value"]) for c in live}) > 1
        if preferred is not None:
            shown = preferred
        elif disputed:
            shown = max(live, key=lambda c: c["id"])
        else:
            continue
        entry = {k: v for k, v in shown.items() if k != "field"}
        entry["disputed"] = disputed
        entry["claims"] = len(rows)
        out[name] = entry
    return out


_claim = st.fixed_dictionaries(
    {
        "field": st.sampled_from(FIELDS),
        "value": st.one_of(st.sampled_from(["low", "high"]), st.lists(st.integers(1, 3))),
        "rank": st.sampled_from(RANKS),
    }
)


@st.composite
def _claims(draw) -> list[dict]:
    drawn = draw(st.lists(_claim, max_size=8))
    # In any order (claims_json_sql's is by field, then rank); the ids unique.
    ids = draw(
        st.lists(st.integers(1, 10_000), min_size=len(drawn), max_size=len(drawn), unique=True)
    )
    claims = [
        {
            "id": pk,
            "field": claim["field"],
            "value": claim["value"],
            "rank": claim["rank"],
            "basis": "brief",
            "excerpts": [pk + 1],
            "citation": None,
            "reason": "",
            "author": None,
            "created": "2026-01-02T03:04:05Z",
        }
        for pk, claim in zip(ids, drawn, strict=True)
    ]
    return draw(st.permutations(claims))


@settings(max_examples=300, deadline=None)
@given(_claims())
def test_the_shown_claims_follow_the_stated_rule(claims):
    before = copy.deepcopy(claims)

    shown = provenance_from_claims(claims)

    expected = _stated_rule(before)
    assert shown == expected
    assert list(shown) == list(expected)
    assert all(list(shown[name]) == list(expected[name]) for name in shown)
    assert claims == before  # the claims, which the document also shows, are untouched


def test_each_branch_of_the_rule():
    def claim(pk, field, value, rank):
        return {"id": pk, "field": field, "value": value, "rank": rank, "excerpts": []}

    preferred, normal, deprecated = ClaimRank.PREFERRED, ClaimRank.NORMAL, ClaimRank.DEPRECATED
    shown = provenance_from_claims(
        [
            claim(1, "a_one_preferred", "x", preferred),
            claim(2, "b_one_normal", "x", normal),
            claim(3, "c_one_deprecated", "x", deprecated),
            claim(4, "d_disputed", "x", normal),
            claim(5, "d_disputed", "y", normal),
            claim(6, "d_disputed", "z", deprecated),
            claim(7, "e_agreeing", "x", normal),
            claim(8, "e_agreeing", "x", normal),
            claim(9, "f_resolved", "x", normal),
            claim(10, "f_resolved", "y", preferred),
        ]
    )
    assert list(shown) == ["a_one_preferred", "d_disputed", "f_resolved"]
    assert shown["a_one_preferred"] == {
        "id": 1,
        "value": "x",
        "rank": preferred,
        "excerpts": [],
        "disputed": False,
        "claims": 1,
    }
    assert (shown["d_disputed"]["id"], shown["d_disputed"]["disputed"]) == (5, True)
    assert shown["d_disputed"]["claims"] == 3
    assert (shown["f_resolved"]["id"], shown["f_resolved"]["disputed"]) == (10, False)
