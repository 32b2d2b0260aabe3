from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        import accounts.middleware  # noqa: F401  (connects the login signal receiver)
        from accounts import security  # connects the security log's auth signal receivers
        from accounts.roles import sync_role_groups

        # Permissions exist only after every app has migrated, so roles are synced then.
        post_migrate.connect(sync_role_groups, dispatch_uid="accounts.sync_role_groups")
        security.connect_axes_signal()
