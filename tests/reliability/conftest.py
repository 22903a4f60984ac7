"""Fixtures of the reliability tests (the ``ledger`` fixture comes from tests/reliability/ledger.py)."""
