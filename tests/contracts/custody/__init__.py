"""Custody tests split by subject (the bulk of them are in tests/contracts/test_custody.py)."""
