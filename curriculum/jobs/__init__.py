"""Background jobs: a table of work that any process may add to and worker processes run.

Each part contributes its job kinds to the app's :class:`~curriculum.jobs.registry.JobRegistry`
(exports renders syllabi; the LMS side will deliver scores); ``curriculum worker`` runs them.
"""
