"""The records' JSON export and `import_records` (cooperation/exchange/, services/exchange.py):
the demo round-trips into an empty portal, and a bad file changes nothing, in one line."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cooperation.choices import (
    DatePrecision,
    RecommendationStatus,
    ResponseClassification,
    Visibility,
)
from cooperation.exchange import KINDS
from cooperation.exchange.export import stream
from cooperation.models import Excerpt, Recommendation, RecommendationResponse, Source
from cooperation.services import (
    evidence_attach,
    recommendation_response_record,
    recommendation_transition,
    record_set_visibility,
    tracked_update,
)
from cooperation.services.exchange import portal_is_empty
from cooperation.services.identifiers import identifier_add
from tests.factories import (
    TEST_BASIS,
    ActorFactory,
    AgreementFactory,
    ChallengeFactory,
    CuratorFactory,
    DealFactory,
    ExcerptFactory,
    RecommendationFactory,
    SourceFactory,
    TopicFactory,
)
from tests.utils import model_counts, rolled_back


def export_all() -> dict:
    """Everything, as the system (export_records) reads it."""
    querysets = [model.objects.order_by("pk") for model in KINDS.values()]
    return json.loads("".join(stream(None, querysets, internal=True)))


def _local_day(stamp: str) -> str:
    return timezone.localtime(datetime.fromisoformat(stamp)).date().isoformat()


def canonical(document: dict) -> dict:
    """The document without what an import cannot keep (ids, versions, when and by whom
    things were recorded), excerpts and sources named by what they are."""
    sha = {s["id"]: s["sha256"] for s in document["sources"]}
    spans = {e["id"]: (sha[e["source"]], e["start"], e["end"]) for e in document["excerpts"]}

    def cite(cited):
        return None if cited is None else spans[cited["excerpt"]]

    records = []
    for record in document["records"]:
        unkept = ("id", "version", "created_at", "updated_at")
        record = {k: v for k, v in record.items() if k not in unkept}
        record["evidence"] = sorted(
            (cite(e), e["note"], e["quote"], e["source_title"]) for e in record["evidence"]
        )
        # Claims keep their value, rank and basis; who recorded them and when are the
        # import's, their excerpts named by what they are.
        record["claims"] = sorted(
            (
                c["field"],
                json.dumps(c["value"], sort_keys=True),
                c["rank"],
                c["basis"],
                tuple(sorted(spans[e] for e in c["excerpts"])),
                json.dumps(c["citation"], sort_keys=True),
                c["reason"],
            )
            for c in record.get("claims", [])
        )
        for change in record.get("status_history", []):
            if change["happened_on"] is None:  # dated by its recording: the import keeps the day
                change["happened_on"] = _local_day(change["recorded_at"])
                change["happened_on_precision"] = DatePrecision.DAY
            change["evidence"] = cite(change["evidence"])
            del change["recorded_at"], change["changed_by"]
        for response in record.get("responses", []):
            response["evidence"] = cite(response["evidence"])
            del response["recorded_at"], response["recorded_by"]
        records.append(record)
    return {
        "records": sorted(records, key=lambda r: (r["record_type"], r["slug"])),
        "excerpts": sorted(
            (spans[e["id"]], e["exact"], e["prefix"], e["suffix"], e["note"])
            for e in document["excerpts"]
        ),
        "sources": sorted(
            ({k: v for k, v in s.items() if k != "id"} for s in document["sources"]),
            key=lambda s: s["sha256"],
        ),
        "actors": document["actors"],
        "topics": document["topics"],
    }


def import_file(tmp_path, document, *args) -> str:
    path = tmp_path / "export.json"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("import_records", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# -- the demo, there and back -----------------------------------------------------------------


def _follow_up_on_the_demo(curator):
    """What the demo lacks: a timeline beyond `proposed`, a response, an owner, a month."""
    recommendation = Recommendation.objects.order_by("pk").first()
    excerpt = Excerpt.objects.order_by("pk").first()
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.UNDER_REVIEW,
        user=curator,
        note="Taken up by the ministry.",
        happened_on="2025-02",
    )
    recommendation_transition(
        recommendation=recommendation,
        to_status=RecommendationStatus.ACCEPTED,
        user=curator,
        note="Accepted in the joint statement.",
        evidence_excerpt=excerpt,
    )
    recommendation_response_record(
        recommendation=recommendation,
        classification=ResponseClassification.ACCEPTED_WITH_COMMENTS,
        responded_on="2025-03",
        user=curator,
        note="Agreed, with a longer timeline.",
        evidence_excerpt=excerpt,
        evidence_url="https://example.org/action-taken",
    )
    recommendation = Recommendation.objects.get(pk=recommendation.pk)
    tracked_update(
        instance=recommendation,
        user=curator,
        data={"owner": curator, "target_date": "2026-06-01", "target_date_precision": "month"},
        expected_version=None,
        basis=TEST_BASIS,
    )
    agreement = KINDS["agreement"].objects.order_by("pk").first()
    record_set_visibility(record=agreement, user=curator, visibility=Visibility.INTERNAL)


@pytest.mark.django_db(transaction=True)
def test_the_demo_exported_and_imported_into_an_empty_portal_is_the_same(tmp_path):
    call_command("load_demo", stdout=StringIO())
    curator = CuratorFactory(email="curator@example.org", full_name="Chandra Curator")
    _follow_up_on_the_demo(curator)
    before = export_all()
    assert before["format"] == "contours-export" and before["version"] == 1
    assert {r["record_type"] for r in before["records"]} == set(KINDS)

    call_command("flush", interactive=False, verbosity=0)
    assert portal_is_empty()
    CuratorFactory(email="curator@example.org", full_name="Chandra Curator")  # the owner
    output = import_file(tmp_path, before)

    after = export_all()
    assert canonical(after) == canonical(before)
    assert "Imported" in output and "responses" in output
    # Through the services: every written row has its history row.
    response = RecommendationResponse.objects.get()
    assert response.history.count() == 1
    source = Source.objects.get()
    assert source.history.exists() and source.original_file.name == ""


# -- a small world, exported, then undone --------------------------------------------------------


@pytest.fixture
def small_export(db, curator) -> dict:
    """An export of one of each kind (links, evidence, a timeline, a response), taken in a
    savepoint that is rolled back: the portal is empty again, the curator still there."""
    with rolled_back():
        india, space = ActorFactory(slug="india", name="India"), TopicFactory(slug="space")
        source = SourceFactory(title="Brief on space")
        other = SourceFactory(title="Second brief")
        quote = ExcerptFactory(source=source, start=0, end=12)
        closing = ExcerptFactory(source=other, start=14, end=24)
        agreement = AgreementFactory(actors=[india], topics=[space], parties=[india])
        deal = DealFactory(supplier=india, governed_by=[agreement])
        challenge = ChallengeFactory(affects_deals=[deal], affects_agreements=[agreement])
        recommendation = RecommendationFactory(
            addressed_to=[india], addresses=[challenge], owner=curator
        )
        for record in (agreement, deal, challenge, recommendation):
            evidence_attach(record=record, excerpt=quote, user=curator, note="says so")
        identifier_add(user=curator, record=agreement, scheme="unts", value="I:33521")
        identifier_add(
            user=curator, record=deal, scheme="other", value="D-1", url="https://example.org/d1"
        )
        identifier_add(user=curator, actor=india, scheme="wikidata", value="Q668")
        for status in ("under_review", "accepted", "in_progress"):
            recommendation_transition(
                recommendation=recommendation, to_status=status, user=curator, note=status
            )
        recommendation_transition(
            recommendation=recommendation,
            to_status="implemented",
            user=curator,
            note="Done.",
            evidence_excerpt=closing,
            happened_on="2025",
        )
        recommendation_response_record(
            recommendation=recommendation,
            classification=ResponseClassification.ACCEPTED,
            responded_on="2025-01-12",
            user=curator,
        )
        document = export_all()
    assert portal_is_empty()
    return document


def test_a_small_export_imports_into_an_empty_portal(small_export, tmp_path, curator):
    import_file(tmp_path, small_export)
    assert canonical(export_all()) == canonical(small_export)
    recommendation = Recommendation.objects.get()
    assert recommendation.status == RecommendationStatus.IMPLEMENTED
    assert recommendation.owner == curator
    assert list(recommendation.status_changes.values_list("happened_on_precision", flat=True))[
        -1
    ] == (DatePrecision.YEAR)


@pytest.mark.django_db(transaction=True)
def test_tags_travel_by_name_and_meet_a_tag_here_in_any_case(small_export, tmp_path, analyst):
    from cooperation.models import Tag
    from cooperation.services.tags import tag_create

    here = tag_create(user=analyst, name="nato")
    document = _tampered(small_export, lambda d: _recommendation(d).update(tags=["NATO", "Quad"]))
    import_file(tmp_path, document)
    recommendation = Recommendation.objects.get()
    assert sorted(t.name for t in recommendation.tags.all()) == ["Quad", "nato"]
    assert Tag.objects.count() == 2 and here in recommendation.tags.all()
    exported = _recommendation(export_all())
    assert sorted(exported["tags"]) == ["Quad", "nato"]


def test_identifiers_travel_and_a_taken_one_is_a_suggestion(small_export, tmp_path, curator):
    from cooperation.models import Agreement, Deal, Identifier

    agreement = next(r for r in small_export["records"] if r["record_type"] == "agreement")
    assert agreement["identifiers"] == [
        {
            "scheme": "unts",
            "value": "I:33521",
            "url": "https://treaties.un.org/Pages/AdvanceSearch.aspx?tab=UNTS&clang=_en",
        }
    ]
    assert small_export["actors"][0]["identifiers"][0]["value"] == "Q668"
    here = AgreementFactory(title="Held here already")
    identifier_add(user=curator, record=here, scheme="unts", value="I:33521")
    document = _tampered(small_export, lambda d: None)
    output = import_file(tmp_path, document, "--force")
    assert "suggestion:" in output and "Held here already" in output
    imported = Agreement.objects.exclude(pk=here.pk).get()
    assert not imported.spine.identifiers.exists()
    assert Deal.objects.get().spine.identifiers.get().url == "https://example.org/d1"
    assert Identifier.objects.filter(actor__slug="india", value="Q668").exists()


def test_a_malformed_identifier_is_refused(small_export, tmp_path):
    document = _tampered(
        small_export,
        lambda d: d["records"][0].update(identifiers=[{"scheme": "wikidata", "value": "668"}]),
    )
    assert "Q followed by digits" in _refused(tmp_path, document)


def _refused(tmp_path, document, *args) -> str:
    before = model_counts()
    with pytest.raises(CommandError) as caught:
        import_file(tmp_path, document, *args)
    message = str(caught.value)
    assert "\n" not in message and message
    assert model_counts() == before, "a refused import changed the data"
    return message


def _tampered(document: dict, change) -> dict:
    copy = json.loads(json.dumps(document))
    change(copy)
    return copy


def _recommendation(document):
    return next(r for r in document["records"] if r["record_type"] == "recommendation")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(format="something-else"), "not a Contours export"),
        (lambda d: d.update(version=2), "version 2"),
        (lambda d: d.pop("sources"), "“sources” must be a list"),
        (lambda d: d["sources"][0].update(text=d["sources"][0]["text"] + "!"), "SHA-256"),
        (lambda d: d["excerpts"][0].update(exact="not what it says"), "its quote is not at"),
        (lambda d: d["excerpts"].pop(), "which the file does not hold"),
        (lambda d: d["sources"].pop(), "which the file does not hold"),
        (lambda d: d["actors"].clear(), "names actor 'india'"),
        (lambda d: _recommendation(d).update(addresses=["no-such-challenge"]), "no-such"),
        (lambda d: _recommendation(d).update(status="rejected"), "ends at 'implemented'"),
        (lambda d: _recommendation(d).update(status_history=[]), "“status_history” is empty"),
        (lambda d: _recommendation(d).update(priority="urgentest"), "priority"),
        (lambda d: _recommendation(d)["responses"][0].update(classification="x"), "x"),
        (lambda d: _recommendation(d).update(target_date="2025-13"), "not a date"),
        (lambda d: _recommendation(d).update(record_type="memo"), "unknown record_type"),
        (lambda d: _recommendation(d).update(addresses="one"), "must be a list"),
        (lambda d: d["records"].append(dict(d["records"][0])), "appears twice"),
        (lambda d: _recommendation(d).update(tags="nato"), "list of tag names"),
        (lambda d: _recommendation(d).update(tags=["<b>"]), "tag '<b>'"),
        (lambda d: _recommendation(d).update(tags=["x" * 41]), "40 characters"),
        (lambda d: _recommendation(d).update(claims=[{"field": ["priority"]}]), "one of its facts"),
    ],
)
def test_a_tampered_or_broken_file_is_refused_in_one_line_and_changes_nothing(
    small_export, tmp_path, change, said
):
    message = _refused(tmp_path, _tampered(small_export, change))
    assert said in message


def test_a_late_refusal_undoes_every_earlier_write(small_export, tmp_path):
    # The last status move is one the services refuse: sources, excerpts and the other
    # records were written before it; none of them stays.
    broken = _tampered(
        small_export, lambda d: _recommendation(d)["status_history"][-1].update(evidence=None)
    )
    message = _refused(tmp_path, broken)
    assert "needs evidence" in message and "recommendation" in message
    assert portal_is_empty()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("not json at all", "is not JSON (line 1"),
        ("[1, 2]", "not a Contours export"),
        ('{"format": "contours-export", "version": 1}', "“records” must be a list"),
        ("", "is not JSON"),
        # What json.loads raises besides JSONDecodeError: a number past int()'s digit limit,
        # nesting past the recursion limit.
        ('{"format": ' + "9" * 5000 + "}", "holds a number too long to read"),
        ("[" * 100_000 + "]" * 100_000, "nests its JSON too deeply"),
    ],
)
def test_what_is_not_an_export_is_refused(db, tmp_path, text, said):
    assert said in _refused(tmp_path, text)


def test_bytes_that_are_not_utf8_are_refused(db, tmp_path):
    path = tmp_path / "export.json"
    path.write_bytes(b'{"format": "\xc3("}')
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_records", str(path), stdout=StringIO())


def test_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_records", str(tmp_path / "absent.json"), stdout=StringIO())


def test_a_portal_that_holds_records_is_refused_unless_forced(small_export, tmp_path, curator):
    AgreementFactory(slug="already-here")
    message = _refused(tmp_path, small_export)
    assert "--force" in message
    import_file(tmp_path, small_export, "--force")
    assert KINDS["agreement"].objects.count() == 2


def test_forcing_still_refuses_a_slug_already_taken(small_export, tmp_path):
    import_file(tmp_path, small_export)
    message = _refused(tmp_path, small_export, "--force")
    assert "slug" in message


def test_an_owner_unknown_here_is_left_empty_with_a_warning(small_export, tmp_path):
    document = _tampered(small_export, lambda d: _recommendation(d).update(owner="x@nowhere.org"))
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document))
    err = StringIO()
    call_command("import_records", str(path), stdout=StringIO(), stderr=err)
    assert "x@nowhere.org" in err.getvalue()
    assert Recommendation.objects.get().owner is None


# -- export_records --------------------------------------------------------------------------


def test_export_records_writes_the_document_and_refuses_to_overwrite(db, tmp_path, curator):
    AgreementFactory(slug="one")
    RecommendationFactory(slug="two")
    path = tmp_path / "out.json"
    call_command("export_records", str(path), "--kind", "agreement", stdout=StringIO())
    document = json.loads(path.read_text())
    assert [r["slug"] for r in document["records"]] == ["one"]
    with pytest.raises(CommandError, match="exists"):
        call_command("export_records", str(path), stdout=StringIO())
    call_command("export_records", str(path), "--force", stdout=StringIO())
    assert {r["slug"] for r in json.loads(path.read_text())["records"]} == {"one", "two"}


def test_a_new_spec_field_is_exported_without_naming_it(db, curator):
    """The columns come from cooperation/fieldspec.py: every field of each kind's spec."""
    from cooperation.fieldspec import SPECS

    RecommendationFactory(slug="r")
    AgreementFactory(slug="a")
    for record in export_all()["records"]:
        model = KINDS[record["record_type"]]
        assert set(SPECS[model].names()) <= set(record)
