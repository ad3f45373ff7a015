"""Deliberately unsafe while the previous release still runs: it drops a column that release
reads, and adds a NOT NULL column without a database default that release does not write."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("unsafe_migrations", "0001_initial")]
    operations = [
        migrations.RemoveField(model_name="order", name="note"),
        migrations.AddField(
            model_name="order",
            name="customer",
            field=models.CharField(max_length=64, default="x"),
            preserve_default=False,
        ),
    ]
