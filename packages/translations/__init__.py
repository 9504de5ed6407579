"""Translations of the packages' and modules' own texts into the other UN languages."""
