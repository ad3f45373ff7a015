"""A test fixture, not an app of the product: migrations that would break the release still
running while they apply, for tests/test_migration_safety.py to prove the linter catches them.
Installed only inside that test."""
