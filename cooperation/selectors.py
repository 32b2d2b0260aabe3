"""Reads: what pages, the admin and commands ask of the database."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.roles import INTERNAL_ROLES, PARTNER
from cooperation.choices import (
    CLOSED_RECOMMENDATION_STATUSES,
    RANKS,
    AnnotationVisibility,
    ProposalState,
    RecommendationStatus,
    Severity,
    Visibility,
)
from cooperation.models import (
    RECORD_MODELS,
    Actor,
    Annotation,
    Challenge,
    Excerpt,
    Notification,
    Recommendation,
    Record,
    RecordEvidence,
    Source,
    StatusProposal,
    Tag,
    Topic,
    Watch,
)
from cooperation.permissions import portal, sees_internal

# Titles at least this similar (0–1, after normalising) are offered as possible duplicates.
DUPLICATE_SIMILARITY = 0.88
_NOISE = re.compile(r"[^a-z0-9 ]+")
_STOPWORDS = {"the", "a", "an", "of", "for", "and", "on", "concerning", "between", "to", "in"}


def home_summary(user) -> dict:
    """Counts for `user`'s home page, of what `user` may read (never another's private note)."""
    records = []
    for model in RECORD_MODELS:
        counts = records_visible_to(user, model).aggregate(
            total=Count("pk"), published=Count("pk", filter=Q(visibility=Visibility.PUBLISHED))
        )
        meta = model._meta
        records.append(
            {
                "label": meta.verbose_name_plural.capitalize(),
                "total": counts["total"],
                "published": counts["published"],
                "admin_url": reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
            }
        )
    by_status = dict(
        records_visible_to(user, Recommendation)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "records": records,
        "recommendation_statuses": [
            {"value": value, "label": label, "count": by_status.get(value, 0)}
            for value, label in RecommendationStatus.choices
        ],
        "sources": sources_visible_to(user)
        .annotate(excerpt_count=Count("excerpts", filter=Q(excerpts__deleted_at__isnull=True)))
        .order_by("-published_on", "title")[:20],
        "actors": Actor.objects.count(),
        "topics": Topic.objects.count(),
        "annotations": annotations_visible_to(user).count(),
    }


def annotations_visible_to(user, queryset=None):
    """The notes `user` may read: everything but other people's private notes.

    Partners see only notes marked for partners, and of those only their own
    organisation's threads, threads a curator shared with it, and staff threads
    open to every partner organisation or shared with theirs (`partner_note_audience`).
    """
    queryset = Annotation.objects.all() if queryset is None else queryset
    if not sees_internal(user):
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        return queryset.filter(
            partner_note_audience(user.organisation_id),
            visibility=AnnotationVisibility.PARTNERS,
        )
    return queryset.exclude(~Q(author=user), visibility=AnnotationVisibility.PRIVATE)


def visible_note_count(user, *, on: str):
    """How many live notes `user` may read on the outer row, as an expression to annotate
    with: `on` is the Annotation field pointing at that row ("excerpt"). The same rule as
    `annotations_visible_to`, so a count never counts a note the reader may not open."""
    notes = (
        annotations_visible_to(user)
        .filter(**{on: OuterRef("pk")})
        .order_by()
        .values(on)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(notes, output_field=IntegerField()), 0)


def partner_note_audience(organisation_id: int | None) -> Q:
    """Which partners-visible notes a member of `organisation_id` reads (a Q on Annotation).

    Its own organisation's notes; notes shared with it; staff notes (no
    organisation) shared with nobody in particular, i.e. open to every partner.
    """
    shares = Annotation.shared_with.through.objects.filter(annotation=OuterRef("pk"))
    open_staff_note = Q(organisation__isnull=True) & ~Q(Exists(shares))
    if organisation_id is None:
        return open_staff_note
    return (
        open_staff_note
        | Q(organisation_id=organisation_id)
        | Q(Exists(shares.filter(organisation_id=organisation_id)))
    )


def organisation_partners(user):
    """The partners (and nothing else) of `user`'s organisation: whose tokens its admin
    manages, as permissions.own_organisations_partner states it for one user."""
    if getattr(user, "organisation_id", None) is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(organisation_id=user.organisation_id, is_active=True, groups__name=PARTNER)
        .exclude(groups__name__in=INTERNAL_ROLES)
        .exclude(is_superuser=True)
        .order_by("full_name", "email")
    )


def api_tokens_visible_to(user, *, manager: bool):
    """The tokens the API access page lists: an organisation admin's, every token of their
    organisation's partners; anyone else's, their own."""
    from accounts.models import ApiToken

    tokens = ApiToken.objects.select_related("user")
    if manager:
        return tokens.filter(user__in=organisation_partners(user).values("pk"))
    return tokens.filter(user=user)


def saved_views_visible_to(user, list_key: str | None = None):
    """The saved views `user` may open (("savedview", "open") as SQL): their own, and the
    team's shared ones whose owner is still an active member of the team. Staff only."""
    from cooperation.models import SavedView

    if not portal(user, "workspace"):
        return SavedView.objects.none()
    team = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=INTERNAL_ROLES) | Q(is_superuser=True))
    )
    views = SavedView.objects.filter(
        Q(owner=user) | Q(shared=True, owner__in=team.values("pk"))
    ).select_related("owner")
    return views.filter(list_key=list_key) if list_key else views


