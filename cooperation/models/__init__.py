from cooperation.models.annotations import Annotation
from cooperation.models.base import LiveManager, LiveQuerySet, Record, Tracked
from cooperation.models.changes import ChangeEntry
from cooperation.models.claims import Claim
from cooperation.models.idempotency import IdempotencyKey
from cooperation.models.identifiers import Identifier
from cooperation.models.jobs import Job
from cooperation.models.notifications import Notification, NotificationSettings, Watch
from cooperation.models.records import (
    RECORD_MODELS,
    Agreement,
    Challenge,
    Deal,
    Recommendation,
    RecordEvidence,
)
from cooperation.models.saved_views import SavedView
from cooperation.models.search_terms import (
    SEARCH_TERM_MODELS,
    AgreementSearchTerm,
    ChallengeSearchTerm,
    DealSearchTerm,
    RecommendationSearchTerm,
)
from cooperation.models.sources import Excerpt, Source
from cooperation.models.spine import RecordSpine
from cooperation.models.taxonomy import Actor, Tag, Topic
from cooperation.models.tracking import (
    RecommendationResponse,
    RecommendationStatusChange,
    StatusProposal,
)

__all__ = [
    "RECORD_MODELS",
    "SEARCH_TERM_MODELS",
    "Actor",
    "Agreement",
    "AgreementSearchTerm",
    "Annotation",
    "Challenge",
    "ChallengeSearchTerm",
    "ChangeEntry",
    "Claim",
    "Deal",
    "DealSearchTerm",
    "Excerpt",
    "IdempotencyKey",
    "Identifier",
    "Job",
    "LiveManager",
    "LiveQuerySet",
    "Notification",
    "NotificationSettings",
    "Recommendation",
    "RecommendationResponse",
    "RecommendationSearchTerm",
    "RecommendationStatusChange",
    "Record",
    "RecordEvidence",
    "RecordSpine",
    "SavedView",
    "Source",
    "StatusProposal",
    "Tag",
    "Topic",
    "Tracked",
    "Watch",
]
