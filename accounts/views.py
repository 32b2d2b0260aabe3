"""Login, logout, password change and reset: Django's views, with forms that use the services.

Django's LoginView rotates the session key on login (django.contrib.auth.login
calls cycle_key), so a session id planted before login is worthless after it.
django-axes refuses an account and address after repeated failures
(settings: AXES_*), rendering registration/locked_out.html.
"""

from django.contrib.auth import views as auth_views

from accounts.forms import PasswordChangeThroughServiceForm, PasswordResetThroughServiceForm

login = auth_views.LoginView.as_view(redirect_authenticated_user=True)
logout = auth_views.LogoutView.as_view()
password_change = auth_views.PasswordChangeView.as_view(form_class=PasswordChangeThroughServiceForm)
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = auth_views.PasswordResetView.as_view(
    email_template_name="registration/password_reset_email.txt",
    subject_template_name="registration/password_reset_subject.txt",
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=PasswordResetThroughServiceForm
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


def lockout_username(request, credentials) -> str | None:
    """The name django-axes counts failures under: the email as typed, trimmed and lower-cased."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    # axes stores it in a 255-character column; lower-casing can lengthen text ("İ" becomes
    # two characters), so even a 254-character email could overflow it (a 500 on PostgreSQL).
    return raw.strip().lower()[:255] if raw else None
