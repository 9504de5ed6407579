"""The demo curriculum: the task force's real inventory and joint packages built from it."""
