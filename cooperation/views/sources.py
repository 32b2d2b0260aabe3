"""A source's details edited in the workspace; the save is source_metadata_update's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from accounts.decorators import internal_user_required
from cooperation.forms.sources import SourceMetadataForm
from cooperation.models import Source
from cooperation.permissions import require
from cooperation.services import source_metadata_update
from cooperation.services.common import ConflictError


@internal_user_required
def source_edit(request, pk: int):
    source = get_object_or_404(Source.objects, pk=pk)
    # The service decides again under its lock; the page only avoids offering a form that
    # could never be saved.
    require(request.user, "edit", source)
    # The source's versions, newest first: who changed its details, when and why.
    versions = source.history.select_related("history_user").order_by("-history_id")[:20]
    context = {"source": source, "versions": versions}
    if request.method != "POST":
        form = SourceMetadataForm.for_source(source)
        return render(request, "cooperation/reader/source_edit.html", {**context, "form": form})

    form = SourceMetadataForm(data=request.POST)
    status = 200
    if form.is_valid():
        try:
            saved = source_metadata_update(
                source=source,
                user=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data["expected_version"],
            )
        except ConflictError as exc:
            # Their input stays in the form; the page says what to do and shows it is stale.
            form.add_error(None, exc.messages)
            context["current"] = Source.objects.filter(pk=source.pk).first()
            status = 409
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if saved.version == form.cleaned_data["expected_version"]:
                messages.info(request, "Nothing changed, so nothing was saved.")
            else:
                messages.success(request, f"Saved the source's details as version {saved.version}.")
            return redirect(saved.get_absolute_url())
    return render(
        request, "cooperation/reader/source_edit.html", {**context, "form": form}, status=status
    )


urlpatterns = [
    path("sources/<int:pk>/edit/", source_edit, name="source_edit"),
]
