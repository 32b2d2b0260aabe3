"""factory_boy factories that build data the way the application does: through the services.

Nothing here saves a model directly, so every object a test starts from has the
history row, version and validation a real one would have.
"""

from __future__ import annotations

import factory

from accounts.models import Organisation, User
from accounts.roles import ADMIN, ANALYST, CURATOR, PARTNER
from accounts.services import api_token_create, organisation_create, user_create
from cooperation import choices
from cooperation.models import (
    Actor,
    Agreement,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Source,
    Tag,
    Topic,
)
from cooperation.provenance import Basis
from cooperation.services import (
    annotation_create,
    excerpt_create,
    recommendation_create,
    source_import,
    tracked_create,
    tracked_update,
)

PASSWORD = "a-long-test-passphrase-42"


class OrganisationFactory(factory.Factory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partner Institute {n}")
    is_partner = True

    @classmethod
    def _create(cls, model_class, **kwargs):
        return organisation_create(**kwargs)


class UserFactory(factory.Factory):
    """A user with `roles`, created by accounts.services.user_create."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = PASSWORD
    full_name = factory.Sequence(lambda n: f"Person {n}")
    roles = factory.LazyFunction(lambda: [ANALYST])
    organisation = None
    is_superuser = False

    @classmethod
    def _create(cls, model_class, **kwargs):
        return user_create(**kwargs)


class AnalystFactory(UserFactory):
    email = factory.Sequence(lambda n: f"analyst{n}@example.org")
    roles = factory.LazyFunction(lambda: [ANALYST])


class CuratorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"curator{n}@example.org")
    roles = factory.LazyFunction(lambda: [CURATOR])


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    roles = factory.LazyFunction(lambda: [ADMIN])


class PartnerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"partner{n}@example.org")
    roles = factory.LazyFunction(lambda: [PARTNER])
    organisation = factory.SubFactory(OrganisationFactory)


class SourceFactory(factory.Factory):
    """A plain-text brief imported by cooperation.services.source_import (text unique per n)."""

    class Meta:
        model = Source

    text = factory.Sequence(
        lambda n: (
            f"Brief number {n}\n\nIndia and Japan discussed semiconductors and space in round {n}."
            "\n\nBoth sides agreed to meet again."
        )
    )
    filename = factory.Sequence(lambda n: f"brief-{n}.txt")
    title = factory.Sequence(lambda n: f"Brief {n}")
    publisher = "Test Centre"
    user = None
    keep_original = False

    @classmethod
    def _create(cls, model_class, *, text, **kwargs):
        return source_import(data=text.encode("utf-8"), **kwargs)


class _TrackedFactory(factory.Factory):
    """Any tracked model, created by cooperation.services.tracked_create."""

    user = None

    @classmethod
    def _create(cls, model_class, *, user, **data):
        return tracked_create(model=model_class, user=user, data=data)


class ActorFactory(_TrackedFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = choices.ActorKind.STATE


class TopicFactory(_TrackedFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class TagFactory(_TrackedFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


# Every factual value needs a basis (cooperation/services/claims.py); the factories' values
# are the tests' own judgement. Pass `basis=` to give another.
TEST_BASIS = Basis.judgement("Test data")
# The same basis as a web form posts it (cooperation/forms/basis.py) and as the API reads it.
FORM_BASIS = {"basis_kind": "judgement", "basis_reason": "Test data"}
API_BASIS = {"basis": {"basis": "judgement", "reason": "Test data"}}


def update_with_basis(**kwargs):
    """tracked_update giving the tests' basis to any fact it changes (unless told another)."""
    return tracked_update(basis=kwargs.pop("basis", TEST_BASIS), **kwargs)


class _RecordFactory(_TrackedFactory):
    """Pass many-to-many links as keyword arguments: AgreementFactory(actors=[india])."""

    summary = "What the brief says about it."
    visibility = choices.Visibility.INTERNAL

    @classmethod
    def _create(cls, model_class, *, user, basis=TEST_BASIS, **data):
        return tracked_create(model=model_class, user=user, data=data, basis=basis)


class AgreementFactory(_RecordFactory):
    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Agreement {n}")
    slug = factory.Sequence(lambda n: f"agreement-{n}")
    kind = choices.AgreementKind.AGREEMENT
    status = choices.AgreementStatus.SIGNED


class DealFactory(_RecordFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    slug = factory.Sequence(lambda n: f"deal-{n}")
    kind = choices.DealKind.ACQUISITION
    status = choices.DealStatus.PROPOSED


class ChallengeFactory(_RecordFactory):
    class Meta:
        model = Challenge

    title = factory.Sequence(lambda n: f"Challenge {n}")
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    category = choices.ChallengeCategory.COST
    severity = choices.Severity.HIGH


class RecommendationFactory(_RecordFactory):
    class Meta:
        model = Recommendation

    title = factory.Sequence(lambda n: f"Recommendation {n}")
    slug = factory.Sequence(lambda n: f"recommendation-{n}")
    priority = choices.Priority.MEDIUM

    @classmethod
    def _create(cls, model_class, *, user, basis=TEST_BASIS, **data):
        return recommendation_create(user=user, data=data, basis=basis)


class ExcerptFactory(factory.Factory):
    """A span of a new source, made by cooperation.services.excerpt_create."""

    class Meta:
        model = Excerpt

    source = factory.SubFactory(SourceFactory)
    start = 0
    end = 12
    user = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return excerpt_create(**kwargs)


def partner_note_create(*, author, **note):
    """A partner's note as the API writes it: through `annotation_create` with a
    write-enabled token of theirs (a partner without one writes nothing)."""
    token, _plaintext = api_token_create(user=author, name="notes", can_write=True)
    return annotation_create(author=author, token=token, **note)