def internal_users():
    """Active analysts, curators and admins: who may own a recommendation."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=INTERNAL_ROLES) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )


def normalised_title(title: str) -> str:
    words = _NOISE.sub(" ", title.casefold().replace("-", " ")).split()
    return " ".join(w for w in words if w not in _STOPWORDS)


@dataclass(frozen=True)
class DuplicateCandidate:
    first: Record
    second: Record
    similarity: float


def duplicate_candidates(model: type[Record], *, threshold: float = DUPLICATE_SIMILARITY):
    """Pairs of live records of one kind whose titles read as the same thing.

    Quadratic in the number of records of a kind, which is fine for curation
    lists of thousands; exact normalised matches are found first, cheaply.
    """
    records = list(model.objects.only("pk", "title", "slug").order_by("pk"))
    keys = [(record, normalised_title(record.title)) for record in records]
    pairs = []
    for i, (first, first_key) in enumerate(keys):
        for second, second_key in keys[i + 1 :]:
            if first_key == second_key:
                score = 1.0
            else:
                score = difflib.SequenceMatcher(None, first_key, second_key).ratio()
            if score >= threshold:
                pairs.append(DuplicateCandidate(first, second, round(score, 3)))
    return sorted(pairs, key=lambda p: -p.similarity)


def annotations_on(target, user):
    """The live and deleted notes on a record or an excerpt that `user` may read, oldest first.

    Deleted notes are included so a thread keeps its shape: a page shows them as
    "deleted" where they still have replies, and leaves them out otherwise.
    """
    notes = Annotation.all_objects.select_related("author", "resolved_by").prefetch_related("tags")
    if target._meta.model_name == "excerpt":
        notes = notes.filter(excerpt=target, spine__isnull=True)
    else:
        notes = notes.filter(spine_id=target.spine_id)
    return annotations_visible_to(user, notes).order_by("created_at", "pk")


def edited_annotation_ids(ids) -> set[int]:
    """Which of these notes were edited after they were written (one query on history)."""
    return set(
        Annotation.history.filter(id__in=list(ids), history_change_reason="Edited")
        .order_by()
        .values_list("id", flat=True)
        .distinct()
    )


# -- dashboard (cooperation/views/dashboard.py) ----------------------------------------------
# Each function costs a fixed number of queries, whatever the amount of data.

DASHBOARD_LIMIT = 10
_SEVERITY_RANK = {value: -rank for value, rank in RANKS[Severity].items()}  # most severe first


def _breakdown_field(model) -> str:
    """The field a kind's card breaks its count down by: status, or severity for challenges."""
    return "status" if any(f.name == "status" for f in model._meta.fields) else "severity"


def attested_by(queryset, sources):
    """The records of `queryset` that cite a live excerpt of any of `sources` (ids or rows)
    through live evidence: what a brief contributes to the corpus."""
    if not sources:
        return queryset
    links = RecordEvidence.objects.filter(
        spine_id=OuterRef("spine_id"),
        excerpt__source__in=sources,
        excerpt__deleted_at__isnull=True,
    )
    return queryset.filter(Exists(links))


