"""Forms of the analyst workspace; every save goes through cooperation.services."""

from cooperation.forms.records import (
    RECORD_FORMS,
    AgreementForm,
    ChallengeForm,
    DealForm,
    RecommendationForm,
    RecordForm,
)

__all__ = [
    "RECORD_FORMS",
    "AgreementForm",
    "ChallengeForm",
    "DealForm",
    "RecommendationForm",
    "RecordForm",
]
