"""Each record kind's fields, defined once.

The specification below drives every place a record's fields appear: the API
representation (and so the partner list's rows, which api/record_rows.py builds from the
serializer's fields, and the API's CSV), the web CSV export, the web forms and the admin's
fieldsets. Adding a field to a kind is one `Field(...)` line here plus its migration;
`tests/cooperation/test_fieldspec.py` walks every model field and fails when one is in
none of those outputs without being listed in `EXCLUDED` with the reason.

What is shared by every kind (title, slug, summary, visibility, actors, topics, the
bookkeeping columns) is `RECORD`; a kind lists only its own fields, in the order people
read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from cooperation.models import Agreement, Challenge, Deal, Recommendation

MAIN = None  # the admin's first, untitled fieldset
LINKS = _("Links")


@dataclass(frozen=True)
class Field:
    """One model field of a kind, and where it shows.

    `header`: its CSV header when not its name. `form`: whether people edit it in the web
    form and the admin (a field moved only by a service, such as a recommendation's
    status, is shown read-only in the admin; a date's precision, which the web form reads
    from how the date is written). `group`: the admin fieldset it sits in.
    `api_extra`: computed API fields that follow it (a display name, the allowed moves).
    `csv_extra`: computed CSV columns that follow it, by name (cooperation/exports.py).
    """

    name: str
    header: str | None = None
    form: bool = True
    group: object = MAIN
    api_extra: tuple[str, ...] = ()
    csv_extra: tuple[str, ...] = ()

    @property
    def csv_header(self) -> str:
        return self.header or self.name


@dataclass(frozen=True)
class KindSpec:
    model: type[models.Model]
    fields: tuple[Field, ...]
    # Extra admin fieldsets' order (their titles); MAIN and LINKS are placed by the base.
    groups: tuple = field(default=())

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def api_fields(self) -> list[str]:
        names = []
        for f in self.fields:
            names.extend((f.name, *f.api_extra))
        return names

    def form_fields(self) -> list[str]:
        """The web form's fields: title, slug, summary, the kind's own, then the shared rest."""
        own = [f.name for f in self.fields if f.form]
        return [*RECORD_FORM_HEAD, *own, *RECORD_FORM_TAIL]

    def admin_fieldsets(self, tail) -> tuple:
        """The admin's fieldsets: the kind's own fields grouped as declared, then `tail`."""
        own = [f for f in self.fields if f.group is MAIN and not self._is_link(f)]
        sets = [(None, {"fields": (*RECORD_FORM_HEAD, *(f.name for f in own), "visibility")})]
        for title in self.groups:
            names = tuple(f.name for f in self.fields if f.group == title)
            sets.append((title, {"fields": names}))
        links = tuple(f.name for f in self.fields if f.group is LINKS or self._is_link(f))
        sets.append((LINKS, {"fields": (*links, "actors", "topics", "tags")}))
        sets.append(tail)
        return tuple(sets)

    def _is_link(self, f: Field) -> bool:
        return f.group is MAIN and self.model._meta.get_field(f.name).many_to_many


# Shared by every kind: the form shows these around the kind's own fields.
RECORD_FORM_HEAD = ("title", "slug", "summary")
RECORD_FORM_TAIL = ("visibility", "actors", "topics", "tags")
# Shared fields in the API (RecordSerializer.record_fields), the CSV and the admin.
RECORD_SHARED = (*RECORD_FORM_HEAD, *RECORD_FORM_TAIL)
BOOKKEEPING = ("version", "created_at", "created_by", "updated_at", "updated_by")

DATES = _("Dates")
PARTIES_AND_PERIOD = _("Parties and period")
FOLLOW_UP = _("Follow-up")

SPECS: dict[type[models.Model], KindSpec] = {
    spec.model: spec
    for spec in (
        KindSpec(
            Agreement,
            (
                Field("kind"),
                Field("status"),
                Field("parties"),
                Field("signed_on", header="signed", group=DATES),
                Field("signed_on_precision", header="signed_precision", form=False, group=DATES),
                Field("in_force_on", header="in_force", group=DATES),
                Field(
                    "in_force_on_precision", header="in_force_precision", form=False, group=DATES
                ),
            ),
            groups=(DATES,),
        ),
        KindSpec(
            Deal,
            (
                Field("kind"),
                Field("status"),
                Field("supplier", group=PARTIES_AND_PERIOD),
                Field("recipient", group=PARTIES_AND_PERIOD),
                Field("system", group=PARTIES_AND_PERIOD),
                Field("period_start", group=PARTIES_AND_PERIOD),
                Field("period_start_precision", form=False, group=PARTIES_AND_PERIOD),
                Field("period_end", group=PARTIES_AND_PERIOD),
                Field("period_end_precision", form=False, group=PARTIES_AND_PERIOD),
                Field("governed_by"),
            ),
            groups=(PARTIES_AND_PERIOD,),
        ),
        KindSpec(
            Challenge,
            (
                Field("category"),
                Field("severity"),
                Field("affects_deals"),
                Field("affects_agreements"),
            ),
        ),
        KindSpec(
            Recommendation,
            (
                Field("priority"),
                Field("addressed_to", group=FOLLOW_UP),
                Field("addresses", header="addresses_challenges", group=FOLLOW_UP),
                Field(
                    "owner", group=FOLLOW_UP, api_extra=("owner_name",), csv_extra=("owner_email",)
                ),
                Field("target_date", group=FOLLOW_UP, csv_extra=("overdue",)),
                Field("target_date_precision", form=False, group=FOLLOW_UP),
                # Moves only through the transition service, with its note and evidence.
                Field(
                    "status",
                    form=False,
                    api_extra=("gao_status", "allowed_transitions", "status_history", "responses"),
                    csv_extra=("gao_status", "responses"),
                ),
            ),
            groups=(FOLLOW_UP,),
        ),
    )
}

# Model fields deliberately in no output, with the reason. Anything else a kind's model
# holds must be in RECORD_SHARED, BOOKKEEPING or its spec (tests/cooperation/test_fieldspec.py).
EXCLUDED = {
    "id": "the API's `id` and `url`, and the CSV's first column; never edited",
    "search_a": "derived from the searched fields on every save (cooperation/models/search.py)",
    "search_b": "derived from the searched fields on every save",
    "deleted_at": "the trash: a deleted record is in no list, export or form",
    "deleted_by": "the trash's own page shows who deleted it",
    "merged_into": "a merged record redirects to its survivor; no output lists it",
    "spine": "the record's row in RecordSpine (identity for attachments; never shown): what "
    "hangs off it (evidence, identifiers) is shown as those lists",
}
