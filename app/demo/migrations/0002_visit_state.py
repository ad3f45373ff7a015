import django.db.models.functions.datetime
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Safe while the previous release still serves (docs/operations.md, "Migrations that survive a
    # rollout"): the new columns have database defaults, so its inserts, which do not name them,
    # still succeed; the index is built concurrently, without blocking writes, which PostgreSQL
    # only does outside a transaction.
    atomic = False

    dependencies = [
        ("demo", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="visit",
            name="state",
            field=models.CharField(
                choices=[("pending", "Pending"), ("done", "Done")],
                db_default="pending",
                default="pending",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="visit",
            name="queued_at",
            field=models.DateTimeField(auto_now_add=True, db_default=django.db.models.functions.datetime.Now()),
        ),
        # Visits hashed before the state existed are done; the rest are pending work.
        migrations.RunSQL(
            "UPDATE demo_visit SET state = 'done' WHERE digest <> ''",
            reverse_sql=migrations.RunSQL.noop,
        ),
        AddIndexConcurrently(
            model_name="visit",
            index=models.Index(
                condition=models.Q(("state", "pending")), fields=["queued_at"], name="visit_pending_queued_at"
            ),
        ),
    ]
