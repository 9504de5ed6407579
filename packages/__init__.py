"""Joint training packages: assembly from modules, completion rules, versions, the curriculum."""
