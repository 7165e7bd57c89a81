from django.db import migrations, models


class Migration(migrations.Migration):
    """A read mark keeps the newest message id shown rather than its time (providers stamp to the second)."""

    dependencies = [
        ("inbox", "0004_last_seen"),
    ]

    operations = [
        migrations.RemoveField(model_name="lastseen", name="seen_at"),
        migrations.AddField(model_name="lastseen", name="message_id", field=models.PositiveBigIntegerField(default=0),
                            preserve_default=False),
    ]
