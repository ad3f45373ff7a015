"""The demo data a preview starts with (manage.py seed_demo), against the real PostgreSQL."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from demo.models import Heartbeat, Visit

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent.parent / "demo" / "fixtures" / "demo_seed.json"


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_loads_the_fixture_and_a_second_run_adds_nothing():
    rows = json.loads(FIXTURE.read_text())
    visits = sum(row["model"] == "demo.visit" for row in rows)
    assert "seed_demo: demo_seed loaded" in seed()
    assert Visit.objects.count() == visits and Heartbeat.objects.count() == 1
    Visit.objects.filter(pk=1).update(user_agent="changed by a reviewer")
    assert f"{visits} visits" in seed(), "a second run updates the rows in place"
    assert Visit.objects.count() == visits
    assert Visit.objects.get(pk=1).user_agent.startswith("demo seed")


def test_the_apps_own_inserts_come_after_the_seeded_rows():
    seed()
    visit = Visit.objects.create(user_agent="after the seed")
    assert visit.pk > max(Visit.objects.exclude(pk=visit.pk).values_list("pk", flat=True))
