"""The inventory of existing training: agencies, themes and modules."""
