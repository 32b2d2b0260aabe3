"""Every enumerated value of the domain, defined once.

Model fields, filters, serializers, forms and the admin all read these classes;
nothing else spells a status or a kind as a literal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    DRAFT = "draft", _("Draft")
    INTERNAL = "internal", _("Internal")
    PUBLISHED = "published", _("Published")


class RecordKind(models.TextChoices):
    """The four record kinds, by their models' names (the spine's `record_kind`)."""

    AGREEMENT = "agreement", _("Agreement")
    DEAL = "deal", _("Deal")
    CHALLENGE = "challenge", _("Challenge")
    RECOMMENDATION = "recommendation", _("Recommendation")


class ActorKind(models.TextChoices):
    STATE = "state", _("State")
    GROUPING = "grouping", _("Grouping or alliance")
    AGENCY = "agency", _("Government agency")
    ARMED_FORCES = "armed_forces", _("Armed forces")
    INDUSTRY = "industry", _("Industry")
    THINK_TANK = "think_tank", _("Think tank")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    OTHER = "other", _("Other")


class SourceFormat(models.TextChoices):
    TEXT = "text", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")
    PDF = "pdf", _("PDF")


class DatePrecision(models.TextChoices):
    """How much of a date the evidence actually gives (a brief often names only a year)."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class AgreementKind(models.TextChoices):
    DECLARATION = "declaration", _("Declaration")
    AGREEMENT = "agreement", _("Agreement or treaty")
    MOU = "mou", _("Memorandum of understanding or cooperation")
    NATIONAL_POLICY = "national_policy", _("National policy or strategy")
    LEGISLATION = "legislation", _("Legislation or constitutional provision")
    INITIATIVE = "initiative", _("Initiative or framework")


class AgreementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    NEGOTIATING = "negotiating", _("Under negotiation")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    LAPSED = "lapsed", _("Lapsed or withdrawn")


class DealKind(models.TextChoices):
    ACQUISITION = "acquisition", _("Acquisition")
    CO_DEVELOPMENT = "co_development", _("Co-development")
    CO_PRODUCTION = "co_production", _("Co-production")
    TECHNOLOGY_COLLABORATION = "technology_collaboration", _("Technology collaboration")


class DealStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    DELIVERING = "delivering", _("Delivering / under way")
    COMPLETED = "completed", _("Completed")
    STALLED = "stalled", _("Stalled")
    FAILED = "failed", _("Failed or cancelled")


class WeaponCategory(models.TextChoices):
    """SIPRI's arms-transfer categories (the trade register's weapon description)."""

    AIRCRAFT = "aircraft", _("Aircraft")
    AIR_DEFENCE = "air_defence", _("Air defence systems")
    ANTI_SUBMARINE = "anti_submarine", _("Anti-submarine weapons")
    ARMOURED_VEHICLES = "armoured_vehicles", _("Armoured vehicles")
    ARTILLERY = "artillery", _("Artillery")
    ENGINES = "engines", _("Engines")
    MISSILES = "missiles", _("Missiles")
    NAVAL_WEAPONS = "naval_weapons", _("Naval weapons")
    SATELLITES = "satellites", _("Satellites")
    SENSORS = "sensors", _("Sensors")
    SHIPS = "ships", _("Ships")
    OTHER = "other", _("Other")


class ChallengeCategory(models.TextChoices):
    COST = "cost", _("Cost")
    REGULATION = "regulation", _("Regulation")
    PROCEDURE = "procedure", _("Procedure")
    TECHNOLOGY_TRANSFER = "technology_transfer", _("Technology transfer")
    STRATEGIC_ALIGNMENT = "strategic_alignment", _("Strategic alignment")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    DEPENDENCY = "dependency", _("Third-party dependency")
    FINANCE = "finance", _("Finance and investment")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


# The ordered choices, each value's rank low → high, in the order the class declares them.
# The one statement of that order: sorting (models/ranks.py, and the expression indexes
# built from it), the board and the dashboard read it; nothing re-lists the values.
RANKS: dict[type[models.TextChoices], dict[str, int]] = {
    choices: {value: rank for rank, value in enumerate(choices.values)}
    for choices in (Severity, Priority)
}


class RecommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    UNDER_REVIEW = "under_review", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    REJECTED = "rejected", _("Rejected")
    DEFERRED = "deferred", _("Deferred")


# The one table of allowed recommendation status moves. The UI, the API, the
# admin and the tests all read it; nothing else decides what may follow what.
_S = RecommendationStatus
RECOMMENDATION_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.PROPOSED: frozenset({_S.UNDER_REVIEW, _S.REJECTED, _S.DEFERRED}),
    _S.UNDER_REVIEW: frozenset({_S.ACCEPTED, _S.REJECTED, _S.DEFERRED, _S.PROPOSED}),
    _S.ACCEPTED: frozenset({_S.IN_PROGRESS, _S.DEFERRED, _S.REJECTED}),
    _S.IN_PROGRESS: frozenset({_S.IMPLEMENTED, _S.DEFERRED, _S.ACCEPTED}),
    _S.IMPLEMENTED: frozenset({_S.IN_PROGRESS}),
    _S.REJECTED: frozenset({_S.UNDER_REVIEW}),
    _S.DEFERRED: frozenset({_S.UNDER_REVIEW, _S.REJECTED}),
}
del _S

