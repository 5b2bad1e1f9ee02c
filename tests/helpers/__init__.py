"""Importable test builders, imported by name (``from tests.helpers.orders import place``); the
conftest.py files hold fixtures only."""
