"""Password forms whose save goes through accounts.services, so every change is on record."""

from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm

from accounts.services import user_set_password

PASSWORD_CHANGED = "Password changed"
PASSWORD_RESET = "Password reset by email link"


class PasswordChangeThroughServiceForm(PasswordChangeForm):
    def save(self, commit=True):
        return user_set_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            actor=self.user,
            reason=PASSWORD_CHANGED,
        )


class PasswordResetThroughServiceForm(SetPasswordForm):
    """The last step of a reset: the person proved they read the account's email."""

    def save(self, commit=True):
        return user_set_password(
            user=self.user,
            password=self.cleaned_data["new_password1"],
            actor=self.user,
            reason=PASSWORD_RESET,
        )
