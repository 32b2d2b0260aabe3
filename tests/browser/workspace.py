"""A workspace as people use it, for the accessibility checks and the README's screenshots.

The demo brief and every record curated from it (`load_demo`'s loader), then what a few
months of work adds on top, all through the services: recommendations moved along their
statuses (a timeline each), an open proposal, an addressee's response, an owner, notes
with replies and @mentions (and so notifications), a watched record, an edited record
(history with differences), one in the trash, a finished import job. Dates are fixed, so
the screenshots show the same workspace every time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from accounts.services import api_token_create, user_update
from cooperation.choices import (
    RecommendationStatus,
    ResponseClassification,
)
from cooperation.importers.demo import DemoLoader
from cooperation.models import (
    Agreement,
    Annotation,
    Challenge,
    Deal,
    Excerpt,
    Job,
    Recommendation,
    RecordEvidence,
    Source,
    StatusProposal,
)
from cooperation.provenance import Basis
from cooperation.services import (
    annotation_create,
    annotation_resolve,
    recommendation_response_record,
    recommendation_transition,
    record_publish,
    status_proposal_create,
    tracked_delete,
    tracked_update,
)
from cooperation.services.jobs import import_job_create
from cooperation.services.notifications import watch_toggle
from cooperation.services.saved_views import saved_view_create
from cooperation.services.tags import record_tags_change, tag_create
from tests.factories import AgreementFactory, AnalystFactory, CuratorFactory, PartnerFactory

S = RecommendationStatus

# Each recommendation's moves after the talk (21 November 2024): (status, when, why).
TIMELINES = [
    [
        (S.UNDER_REVIEW, "2025-01", "Taken up by the joint working group."),
        (S.ACCEPTED, "2025-03-14", "Agreed at the 2+2 dialogue."),
        (S.IN_PROGRESS, "2025-06", "Pilot funded for two years."),
    ],
    [
        (S.UNDER_REVIEW, "2025-02", "On the agenda of the annual summit."),
        (S.DEFERRED, "2025-09", "Waiting for the new budget cycle."),
    ],
    [
        (S.UNDER_REVIEW, "2025", "Raised by the think-tank dialogue."),
        (S.REJECTED, "2025-11-02", "Judged out of scope by both ministries."),
    ],
    [(S.UNDER_REVIEW, "2025-04", "Referred to the ministries for comment.")],
]


@dataclass
class Workspace:
    """What was built, for filling URL arguments and choosing what to show."""

    analyst: object
    curator: object
    partner: object
    source: Source
    excerpt: Excerpt
    records: dict[str, object]
    links: dict[str, RecordEvidence]
    note: Annotation
    proposal: StatusProposal
    trashed: Agreement
    job: Job
    # More objects by URL-name prefix ("tag": a tag), for pages added later: a `<slug>` or
    # `<int:pk>` of a `tag_…` URL is filled from extra["tag"].
    extra: dict = field(default_factory=dict)

    def pk_of(self, prefix: str) -> int:
        """The object a `<int:pk>` URL of the `<prefix>_…` pattern names."""
        if prefix in self.extra:
            return self.extra[prefix].pk
        return {
            "source": self.source.pk,
            "annotation": self.note.pk,
            "proposal": self.proposal.pk,
            "excerpt": self.excerpt.pk,
            "trash": self.trashed.pk,
            "job": self.job.pk,
        }[prefix]


def build_workspace() -> Workspace:
    analyst = AnalystFactory(email="aiko@example.org", full_name="Aiko Analyst")
    curator = CuratorFactory(email="chandra@example.org", full_name="Chandra Curator")
    partner = user_update(
        user=PartnerFactory(email="priya@example.org", full_name="Priya Partner"),
        data={"is_org_admin": True},
    )
    api_token_create(user=partner, name="Nightly mirror", actor=partner)
    DemoLoader(user=curator).run()
    source = Source.objects.get()
    excerpts = list(Excerpt.objects.filter(source=source).order_by("start"))

    recommendations = list(Recommendation.objects.order_by("pk"))
    featured = recommendations[0]
    # The analyst follows the featured one: its moves below become notifications.
    watch_toggle(user=analyst, record=featured, watch=True)
    tracked_update(
        instance=featured,
        user=curator,
        data={"owner": analyst, "target_date": datetime.date(2026, 12, 31)},
        expected_version=featured.version,
        reason="Owner and target set",
        basis=Basis.judgement("Agreed at the working group's meeting"),
    )
    for recommendation, moves in zip(recommendations, TIMELINES, strict=False):
        for status, when, why in moves:
            closing = status in (S.IMPLEMENTED, S.REJECTED)
            recommendation_transition(
                recommendation=recommendation,
                to_status=status,
                user=curator,
                note=why,
                happened_on=when,
                evidence_url="https://www.mea.gov.in/bilateral-documents.htm" if closing else "",
            )
    recommendation_response_record(
        recommendation=featured,
        classification=ResponseClassification.ACCEPTED_WITH_COMMENTS,
        responded_on="2025-05",
        user=curator,
        note="The ministry accepts, funding permitting.",
    )
    proposed = recommendations[3]
    proposal = status_proposal_create(
        recommendation=proposed,
        to_status=S.ACCEPTED,
        user=analyst,
        note="The ministries answered; both support it.",
        evidence_excerpt=excerpts[2],
    )

    # Published records: what partners read.
    for model in (Agreement, Deal, Challenge):
        for record in model.objects.order_by("pk")[:3]:
            record_publish(record=record, user=curator)
    record_publish(record=featured, user=curator)

    # Notes: a thread with mentions both ways, a resolved one, a note on an excerpt.
    note = annotation_create(
        author=analyst,
        body=(
            "Is the **pilot** funded beyond 2026? @chandra, the budget papers say two years only."
        ),
        record=featured,
    )
    annotation_create(
        author=curator,
        body="Two years, renewable. @aiko, please add the ministry's note as evidence.",
        parent=note,
    )
    challenge = Challenge.objects.order_by("pk").first()
    done = annotation_create(
        author=curator, body="Severity checked against the 2025 review.", record=challenge
    )
    annotation_resolve(annotation=done, user=curator)
    annotation_create(
        author=analyst,
        body="This passage is the talk's *only* figure for the corridor.",
        excerpt=excerpts[5],
    )

    # An edit, so a record's history has differences to show.
    agreement = Agreement.objects.order_by("pk").first()
    tracked_update(
        instance=agreement,
        user=analyst,
        data={"summary": agreement.summary + " Renewed in 2025 for five more years."},
        expected_version=agreement.version,
        reason="Renewal added",
    )
    agreement.refresh_from_db()

    trashed = tracked_delete(
        instance=AgreementFactory(user=analyst, title="Duplicate: space situational awareness"),
        user=curator,
    )
    job = import_job_create(
        user=curator,
        data=b"India-Japan: a second brief.\n\nOn critical minerals.\n",
        filename="second-brief.txt",
        metadata={"title": "A second brief"},
    )

    # Tags on a few recommendations: the lists and record pages show them as links.
    quad, follow_up = (tag_create(user=analyst, name=n) for n in ("Quad", "Follow up"))
    for recommendation, tags in zip(
        Recommendation.objects.order_by("pk"),
        ([quad, follow_up], [quad], [follow_up]),
        strict=False,
    ):
        record_tags_change(record=recommendation, user=analyst, add=tags)

    # Saved views: the analyst's own, and one a colleague shares with the team.
    saved_view_create(
        user=analyst, list_key="recommendation", name="Open, high priority", query="status=open"
    )
    saved_view_create(
        user=curator, list_key="deal", name="Stalled deals", query="status=stalled", shared=True
    )

    records = {
        "agreement": agreement,
        "deal": Deal.objects.order_by("pk").first(),
        "challenge": challenge,
        "recommendation": Recommendation.objects.get(pk=featured.pk),
    }
    links = {kind: record.evidence_links.order_by("pk").first() for kind, record in records.items()}
    return Workspace(
        analyst=analyst,
        curator=curator,
        partner=partner,
        source=source,
        excerpt=excerpts[5],
        records=records,
        links=links,
        note=note,
        proposal=proposal,
        trashed=trashed,
        job=job,
    )


def give_basis(page, reason: str = "Test data") -> None:
    """Say, in a record form's basis fieldset, that the facts set rest on a judgement."""
    basis = page.get_by_role("group", name="Basis for the facts you set or change")
    basis.get_by_role("radio", name="Analyst judgement").check()
    basis.get_by_label("Your reason (judgement)").fill(reason)
