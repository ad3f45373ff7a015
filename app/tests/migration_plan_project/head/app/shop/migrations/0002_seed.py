"""A data migration without reverse code: irreversible, and code a reviewer must read.
Applied first (the graph's order), although its name sorts last."""

from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("shop", "Order").objects.create(reference="seed")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(seed)]
