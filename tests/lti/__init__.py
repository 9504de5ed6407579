"""LTI 1.3 tests: the tool against a simulated Moodle 4.5 and Canvas over real HTTP."""
