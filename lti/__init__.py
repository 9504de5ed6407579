"""The LMS side: LTI 1.3 platform registrations, launches, Deep Linking, grade passback.

Nothing is built here yet (the LTI issue); the package exists so that the dependency rule
(lti and exports use packages, which uses the core) is checked from the start.
"""
