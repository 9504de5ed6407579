"""A small LTI 1.3 platform served at ``/demo-lms/`` in demo mode, to try the tool without an LMS.

It is registered with the tool like any platform and talks to it only through the real flow
(login initiation, OIDC authorization, signed launches, Deep Linking). It is a product feature
for evaluators and trainers, never served in production, and separate from the test suite's
platform simulator.
"""
