from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def expire_existing_tokens(apps, schema_editor):
    """Tokens minted before scopes existed become read-only and expire 90 days after they were made."""
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.all():
        token.expires_at = token.created_at + timedelta(days=90)
        token.scope = "read"
        token.save(update_fields=["expires_at", "scope"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_last_assigned_at_user_on_duty"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="wajib mengganti kata sandi"),
        ),
        migrations.AddField(
            model_name="user",
            name="password_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(choices=[("read", "Hanya membaca"), ("write", "Membaca dan menulis")],
                                   default="read", max_length=5, verbose_name="cakupan"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="granted_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="berlaku sampai"),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="berlaku sampai"),
        ),
    ]
