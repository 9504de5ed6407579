"""The core of the GMG standing curriculum service: config, database, inventory, accounts, app."""