def attestation(record) -> list[tuple]:
    """The sources a record's live evidence quotes, each with its number of excerpts, in the
    order the evidence is shown: "attested by 3 sources"."""
    counts: dict = {}
    for link in record.evidence_links.all():
        source = link.excerpt.source
        counts[source] = counts.get(source, 0) + 1
    return list(counts.items())


def source_contributions(user, source) -> list[dict]:
    """Per record kind, how many records `user` may read cite `source`, with the list filtered
    to them (one count a kind)."""
    rows = []
    for model in RECORD_MODELS:
        meta = model._meta
        rows.append(
            {
                "label": meta.verbose_name_plural.capitalize(),
                "count": attested_by(records_visible_to(user, model), [source.pk]).count(),
                "url": f"{reverse(f'cooperation:{meta.model_name}_list')}?source={source.pk}",
            }
        )
    return rows


def record_counts(sources=()) -> list[dict]:
    """Per record kind: the total, the count per visibility and per status (one query a kind);
    with `sources`, of the records those briefs attest only."""
    kinds = []
    for model in RECORD_MODELS:
        by = _breakdown_field(model)
        records = attested_by(model.objects.all(), sources)
        rows = records.values_list("visibility", by).annotate(n=Count("pk")).order_by()
        per_visibility: dict[str, int] = {}
        per_status: dict[str, int] = {}
        for visibility, value, n in rows:
            per_visibility[visibility] = per_visibility.get(visibility, 0) + n
            per_status[value] = per_status.get(value, 0) + n
        choices = model._meta.get_field(by).choices
        kinds.append(
            {
                "key": model._meta.model_name,
                "label": model._meta.verbose_name_plural.capitalize(),
                "total": sum(per_visibility.values()),
                "by": by,
                "visibility": [
                    {"value": value, "label": label, "count": per_visibility.get(value, 0)}
                    for value, label in Visibility.choices
                ],
                "statuses": [
                    {"value": value, "label": label, "count": per_status.get(value, 0)}
                    for value, label in choices
                ],
            }
        )
    return kinds


def _answered_by_a_live_recommendation():
    # NOT EXISTS, not NOT IN: PostgreSQL answers NOT IN (subquery) with a hash only while
    # the subquery's rows fit in work_mem; past that (about 100,000 links) it scans the
    # subquery once per challenge, and at 550,000 records the dashboard ran for minutes.
    return Exists(
        Recommendation.addresses.through.objects.filter(
            challenge_id=OuterRef("pk"), recommendation__deleted_at__isnull=True
        )
    )


def unaddressed_challenges(*, limit: int = DASHBOARD_LIMIT, sources=()) -> tuple[int, list]:
    """Live challenges no live recommendation answers, most severe first: (count, first few)."""
    qs = attested_by(Challenge.objects.all(), sources).exclude(_answered_by_a_live_recommendation())
    severity = Case(
        *(When(severity=value, then=Value(rank)) for value, rank in _SEVERITY_RANK.items()),
        default=Value(len(_SEVERITY_RANK)),
        output_field=IntegerField(),
    )
    return qs.count(), list(qs.order_by(severity, "title", "pk")[:limit])


def overdue_recommendations(*, limit: int = DASHBOARD_LIMIT, sources=()) -> tuple[int, list]:
    """Open recommendations whose target date has passed, oldest target first."""
    qs = (
        attested_by(Recommendation.objects.all(), sources)
        .filter(target_date__lt=timezone.localdate())
        .exclude(status__in=CLOSED_RECOMMENDATION_STATUSES)
    )
    rows = qs.select_related("owner").order_by("target_date", "title", "pk")[:limit]
    return qs.count(), list(rows)


def _person(user) -> str:
    return "The system" if user is None else (user.full_name or user.email)


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Activity:
    when: object
    who: str
    action: str
    reason: str
    kind: str
    title: str
    url: str


def recent_activity(*, limit: int = 15) -> list[Activity]:
    """The latest history rows across the record kinds, newest first (one query a kind)."""
    rows = []
    for model in RECORD_MODELS:
        meta = model._meta
        for row in model.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )[:limit]:
            rows.append(
                Activity(
                    when=row.history_date,
                    who=_person(row.history_user),
                    action=_ACTIONS.get(row.history_type, "changed"),
                    reason=row.history_change_reason or "",
                    kind=meta.verbose_name,
                    title=row.title,
                    url=reverse(f"cooperation:{meta.model_name}_detail", kwargs={"slug": row.slug}),
                )
            )
    rows.sort(key=lambda activity: activity.when, reverse=True)
    return rows[:limit]


