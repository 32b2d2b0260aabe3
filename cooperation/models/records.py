"""The four record kinds and the evidence that links them to excerpts."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from cooperation.choices import (
    AgreementKind,
    AgreementStatus,
    ChallengeCategory,
    DealKind,
    DealStatus,
    GaoStatus,
    Priority,
    RecommendationStatus,
    Severity,
    WeaponCategory,
    gao_status,
)
from cooperation.history import History
from cooperation.models.base import Record, Tracked, live_index
from cooperation.models.precision import precision
from cooperation.models.ranks import choice_rank
from cooperation.party_dates import normalise as normalise_party_dates

# The UN Treaty Series registration number (docs/partner-guide.md): a Roman numeral, I for
# a registered treaty or II for one filed and recorded, a colon and the serial number.
UNTS_REGISTRATION = RegexValidator(
    r"^(I|II):[1-9][0-9]{0,6}$",
    "Write the UN Treaty Series registration number as I:33521 (registered) "
    "or II:965 (filed and recorded).",
    code="invalid",
)


# SIPRI's register starts in 1950; a year outside these is a typing slip.
FIRST_YEAR, LAST_YEAR = 1900, 2100
CURRENCY_CODE = RegexValidator(
    r"^[A-Za-z]{3}$",  # the field writes it in capitals; a serializer checks it as sent
    "Give the currency as its ISO 4217 code: three letters, e.g. USD.",
    code="invalid",
)


class CurrencyCodeField(models.CharField):
    """An ISO 4217 code, kept in capitals whoever writes it (a form, the API, a claim, an
    import): " usd " is "USD", so a claim compares equal to the value the record keeps."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value


def _year(**kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        **kwargs,
    )


def _year_in_range(name: str) -> models.Q:
    return models.Q(**{f"{name}__isnull": True}) | models.Q(
        **{f"{name}__gte": FIRST_YEAR, f"{name}__lte": LAST_YEAR}
    )


class Agreement(Record):
    """A declaration, agreement, MoU, national policy or legislation."""

    kind = models.CharField(max_length=32, choices=AgreementKind, db_index=True)
    status = models.CharField(
        max_length=32, choices=AgreementStatus, default=AgreementStatus.SIGNED, db_index=True
    )
    parties = models.ManyToManyField(
        "cooperation.Actor", blank=True, related_name="agreements_as_party"
    )
    signed_on = models.DateField(null=True, blank=True)
    signed_on_precision = precision("signing date")
    in_force_on = models.DateField(null=True, blank=True)
    in_force_on_precision = precision("date of entry into force")
    place_of_signature = models.CharField(
        max_length=200, blank=True, help_text="Where it was concluded (signed)."
    )
    depositary = models.CharField(
        max_length=200,
        blank=True,
        help_text="Who keeps the original and receives ratifications (a government, the "
        "UN Secretary-General…).",
    )
    registration_number = models.CharField(
        "UNTS registration number",
        max_length=12,
        blank=True,
        validators=[UNTS_REGISTRATION],
        help_text="UN Treaty Series: I:33521 (registered) or II:965 (filed and recorded). "
        "Many bilateral declarations and MoUs are never registered.",
    )
    # Each party's signature and ratification, dated as precisely as the evidence gives
    # (cooperation/party_dates.py); every party named is one of `parties`.
    party_dates = models.JSONField(
        "each party's signature and ratification",
        default=list,
        blank=True,
        help_text="Per party: the date it signed and the date it ratified.",
    )
    amends = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="amended_by",
        help_text="Agreements whose terms this one changes.",
    )
    supersedes = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="superseded_by",
        help_text="Agreements this one replaces.",
    )

    history_m2m_fields = ("actors", "topics", "tags", "parties", "amends", "supersedes")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["registration_number"],
                condition=models.Q(deleted_at__isnull=True) & ~models.Q(registration_number=""),
                name="agreement_unique_registration",
                violation_error_message="Another agreement has this UN Treaty Series "
                "registration number: it is the same treaty (merge the two).",
            ),
        ]
        indexes = [
            *Record.Meta.indexes,
            live_index("signed_on", "id", name="agreement_live_signed"),
        ]

    def clean(self):
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        try:
            self.party_dates = normalise_party_dates(self.party_dates)
        except ValidationError as exc:
            errors.setdefault("party_dates", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)

    def check_links(self) -> None:
        """What only the saved links tell (services/common.save_with_history asks, after
        setting them, in the write's transaction): no agreement amends or supersedes
        itself, and dates are given only for the agreement's parties."""
        errors = {}
        for name in ("amends", "supersedes"):
            if getattr(self, name).filter(pk=self.pk).exists():
                errors[name] = f"An agreement cannot {name.removesuffix('s')} itself."
        named = {entry["party"] for entry in self.party_dates or ()}
        if named:
            parties = set(self.parties.values_list("pk", flat=True))
            strangers = named - parties
            if strangers:
                from cooperation.models.taxonomy import Actor

                names = ", ".join(
                    sorted(
                        Actor.all_objects.filter(pk__in=strangers).values_list("name", flat=True)
                    )
                    or map(str, sorted(strangers))
                )
                errors["party_dates"] = (
                    f"Dates are given for {names}, not a party to this agreement: "
                    "add it to the parties, or remove its dates."
                )
        if errors:
            raise ValidationError(errors)


