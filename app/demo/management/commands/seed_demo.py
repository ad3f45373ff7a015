"""Loads the demo data a preview environment starts with (demo/fixtures/demo_seed.json).

Run by a preview's seed Job after its migration (stacks/preview.ts). Idempotent: the fixture's
rows have fixed primary keys, so a second run updates them in place and adds nothing; loaddata
then moves each table's id sequence past them, so the app's own inserts never collide.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from demo.models import Heartbeat, Visit

FIXTURE = "demo_seed"


class Command(BaseCommand):
    help = "Load the demo data of a preview environment (idempotent)."

    def handle(self, *args, **options) -> None:
        call_command("loaddata", FIXTURE, verbosity=0)
        self.stdout.write(
            f"seed_demo: {FIXTURE} loaded; {Visit.objects.count()} visits, {Heartbeat.objects.count()} heartbeats"
        )