def open_items_for(user, *, limit: int = DASHBOARD_LIMIT) -> dict:
    """What waits on `user`: recommendations they own that are open, their unresolved threads,
    their open status proposals, and (for those who decide them) every open proposal."""
    owned = (
        Recommendation.objects.filter(owner=user)
        .exclude(status__in=CLOSED_RECOMMENDATION_STATUSES)
        .order_by(F("target_date").asc(nulls_last=True), "title", "pk")
    )
    threads = Annotation.objects.filter(author=user, parent__isnull=True, resolved=False).order_by(
        "-created_at", "-pk"
    )
    open_proposals = StatusProposal.objects.filter(
        state=ProposalState.OPEN, recommendation__deleted_at__isnull=True
    ).select_related("recommendation", "proposed_by")
    items = {
        "recommendations": list(owned[:limit]),
        "threads": list(threads[:limit]),
        "proposals": list(open_proposals.filter(proposed_by=user)[:limit]),
        "to_decide": [],
    }
    if user.has_perm("cooperation.decide_statusproposal"):
        items["to_decide"] = list(open_proposals.order_by("proposed_at", "pk")[:limit])
    return items


# ---- What each user may read (the API applies these; partners see published things only) ----


def _record_read(user, prefix: str = "") -> Q | None:
    """The condition on a live record's columns for `user` to read it (None: nothing)."""
    if sees_internal(user):
        return Q()
    if not portal(user, "read_published"):
        return None
    return Q(**{f"{prefix}visibility": Visibility.PUBLISHED})


def records_visible_to(user, model: type[Record]):
    """Live records of `model` the user may read: everything internal, or published only."""
    condition = _record_read(user)
    queryset = model.objects.all()
    return queryset.none() if condition is None else queryset.filter(condition)


def readable_record_q(user, path: str = "spine") -> Q:
    """The condition, on a row with a record-spine foreign key at `path`, that its record is
    live and one `user` may read: `records_visible_to`'s rule for every kind in one join."""
    condition = _record_read(user, f"{path}__")
    if condition is None:
        return Q(pk__in=[])
    return Q(**{f"{path}__deleted_at__isnull": True}) & condition


def tags_visible_to(user):
    """The tags `user` may see named: every tag for staff; for anyone else only the tags on
    records they may read and on notes they may read (a tag used only on a team note is
    the team's own word, and is not shown to partners, nor accepted as a filter)."""
    if sees_internal(user):
        return Tag.objects.all()
    if not portal(user, "read_published"):
        return Tag.objects.none()
    shown = Q(pk__in=api_annotations_visible_to(user).values("tags"))
    for model in RECORD_MODELS:
        shown |= Q(pk__in=records_visible_to(user, model).values("tags"))
    return Tag.objects.filter(shown)


def pickable(user, model):
    """What a record form's picker may offer `user` of `model`: records as
    `records_visible_to`, actors and topics (readable by everyone who may read records)."""
    if issubclass(model, Record):
        return records_visible_to(user, model)
    if model in (Actor, Topic, Tag):
        return model.objects.all()
    raise ValueError(f"No picker reads {model._meta.verbose_name_plural}.")


def sources_visible_to(user):
    """Partners read published sources only; a source's full text is never shown by accident."""
    if sees_internal(user):
        return Source.objects.all()
    if not portal(user, "read_published"):
        return Source.objects.none()
    return Source.objects.filter(visibility=Visibility.PUBLISHED)


def excerpts_visible_to(user):
    """Partners read the excerpts of published sources only.

    A published record citing an excerpt of an unpublished source is shown to
    partners without that evidence: they learn nothing of an unpublished source,
    not its title, reference code, excerpts, ids or counts (docs/partner-guide.md).
    """
    if sees_internal(user):
        return Excerpt.objects.all()
    if not portal(user, "read_published"):
        return Excerpt.objects.none()
    return Excerpt.objects.filter(
        source__visibility=Visibility.PUBLISHED, source__deleted_at__isnull=True
    )