class Deal(Record):
    """An acquisition, co-development, co-production or technology collaboration."""

    kind = models.CharField(max_length=32, choices=DealKind, db_index=True)
    status = models.CharField(
        max_length=32, choices=DealStatus, default=DealStatus.PROPOSED, db_index=True
    )
    supplier = models.ForeignKey(
        "cooperation.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals_as_supplier",
    )
    recipient = models.ForeignKey(
        "cooperation.Actor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals_as_recipient",
    )
    system = models.CharField(max_length=300, blank=True, help_text="System or programme.")
    period_start = models.DateField(null=True, blank=True)
    period_start_precision = precision("period's start")
    period_end = models.DateField(null=True, blank=True)
    period_end_precision = precision("period's end")
    governed_by = models.ManyToManyField(
        Agreement, blank=True, related_name="governed_deals", help_text="Agreements that govern it."
    )
    # SIPRI's arms-transfer fields (docs/partner-guide.md).
    weapon_category = models.CharField(
        max_length=32,
        choices=WeaponCategory,
        blank=True,
        db_index=True,
        help_text="SIPRI's weapon category.",
    )
    licensed_production = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Produced under licence in the recipient's country (SIPRI counts it apart).",
    )
    number_ordered = models.PositiveIntegerField(null=True, blank=True)
    number_delivered = models.PositiveIntegerField(
        null=True, blank=True, help_text="Delivered, or produced under licence, so far."
    )
    delivery_first_year = _year(help_text="The year of the first delivery.")
    delivery_last_year = _year(help_text="The year of the latest (or last) delivery.")
    estimated_value = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The deal's estimated value; give its currency and price year too.",
    )
    value_currency = CurrencyCodeField(
        "currency",
        max_length=3,
        blank=True,
        validators=[CURRENCY_CODE],
        help_text="ISO 4217 code of the value's currency (USD, EUR, INR, JPY…).",
    )
    value_year = _year(
        verbose_name="price year", help_text="The year whose prices the value is in."
    )

    history_m2m_fields = ("actors", "topics", "tags", "governed_by")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="deal_period_ordered",
                violation_error_message="The period must end on or after its start.",
            ),
            models.CheckConstraint(
                condition=models.Q(number_delivered__isnull=True)
                | models.Q(number_ordered__isnull=True)
                | models.Q(number_delivered__lte=models.F("number_ordered")),
                name="deal_delivered_within_ordered",
                violation_error_message="More delivered than ordered: the number delivered "
                "cannot exceed the number ordered.",
            ),
            models.CheckConstraint(
                condition=models.Q(delivery_last_year__isnull=True)
                | models.Q(delivery_first_year__isnull=True)
                | models.Q(delivery_last_year__gte=models.F("delivery_first_year")),
                name="deal_delivery_years_ordered",
                violation_error_message="The last delivery year cannot be before the first.",
            ),
            models.CheckConstraint(
                condition=_year_in_range("delivery_first_year")
                & _year_in_range("delivery_last_year")
                & _year_in_range("value_year"),
                name="deal_years_in_range",
                violation_error_message=f"Years run from {FIRST_YEAR} to {LAST_YEAR}.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(estimated_value__isnull=True)
                    & models.Q(value_currency="")
                    & models.Q(value_year__isnull=True)
                )
                | (
                    models.Q(estimated_value__isnull=False)
                    & ~models.Q(value_currency="")
                    & models.Q(value_year__isnull=False)
                ),
                name="deal_value_with_currency_and_year",
                violation_error_message="An estimated value needs its currency and its price "
                "year (and neither is given without a value).",
            ),
        ]
        indexes = [
            *Record.Meta.indexes,
            live_index("period_start", "id", name="deal_live_period_start"),
            # The web list joins supplier and recipient; without it, sorting by visibility
            # sorts every deal.
            live_index("visibility", "id", name="deal_live_visibility"),
        ]

    def clean(self):
        """The constraints' rules, said beside the field they concern."""
        errors = {}
        try:
            super().clean()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        ordered, delivered = self.number_ordered, self.number_delivered
        if ordered is not None and delivered is not None and delivered > ordered:
            errors.setdefault("number_delivered", []).append(
                f"More delivered ({delivered}) than ordered ({ordered})."
            )
        first, last = self.delivery_first_year, self.delivery_last_year
        if first is not None and last is not None and last < first:
            errors.setdefault("delivery_last_year", []).append(
                "The last delivery year cannot be before the first."
            )
        if self.estimated_value is not None:
            if not self.value_currency:
                errors.setdefault("value_currency", []).append("Give the value's currency.")
            if self.value_year is None:
                errors.setdefault("value_year", []).append("Give the year of the value's prices.")
        elif self.value_currency or self.value_year is not None:
            errors.setdefault("estimated_value", []).append(
                "A currency or price year without a value: give the value, or clear them."
            )
        if errors:
            raise ValidationError(errors)


