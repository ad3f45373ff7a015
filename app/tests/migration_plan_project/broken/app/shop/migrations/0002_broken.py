"""Fails to apply: the plan must say so and still remove its database and worktrees."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunSQL("SELECT no_such_function()", reverse_sql=migrations.RunSQL.noop)]
