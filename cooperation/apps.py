from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = "Cooperation records"

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from cooperation.changes import on_history_row

        # Every history row a write makes also enters the partners' change feed, in the
        # write's own transaction (cooperation/changes.py). A signal, so that history (which
        # the models use) need not know the feed (which reads the models).
        post_create_historical_record.connect(on_history_row, dispatch_uid="contours-change-feed")
