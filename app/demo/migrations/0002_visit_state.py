import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    # Reviewed exception to the migration linter (docs/operations.md, "Migrations that survive a rollout"): see the reason.
    unsafe_reviewed = (
        "NOT NULL state/queued_at without a database default and a non-concurrent index: accepted because "
        "no deployment serves the 0001 schema yet (reviewed for issue 15); a later change of this kind "
        "uses db_default and AddIndexConcurrently instead"
    )

    dependencies = [
        ('demo', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='visit',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('done', 'Done')], default='pending', max_length=16),
        ),
        migrations.AddField(
            model_name='visit',
            name='queued_at',
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        # Visits hashed before the state existed are done; the rest are pending work.
        migrations.RunSQL(
            "UPDATE demo_visit SET state = 'done' WHERE digest <> ''",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='visit',
            index=models.Index(condition=models.Q(('state', 'pending')), fields=['queued_at'], name='visit_pending_queued_at'),
        ),
    ]
