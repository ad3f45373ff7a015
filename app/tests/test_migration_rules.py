"""The rollout rules of migration_safety.py, one operation at a time: what each does to the
release still running (the unsafe fixture app covers whole migrations, test_migration_safety.py)."""

from __future__ import annotations

import pytest
from django.db import migrations, models
from django.db.migrations.state import ProjectState

from migration_safety import operation_risks


@pytest.fixture
def state() -> ProjectState:
    """A project whose one model has a nullable note and a required eight-character code."""
    state = ProjectState()
    migrations.CreateModel(
        "Order",
        [
            ("id", models.BigAutoField(primary_key=True)),
            ("note", models.TextField(null=True)),
            ("code", models.CharField(max_length=8)),
        ],
    ).state_forwards("shop", state)
    return state


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (migrations.AddField("order", "state", models.CharField(max_length=8, db_default="new")), []),
        (migrations.AddField("order", "tags", models.JSONField(null=True)), []),
        (
            migrations.AddField("order", "state", models.CharField(max_length=8, default="new")),
            ["unsafe: adds order.state NOT NULL without a database default"],
        ),
        (migrations.AlterField("order", "note", models.TextField()), ["unsafe: makes order.note NOT NULL"]),
        (migrations.AlterField("order", "code", models.CharField(max_length=8, null=True)), []),
        (
            migrations.AlterField("order", "code", models.CharField(max_length=4)),
            ["review needed: changes the type of order.code"],
        ),
        (
            migrations.AlterField("order", "code", models.CharField(max_length=8, db_column="ref")),
            ["unsafe: renames the column of order.code"],
        ),
        (migrations.RemoveField("order", "note"), ["unsafe: drops order.note, which the old code reads"]),
        (migrations.RenameField("order", "note", "remark"), ["unsafe: renames order.note to remark"]),
        (migrations.DeleteModel("Order"), ["unsafe: drops the table of Order"]),
        (migrations.RenameModel("Order", "Purchase"), ["unsafe: renames Order to Purchase and so its table"]),
        (migrations.AlterModelTable("order", "orders"), ["unsafe: moves order to table orders"]),
        (migrations.AddIndex("order", models.Index(fields=["code"], name="code_idx")), []),
        (migrations.RunSQL("UPDATE shop_order SET note = ''"), ["review needed: Raw SQL operation"]),
        (
            migrations.AddConstraint("order", models.UniqueConstraint(fields=["code"], name="one_code")),
            ["review needed: Create constraint one_code on model order: the old code's writes may violate it"],
        ),
        (
            migrations.SeparateDatabaseAndState(database_operations=[migrations.RemoveField("order", "note")]),
            ["unsafe: drops order.note"],
        ),
        (migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("order", "note")]), []),
    ],
    ids=lambda value: value.describe() if hasattr(value, "describe") else None,
)
def test_each_operation_is_judged_by_what_it_does_to_the_old_code(state, operation, expected):
    risks = operation_risks(operation, "shop", state)
    assert len(risks) == len(expected), risks
    for risk, start in zip(risks, expected, strict=True):
        assert risk.startswith(start), risks