def unpublished_evidence_sources(record) -> list:
    """The sources, not published (or in the trash), that a record's live evidence quotes.

    Partners are shown a published record without that evidence; a curator who
    publishes it is told so (`publish_warning`).
    """
    quoted = RecordEvidence.objects.filter(spine_id=record.spine_id).values("excerpt__source_id")
    return list(
        Source.all_objects.filter(pk__in=quoted)
        .exclude(visibility=Visibility.PUBLISHED, deleted_at__isnull=True)
        .order_by("title", "pk")
    )


def publish_warning(record) -> str | None:
    """What a curator publishing `record` must know: evidence partners will not see."""
    if record.visibility != Visibility.PUBLISHED:
        return None
    sources = unpublished_evidence_sources(record)
    if not sources:
        return None
    names = "; ".join(
        f"“{source.title}”" + (f" ({source.reference_code})" if source.reference_code else "")
        for source in sources
    )
    return (
        f"Partners see this record without its evidence from unpublished sources: {names}. "
        "Publish those sources to show it."
    )


def api_annotations_visible_to(user, queryset=None):
    """`annotations_visible_to`, and for partners only notes on things they can see."""
    queryset = annotations_visible_to(user, queryset)
    if sees_internal(user):
        return queryset
    # excerpts_visible_to() written as conditions on the note's own excerpt (a join per
    # row of the page), not as `excerpt IN (every visible excerpt)`, which reads them all.
    on_visible = Q(
        excerpt__isnull=False,
        excerpt__deleted_at__isnull=True,
        excerpt__source__visibility=Visibility.PUBLISHED,
        excerpt__source__deleted_at__isnull=True,
    )
    # Likewise a note on a record: a join on the record spine, whatever the record's kind.
    on_visible |= readable_record_q(user)
    return queryset.filter(on_visible)


# ---- Notifications (written by services/notifications.py) ----


def notifications_visible_to(user):
    """`user`'s notifications about what they may still read: a record in the trash, a note
    made private or deleted, or a record a partner may not see hides its notifications."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    on_visible_record = Q(spine__isnull=True) | readable_record_q(user)
    visible_note = api_annotations_visible_to(user).filter(pk=OuterRef("note_id"))
    return Notification.objects.filter(recipient=user).filter(
        on_visible_record, Q(note__isnull=True) | Q(Exists(visible_note))
    )


def unread_notification_count(user) -> int:
    """The bell's number: one query for a signed-in user, none for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_visible_to(user).filter(read_at__isnull=True).count()


def watches(user, record) -> bool:
    """Whether `user` watches `record`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Watch.objects.filter(user=user, spine_id=record.spine_id).exists()


# ---- The record page's per-viewer columns (cooperation/views/records.py) ----


def viewer_columns(user, model) -> dict:
    """Columns for the statement that loads a record page's record: whether `user` watches
    it and the bell's unread count, so neither costs a statement of its own."""
    watched = Watch.objects.filter(user=user, spine_id=OuterRef("spine_id"))
    unread = (
        notifications_visible_to(user)
        .filter(read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {
        "viewer_watches": Exists(watched),
        "viewer_unread": Coalesce(Subquery(unread, output_field=IntegerField()), 0),
    }


def records_sharing_identifiers(record, user, identifiers=None) -> list:
    """Other live records `user` may read that one of `record`'s identifiers names or named
    (the record page's "Same thing elsewhere"): a live identifier is unique, so the others
    are records that held it before it was removed from them (a duplicate from another
    brief, whose identifier a curator moved here). (identifier row, spine) pairs."""
    from cooperation.models import Identifier

    if identifiers is None:  # else the record's, as its page already read them
        identifiers = Identifier.objects.filter(spine_id=record.spine_id)
    pairs = [(row.scheme, row.value) for row in identifiers]
    if not pairs:
        return []
    condition = Q()
    for scheme, value in pairs:
        condition |= Q(scheme=scheme, value=value)
    others = (
        Identifier.all_objects.filter(condition, spine__isnull=False)
        .exclude(spine_id=record.spine_id)
        .filter(readable_record_q(user))
        .select_related("spine")
        .order_by("spine__title", "pk")
    )
    seen, found = set(), []
    for row in others:
        if row.spine_id not in seen:
            seen.add(row.spine_id)
            found.append((row, row.spine))
    return found
