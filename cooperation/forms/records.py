"""Create and edit forms for the four record kinds.

The forms validate and present; `save()` hands the cleaned values to the services
(`tracked_create`/`tracked_update`, `recommendation_create`), which check
permissions and the version under a row lock. An edit carries the version it was
opened at, so a stale save raises `ConflictError` instead of overwriting.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from cooperation import precise_dates
from cooperation.choices import BasisKind, Visibility
from cooperation.fieldspec import SPECS
from cooperation.forms.basis import BASIS_FIELDS, BasisFields
from cooperation.forms.common import (
    IdSafeModelChoiceField,
    PartyDatesField,
    PreciseDateField,
    id_safe_formfield,
)
from cooperation.models import (
    Actor,
    Agreement,
    Challenge,
    Deal,
    Excerpt,
    Recommendation,
    Record,
    Tag,
    Topic,
)
from cooperation.permissions import may, visibility_choices
from cooperation.provenance import Basis, facts_of
from cooperation.selectors import internal_users
from cooperation.services import record_create, tracked_update
from cooperation.services.claim_rows import NEEDS_BASIS
from cooperation.slugs import unique_slug


class Checkboxes(forms.CheckboxSelectMultiple):
    """A labelled group of checkboxes: works without JavaScript, read as a fieldset.

    Styled through the `.field-choices` wrapper (records.css): attributes given here
    would land on every checkbox too.
    """


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RecordForm(BasisFields, forms.ModelForm):
    """What every record kind's form shares: version, slug, visibility, evidence on create,
    and where the facts it sets or changes come from (the basis fieldset, forms/basis.py).

    A record made from a passage rests on that passage: the basis starts as "brief" with
    the excerpt's id, and a form that names none falls back to it.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    excerpt = IdSafeModelChoiceField(
        queryset=Excerpt.objects.select_related("source"),
        widget=forms.HiddenInput,
        required=False,
        error_messages={
            "invalid_choice": "The passage to attach is no longer available (it may be in the "
            "trash). Start again from the source, or create the record without it."
        },
    )
    evidence_note = forms.CharField(
        label="What the passage shows",
        max_length=500,
        required=False,
        help_text="Optional: saved with the evidence link.",
    )
    # On create only: an external identifier; one that already names a record is refused
    # naming it (the same thing from another brief), so no duplicate is made.
    identifier = forms.CharField(
        label="External identifier",
        max_length=120,
        required=False,
        help_text="Optional: scheme:value, e.g. wikidata:Q668 or unts:I:33521 (more on the "
        "record page once it exists).",
    )

    class Meta:
        formfield_callback = id_safe_formfield
        widgets = {
            "actors": Checkboxes,
            "topics": Checkboxes,
            "tags": Checkboxes,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {"slug": "Address (slug)"}
        help_texts = {
            "slug": "Part of the page address. Left empty, it is made from the title.",
            "summary": "Markdown is allowed.",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["slug"].required = False
        self.fields["actors"].queryset = Actor.objects.order_by("name")
        self.fields["topics"].queryset = Topic.objects.order_by("name")
        self.fields["tags"].queryset = Tag.objects.order_by("name")
        self.fields["tags"].help_text = (
            "Short labels to gather records by (filter any list with them). "
            "Type to find one, or to make a new one."
        )
        for name, f in self.fields.items():
            if isinstance(f.widget, forms.CheckboxSelectMultiple):
                f.help_text = f.help_text or "Tick every one that applies."
            if name.endswith(("_on", "_date", "_start", "_end")):
                f.widget = DateInput()
        # "Title" alone is the record's: the citation's title is the document's name.
        self.fields["basis_citation_title"].label = "Public record: name of the document"
        self._precise_dates()
        self._limit_visibility()
        self._pickers()
        if self.is_editing:
            self.fields["expected_version"].required = True
            del self.fields["excerpt"], self.fields["evidence_note"], self.fields["identifier"]
            if not self.is_bound:
                self.initial.setdefault("expected_version", self.instance.version)
        elif not self.is_bound:
            excerpt = self.initial.get("excerpt")
            if excerpt is not None:
                self.initial.setdefault("basis_kind", BasisKind.BRIEF)
                self.initial.setdefault("basis_excerpts", str(getattr(excerpt, "pk", excerpt)))

    def basis_field_names(self) -> tuple[str, ...]:
        return tuple(name for name in BASIS_FIELDS if name in self.fields)

    def fact_labels(self) -> list[str]:
        """The labels of this form's factual fields, lower case, for the basis's help."""
        names = facts_of(self._meta.model)
        return [
            str(self.fields[name].label or name).lower() for name in names if name in self.fields
        ]

    def basis_value(self) -> Basis | None:
        basis = super().basis_value()
        if basis is None and not self.is_editing:
            excerpt = getattr(self, "cleaned_data", {}).get("excerpt")
            if excerpt is not None:
                return Basis.brief(excerpt)
        return basis

    def _pickers(self) -> None:
        """Each checkbox list, and each single choice of an actor, names its JSON lookup
        (and, for actors and topics the user may create, where to create one):
        static/js/pickers.js turns it into a search-as-you-type picker; without script
        the checkboxes and selects stay."""
        for f in self.fields.values():
            multiple = isinstance(f.widget, forms.CheckboxSelectMultiple)
            single = type(f.widget) is forms.Select and getattr(f, "queryset", None) is not None
            if not (multiple or single):
                continue
            model = f.queryset.model
            if single and model not in (Actor, Topic, Tag):
                continue  # a recommendation's owner: a short list of people, a plain select
            plural = str(model._meta.verbose_name_plural)
            f.picker = {
                "lookup": reverse(f"cooperation:lookup_{plural}"),
                "noun": str(model._meta.verbose_name),
                "single": single,
                "create": (
                    reverse(f"cooperation:lookup_{plural}_create")
                    if model in (Actor, Topic, Tag) and may(self.user, "create", model)
                    else ""
                ),
            }

    @property
    def is_editing(self) -> bool:
        return self.instance.pk is not None

    def _precise_dates(self) -> None:
        """Dates that keep a precision take 2015, 2015-12 or 2015-12-12 and show as written."""
        for name in precise_dates.precise_fields(self._meta.model):
            if name not in self.fields:
                continue
            old = self.fields[name]
            self.fields[name] = PreciseDateField(
                label=old.label, required=old.required, help_text=precise_dates.FORMAT_HELP
            )
            if self.is_editing and not self.is_bound:
                precision = getattr(self.instance, precise_dates.precision_name(name))
                self.initial[name] = precise_dates.iso(getattr(self.instance, name), precision)

    def _precise_names(self) -> list[str]:
        return [n for n in precise_dates.precise_fields(self._meta.model) if n in self.fields]

    def _limit_visibility(self) -> None:
        """Publishing is a curator's act; an analyst picks between draft and internal."""
        target = self.instance if self.is_editing else self._meta.model
        choices = visibility_choices(self.user, target)
        if len(choices) == len(Visibility.choices):
            return
        if self.is_editing and [value for value, _ in choices] == [self.instance.visibility]:
            # Unpublishing is a curator's act too: the field stays as it is.
            del self.fields["visibility"]
            return
        self.fields["visibility"].choices = choices
        self.fields["visibility"].help_text = "A curator publishes records for partners."

    def clean_identifier(self):
        text = (self.cleaned_data.get("identifier") or "").strip()
        if not text:
            return None
        from cooperation.identifiers import parse_filter

        scheme, value = parse_filter(text)
        if scheme == "other":
            raise ValidationError("Add an “other” identifier (it needs a URL) on the record page.")
        return scheme, value

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        model = self._meta.model
        if not slug:
            return slug  # made from the title in clean(), once the title is known
        clash = model.all_objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                "Another %(kind)s (perhaps in the trash) has this address; choose another.",
                params={"kind": model._meta.verbose_name},
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        for name in self._precise_names():
            if name in cleaned:
                day, precision = cleaned[name] or (None, "")
                current = getattr(self.instance, precise_dates.precision_name(name))
                cleaned[name] = day
                cleaned[precise_dates.precision_name(name)] = precise_dates.as_stored(
                    precision, current
                )
        if not cleaned.get("slug") and cleaned.get("title") and "slug" not in self.errors:
            cleaned["slug"] = unique_slug(
                self._meta.model, cleaned["title"], exclude_pk=self.instance.pk
            )
        return cleaned

    def service_data(self) -> dict:
        names = [name for name in self._meta.fields if name in self.fields]
        names += [precise_dates.precision_name(name) for name in self._precise_names()]
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    # -- saving through the services --------------------------------------------------------

    def save(self, commit=True):
        """Create or update through the services; raises ConflictError on a stale edit."""
        try:
            if self.is_editing:
                return tracked_update(
                    instance=self.instance,
                    user=self.user,
                    data=self.service_data(),
                    expected_version=self.cleaned_data["expected_version"],
                    basis=self.basis_value(),
                )
            return record_create(
                model=self._meta.model,
                user=self.user,
                data=self.service_data(),
                evidence_excerpt=self.cleaned_data.get("excerpt"),
                evidence_note=self.cleaned_data.get("evidence_note", ""),
                identifiers=[self.cleaned_data["identifier"]]
                if self.cleaned_data.get("identifier")
                else [],
                basis=self.basis_value(),
            )
        except IntegrityError:
            # Two people created the same address at the same moment: the later one retries.
            raise ValidationError(
                {"slug": "This address was just taken; choose another or leave it empty."}
            ) from None

    def add_service_errors(self, exc: ValidationError) -> None:
        """Show a service's refusal beside the fields it names (or above the form)."""
        from cooperation.services.identifiers import DuplicateIdentifier

        if isinstance(exc, DuplicateIdentifier) and "identifier" in self.fields:
            self.add_error("identifier", exc.error_dict["value"])
            return
        if hasattr(exc, "error_dict"):
            unfounded = []
            for name, errors in exc.error_dict.items():
                if any(NEEDS_BASIS in message for e in errors for message in e.messages):
                    unfounded.append(name)
                self.add_error(name if name in self.fields else None, errors)
            if unfounded and "basis_kind" in self.fields:
                model = self._meta.model
                labels = [str(model._meta.get_field(name).verbose_name) for name in unfounded]
                self.add_error(
                    "basis_kind",
                    f"Say where the values you set come from ({', '.join(labels)} changed).",
                )
        else:
            self.add_error(None, exc)


class AgreementForm(RecordForm):
    party_dates = PartyDatesField(label="Each party's signature and ratification")

    class Meta(RecordForm.Meta):
        model = Agreement
        fields = SPECS[Agreement].form_fields()
        widgets = {
            **RecordForm.Meta.widgets,
            "parties": Checkboxes,
            "amends": Checkboxes,
            "supersedes": Checkboxes,
        }
        help_texts = RecordForm.Meta.help_texts
        labels = {
            **RecordForm.Meta.labels,
            "in_force_on": "Entry into force",
            "registration_number": "UN Treaty Series registration number",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Actor.objects.order_by("name")
        others = Agreement.objects.order_by("title")
        if self.is_editing:
            others = others.exclude(pk=self.instance.pk)
        for name in ("amends", "supersedes"):
            self.fields[name].queryset = others

    def clean_registration_number(self):
        # "i:33521", " I:33521 " and "I-33521" are the same number as I:33521.
        value = self.cleaned_data.get("registration_number", "")
        return value.strip().upper().replace("-", ":").replace(" ", "")

    def clean(self):
        cleaned = super().clean()
        for name in ("amends", "supersedes"):
            if self.is_editing and any(a.pk == self.instance.pk for a in cleaned.get(name) or ()):
                self.add_error(name, f"An agreement cannot {name.removesuffix('s')} itself.")
        dated = cleaned.get("party_dates") or []
        if dated and "parties" in cleaned:
            parties = {actor.pk for actor in cleaned["parties"]}
            strangers = [entry["party"] for entry in dated if entry["party"] not in parties]
            if strangers:
                names = ", ".join(
                    Actor.all_objects.filter(pk__in=strangers)
                    .order_by("name")
                    .values_list("name", flat=True)
                )
                self.add_error(
                    "party_dates",
                    f"{names}: not a party to this agreement. Tick it among the parties, or "
                    "remove its line.",
                )
        return cleaned


class DealForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Deal
        fields = SPECS[Deal].form_fields()
        widgets = {**RecordForm.Meta.widgets, "governed_by": Checkboxes}
        help_texts = RecordForm.Meta.help_texts
        labels = RecordForm.Meta.labels

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("supplier", "recipient"):
            self.fields[name].queryset = Actor.objects.order_by("name")
        self.fields["governed_by"].queryset = Agreement.objects.order_by("title")
        self.fields["value_currency"].widget.attrs.update(
            {"size": 3, "autocapitalize": "characters", "placeholder": "USD"}
        )

    def clean_value_currency(self):
        return (self.cleaned_data.get("value_currency") or "").strip().upper()


class ChallengeForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Challenge
        fields = SPECS[Challenge].form_fields()
        widgets = {
            **RecordForm.Meta.widgets,
            "affects_deals": Checkboxes,
            "affects_agreements": Checkboxes,
        }
        help_texts = RecordForm.Meta.help_texts
        labels = RecordForm.Meta.labels

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["affects_deals"].queryset = Deal.objects.order_by("title")
        self.fields["affects_agreements"].queryset = Agreement.objects.order_by("title")


class RecommendationForm(RecordForm):
    """The status is never a form field: it moves only through the transition service."""

    class Meta(RecordForm.Meta):
        model = Recommendation
        fields = SPECS[Recommendation].form_fields()
        widgets = {
            **RecordForm.Meta.widgets,
            "addressed_to": Checkboxes,
            "addresses": Checkboxes,
        }
        labels = {**RecordForm.Meta.labels, "addresses": "Challenges it answers"}
        help_texts = RecordForm.Meta.help_texts

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = internal_users()
        self.fields["addressed_to"].queryset = Actor.objects.order_by("name")
        self.fields["addresses"].queryset = Challenge.objects.order_by("title")


RECORD_FORMS: dict[type[Record], type[RecordForm]] = {
    Agreement: AgreementForm,
    Deal: DealForm,
    Challenge: ChallengeForm,
    Recommendation: RecommendationForm,
}
