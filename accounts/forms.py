"""Password forms whose save goes through accounts.services, so every change is on record."""

from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.utils.functional import SimpleLazyObject

from accounts.services import user_set_password

PASSWORD_CHANGED = "Password changed"
PASSWORD_RESET = "Password reset by email link"


def _concrete(user):
    """request.user is a lazy wrapper; the service and its history need the User itself.

    The same instance must be changed, so the view's update_session_auth_hash sees the
    new password hash and keeps this session logged in.
    """
    if isinstance(user, SimpleLazyObject):
        user.pk  # noqa: B018  (forces the wrapped user to load)
        return user._wrapped
    return user


class PasswordChangeThroughServiceForm(PasswordChangeForm):
    def save(self, commit=True):
        return user_set_password(
            user=_concrete(self.user),
            password=self.cleaned_data["new_password1"],
            actor=self.user,
            reason=PASSWORD_CHANGED,
        )


class PasswordResetThroughServiceForm(SetPasswordForm):
    """The last step of a reset: the person proved they read the account's email."""

    def save(self, commit=True):
        return user_set_password(
            user=_concrete(self.user),
            password=self.cleaned_data["new_password1"],
            actor=self.user,
            reason=PASSWORD_RESET,
        )
