"""A data migration without reverse code: irreversible, and code a reviewer must read.
Applied second (the graph's order), although its name sorts last; reversing stops here."""

from django.db import migrations


def seed(apps, schema_editor):
    apps.get_model("shop", "Order").objects.create(reference="seed")


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_nullable_note")]
    operations = [migrations.RunPython(seed)]
