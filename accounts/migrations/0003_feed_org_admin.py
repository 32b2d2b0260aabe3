"""A partner organisation's admin: may create and revoke its members' API tokens."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_api_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaluser',
            name='is_org_admin',
            field=models.BooleanField(default=False, help_text="Partners: may create and revoke API tokens for their organisation's members on the API access page.", verbose_name='organisation admin'),
        ),
        migrations.AddField(
            model_name='user',
            name='is_org_admin',
            field=models.BooleanField(default=False, help_text="Partners: may create and revoke API tokens for their organisation's members on the API access page.", verbose_name='organisation admin'),
        ),
    ]
