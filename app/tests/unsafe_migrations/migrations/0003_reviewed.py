"""Unsafe too (drops a column), but reviewed: the contract step of an expand/contract change,
shipped once no running release reads the column."""

from django.db import migrations


class Migration(migrations.Migration):
    # The reviewed marker (docs/migrations.md): why this is safe now, and who reviewed it.
    unsafe_reviewed = "contract step: no release since 2026-11 reads Order.reference; reviewed by ops"
    dependencies = [("unsafe_migrations", "0002_unsafe")]
    operations = [migrations.RemoveField(model_name="order", name="reference")]
