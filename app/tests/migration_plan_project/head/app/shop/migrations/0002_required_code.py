"""Unsafe while the old code runs: NOT NULL without a database default (Django's default= only
fills the existing rows), so the old code's INSERTs, which do not set it, fail."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_seed")]
    operations = [
        migrations.AddField(
            model_name="order",
            name="code",
            field=models.CharField(max_length=8, default="none"),
            preserve_default=False,
        ),
    ]
