"""The claims panel's writes and the disagreements page.

Adding a claim (`claim_add`) and ranking one (`claim_set_rank`) are POSTs from the record
page, for people who may edit the record (the services ask again); a refusal shows on the
page beside the panel's field, nothing saved. A claim id is looked up among the record's
own claims: another record's claim is a 404. /disagreements/ lists the fields whose
sources disagree and no claim is preferred (services.claims.unresolved()), of the records
the person may read.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from accounts.decorators import internal_user_required
from cooperation.forms.claims import ClaimForm, ClaimRankForm
from cooperation.models import Claim, RecordSpine
from cooperation.permissions import require
from cooperation.selectors import readable_record_q, records_visible_to
from cooperation.services.claims import claim_add, claim_set_rank, unresolved
from cooperation.services.common import ConflictError
from cooperation.views import records as record_views


def _record(request, kind: str, slug: str):
    kind = record_views._kind(kind)
    record = get_object_or_404(
        records_visible_to(request.user, kind.model).select_related("spine"), slug=slug
    )
    require(request.user, "edit", record)
    return kind, record


def _page_with(request, kind, record, *, claim_form=None, status=400):
    """The record page again, the panel's form holding what was typed and its errors."""
    loaded = record_views._detail_queryset(kind, request.user).get(pk=record.pk)
    response = record_views.record_detail_page(request, kind, loaded, claim_form=claim_form)
    response.status_code = status
    return response


@internal_user_required
@require_POST
def claim_add_view(request, kind: str, slug: str):
    kind, record = _record(request, kind, slug)
    form = ClaimForm(request.POST, record=record)
    if form.is_valid():
        try:
            claim = claim_add(
                user=request.user,
                record=record,
                field=form.cleaned_data["field"],
                value=form.cleaned_data["parsed"],
                basis=form.basis_value(),
            )
        except ConflictError:
            form.add_error(None, "Someone changed this record meanwhile; try again.")
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                target = {"basis": "basis_kind"}.get(name, name)
                form.add_error(target if target in form.fields else "value", errors)
        else:
            messages.success(request, f"Claim added to {claim.field.replace('_', ' ')}.")
            return redirect(f"{record.get_absolute_url()}#claims-heading")
    return _page_with(request, kind, record, claim_form=form)


@internal_user_required
@require_POST
def claim_rank_view(request, kind: str, slug: str, claim_id: int):
    kind, record = _record(request, kind, slug)
    claim = get_object_or_404(Claim.objects.filter(spine_id=record.spine_id), pk=claim_id)
    form = ClaimRankForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose preferred, normal or deprecated.")
        return redirect(f"{record.get_absolute_url()}#claims-heading")
    try:
        claim_set_rank(user=request.user, claim=claim, rank=form.cleaned_data["rank"])
    except ConflictError:
        messages.error(request, "Someone changed this record meanwhile; try again.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Claim #{claim.pk} ranked {form.cleaned_data['rank']}.")
    return redirect(f"{record.get_absolute_url()}#claims-heading")


def unresolved_visible(user) -> list[dict]:
    """The unresolved disagreements on records `user` may read (two statements): each
    with its record's spine row (title, address) and the field's label."""
    rows = list(unresolved().filter(readable_record_q(user, "spine")).order_by())
    spines = RecordSpine.objects.in_bulk({row["spine_id"] for row in rows})
    found = []
    for row in rows:
        spine = spines[row["spine_id"]]
        model = record_views.KINDS[spine.record_kind].model
        try:
            label = str(model._meta.get_field(row["field"]).verbose_name)
        except Exception:
            label = row["field"]
        found.append(
            {
                "spine": spine,
                "kind": model._meta.verbose_name,
                "field": row["field"],
                "label": label,
            }
        )
    found.sort(key=lambda r: (r["spine"].title.lower(), r["label"]))
    return found


def unresolved_count() -> int:
    """Every internal user reads every live record: the dashboard's shared count."""
    return unresolved().filter(spine__deleted_at__isnull=True).order_by().count()


@internal_user_required
def disagreements(request):
    rows = unresolved_visible(request.user)
    return render(request, "cooperation/records/disagreements.html", {"rows": rows})


def _kind_urls(kind) -> list:
    p, n, k = kind.prefix, kind.name, {"kind": kind.name}
    return [
        path(f"{p}/<slug:slug>/claims/add/", claim_add_view, k, name=f"{n}_claim_add"),
        path(
            f"{p}/<slug:slug>/claims/<int:claim_id>/rank/",
            claim_rank_view,
            k,
            name=f"{n}_claim_rank",
        ),
    ]


urlpatterns = [
    path("disagreements/", disagreements, name="disagreements"),
    *(pattern for kind in record_views.KINDS.values() for pattern in _kind_urls(kind)),
]
