"""Notifications: the page, marking read, a person's settings, and watching a record.

What is written goes through cooperation/services/notifications.py; what is shown
through `selectors.notifications_visible_to` (nothing about what the reader may not read).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import internal_user_required
from cooperation.choices import EmailPreference
from cooperation.models import NotificationSettings
from cooperation.models.spine import with_records
from cooperation.selectors import notifications_visible_to, records_visible_to
from cooperation.services import notifications as service
from cooperation.views.records import KINDS
from cooperation.views.redirects import safe_next_url

PAGE_SIZE = 25


def _list_url() -> str:
    return reverse("cooperation:notifications")


@internal_user_required
@require_GET
def notification_list(request):
    rows = (
        notifications_visible_to(request.user)
        .select_related("actor", "note__excerpt__source", *with_records())
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page.object_list:
        notification.url = service.notification_url(notification)
    current = NotificationSettings.objects.filter(user=request.user).first()
    return render(
        request,
        "cooperation/notifications/list.html",
        {
            "page": page,
            "email_choices": EmailPreference.choices,
            "email": current.email if current else EmailPreference.NONE,
            "handle": (current.handle or "") if current else "",
            "local_part": request.user.email.split("@")[0],
        },
    )


@internal_user_required
@require_POST
def notification_read(request):
    notification = service.notification_mark_read(
        user=request.user, notification_id=request.POST.get("id")
    )
    if request.POST.get("open"):
        return redirect(service.notification_url(notification))
    return redirect(safe_next_url(request, _list_url()))


@internal_user_required
@require_POST
def notification_read_all(request):
    marked = service.notification_mark_all_read(user=request.user)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect(safe_next_url(request, _list_url()))


@internal_user_required
@require_POST
def notification_settings(request):
    try:
        service.notification_settings_update(
            user=request.user,
            email=request.POST.get("email", ""),
            handle=request.POST.get("handle", ""),
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, "Notification settings saved.")
    return redirect(_list_url())


@internal_user_required
@require_POST
def record_watch(request, kind: str, slug: str):
    model = KINDS[kind].model
    record = records_visible_to(request.user, model).filter(slug=slug).first()
    if record is None:
        raise Http404("No such record.")
    wanted = {"1": True, "0": False}.get(request.POST.get("watch", ""))
    watching = service.watch_toggle(user=request.user, record=record, watch=wanted)
    said = "You are watching" if watching else "You stopped watching"
    messages.success(request, f"{said} “{record.title}”.")
    return redirect(safe_next_url(request, record.get_absolute_url()))


urlpatterns = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notification_read, name="notifications_read"),
    path("notifications/read-all/", notification_read_all, name="notifications_read_all"),
    path("notifications/settings/", notification_settings, name="notifications_settings"),
    *(
        path(f"{k.prefix}/<slug:slug>/watch/", record_watch, {"kind": k.name}, name=f"{n}_watch")
        for n, k in KINDS.items()
    ),
]
