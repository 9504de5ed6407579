"""Editors' accounts: users, roles and API tokens."""
