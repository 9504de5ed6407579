"""The LMS side: LTI 1.3 partner platforms and their registrations (by hand or Dynamic
Registration), secure launches, Deep Linking, the tool's keys, the learner and trainer pages,
and the demo LMS.

pylti1p3 is used behind this package's own modules; the rest of the app sees only them.
"""