class Challenge(Record):
    """An obstacle to cooperation."""

    category = models.CharField(max_length=32, choices=ChallengeCategory, db_index=True)
    severity = models.CharField(
        max_length=16, choices=Severity, default=Severity.MEDIUM, db_index=True
    )
    affects_deals = models.ManyToManyField(
        Deal, blank=True, related_name="challenges", help_text="Deals this challenge holds back."
    )
    affects_agreements = models.ManyToManyField(
        Agreement, blank=True, related_name="challenges", help_text="Agreements it hampers."
    )

    history_m2m_fields = ("actors", "topics", "tags", "affects_deals", "affects_agreements")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    class Meta(Record.Meta):
        indexes = [
            *Record.Meta.indexes,
            # Severity sorts low → high (the FilterSets' rank expression, repeated exactly).
            live_index(choice_rank("severity", Severity), "id", name="challenge_live_severity"),
        ]


class Recommendation(Record):
    """What someone should do. Its status moves only through the transition service."""

    priority = models.CharField(
        max_length=16, choices=Priority, default=Priority.MEDIUM, db_index=True
    )
    addressed_to = models.ManyToManyField(
        "cooperation.Actor", blank=True, related_name="recommendations_addressed"
    )
    addresses = models.ManyToManyField(
        Challenge, blank=True, related_name="recommendations", help_text="Challenges it answers."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_recommendations",
        help_text="The analyst who follows it up.",
    )
    target_date = models.DateField(null=True, blank=True, db_index=True)
    target_date_precision = precision("target date")
    # Never assigned directly: RecommendationStatusChange rows are the truth,
    # and this column is their latest `to_status`, kept by the same service.
    status = models.CharField(
        max_length=32,
        choices=RecommendationStatus,
        default=RecommendationStatus.PROPOSED,
        editable=False,
        db_index=True,
    )

    history_m2m_fields = ("actors", "topics", "tags", "addressed_to", "addresses")
    history = History(m2m_fields=history_m2m_fields, excluded_fields=["spine"])

    # Created only by services.recommendation_create, which starts the status timeline.
    create_service = "recommendation_create"

    class Meta(Record.Meta):
        permissions = [
            *Record.Meta.permissions,
            ("transition_recommendation", "Can move a recommendation's status"),
        ]
        indexes = [
            *Record.Meta.indexes,
            # Priority sorts low → high (the FilterSets' rank expression, repeated exactly).
            live_index(
                choice_rank("priority", Priority), "id", name="recommendation_live_priority"
            ),
        ]

    @property
    def gao_status(self) -> str:
        """Open, closed–implemented or closed–not-implemented: derived from the status."""
        return gao_status(self.status)

    def get_gao_status_display(self) -> str:
        return GaoStatus(self.gao_status).label


RECORD_MODELS: tuple[type[Record], ...] = (Agreement, Deal, Challenge, Recommendation)


class RecordEvidence(Tracked):
    """Links a record to an excerpt that supports it."""

    excerpt = models.ForeignKey(
        "cooperation.Excerpt", on_delete=models.PROTECT, related_name="evidence_links"
    )
    spine = models.ForeignKey(
        "cooperation.RecordSpine", on_delete=models.PROTECT, related_name="evidence_links"
    )
    note = models.CharField(max_length=500, blank=True, help_text="What the passage shows.")

    history = History()

    class Meta(Tracked.Meta):
        verbose_name = "evidence link"
        ordering = ["excerpt__start"]
        constraints = [
            models.UniqueConstraint(
                fields=["spine", "excerpt"],
                condition=models.Q(deleted_at__isnull=True),
                name="evidence_unique_live_link",
                violation_error_message="This excerpt is already evidence for this record.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.excerpt} → {self.spine.record_kind} #{self.spine.kind_id}"

    @property
    def record(self):
        """The record it supports, of whatever kind."""
        return self.spine.kind_record