# Statuses after which a recommendation no longer counts as open (e.g. overdue).
CLOSED_RECOMMENDATION_STATUSES = frozenset(
    {RecommendationStatus.IMPLEMENTED, RecommendationStatus.REJECTED}
)


class GaoStatus(models.TextChoices):
    """How GAO reports a recommendation: open until closed, and closed one of two ways."""

    OPEN = "open", _("Open")
    CLOSED_IMPLEMENTED = "closed_implemented", _("Closed – implemented")
    CLOSED_NOT_IMPLEMENTED = "closed_not_implemented", _("Closed – not implemented")


# A closing status, GAO's way; every other status is open.
GAO_CLOSED = {
    RecommendationStatus.IMPLEMENTED: GaoStatus.CLOSED_IMPLEMENTED,
    RecommendationStatus.REJECTED: GaoStatus.CLOSED_NOT_IMPLEMENTED,
}


def gao_status(status: str) -> str:
    return GAO_CLOSED.get(status, GaoStatus.OPEN)


def allowed_transitions(status: str) -> list[str]:
    """The statuses a recommendation in `status` may move to, in display order (a new list
    each call: callers may change it)."""
    return list(_ALLOWED_IN_ORDER.get(status, ()))


# Worked out once: a list page asks for fifty, and `RecommendationStatus.values` is rebuilt
# by the enum on every read (~10 µs each, half a millisecond a page).
_ALLOWED_IN_ORDER: dict[str, tuple[str, ...]] = {
    status: tuple(value for value in RecommendationStatus.values if value in allowed)
    for status, allowed in RECOMMENDATION_TRANSITIONS.items()
}


class ResponseClassification(models.TextChoices):
    """How the addressee answered, in the terms of parliamentary action-taken reports."""

    AWAITING_REPLY = "awaiting_reply", _("Awaiting reply")
    ACCEPTED = "accepted", _("Accepted")
    ACCEPTED_WITH_COMMENTS = "accepted_with_comments", _("Accepted with comments")
    NOT_PURSUED = "not_pursued", _("Not pursued")
    NOT_ACCEPTED_REITERATED = "not_accepted_reiterated", _("Not accepted and reiterated")
    INTERIM_REPLY = "interim_reply", _("Interim reply")


class ProposalState(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AnnotationMotivation(models.TextChoices):
    COMMENT = "comment", _("Comment")
    QUESTION = "question", _("Question")
    HIGHLIGHT = "highlight", _("Highlight")
    LINK = "link", _("Link")


class AnnotationVisibility(models.TextChoices):
    PRIVATE = "private", _("Private (only me)")
    TEAM = "team", _("Team")
    PARTNERS = "partners", _("Team and partners")


class NotificationKind(models.TextChoices):
    """What a notification tells its recipient (cooperation/services/notifications.py)."""

    MENTION = "mention", _("mentioned you")
    NOTE = "note", _("wrote a note on")
    REPLY = "reply", _("replied on")
    CHANGE = "change", _("changed")
    STATUS = "status", _("moved the status of")
    OWNER = "owner", _("made you the owner of")


class EmailPreference(models.TextChoices):
    """Whether a user's notifications are also e-mailed, and how often."""

    NONE = "none", _("No e-mail")
    IMMEDIATELY = "immediately", _("Each one as it happens")
    DAILY = "daily", _("A daily digest")


class SavedViewList(models.TextChoices):
    """The lists a saved view may open: each is a list page's key (views/lists.py SPECS) and
    the model name its FilterSet filters (filtersets.FILTERSETS)."""

    AGREEMENT = "agreement", "Agreements"
    DEAL = "deal", "Deals"
    CHALLENGE = "challenge", "Challenges"
    RECOMMENDATION = "recommendation", "Recommendations"
    SOURCE = "source", "Sources"
    ANNOTATION = "annotation", "Notes"


class IdentifierScheme(models.TextChoices):
    """External identifier schemes (cooperation/identifiers.py validates each)."""

    WIKIDATA = "wikidata", _("Wikidata")
    UNTS = "unts", _("UN Treaty Series")
    SIPRI = "sipri", _("SIPRI trade register")
    OTHER = "other", _("Other (URL)")


class ClaimRank(models.TextChoices):
    """Wikidata's statement ranks: which of a field's claims the record shows."""

    PREFERRED = "preferred", _("Preferred")
    NORMAL = "normal", _("Normal")
    DEPRECATED = "deprecated", _("Deprecated")


class BasisKind(models.TextChoices):
    """Where a value comes from (cooperation/provenance.py)."""

    BRIEF = "brief", _("The brief (excerpts)")
    PUBLIC_RECORD = "public_record", _("A public record (citation)")
    JUDGEMENT = "judgement", _("Analyst judgement")
