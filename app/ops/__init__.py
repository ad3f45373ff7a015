"""Operational commands the image runs beside the app's roles (no Django: they read no settings)."""
