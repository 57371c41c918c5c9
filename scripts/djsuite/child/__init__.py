"""What runs inside Django's ``runtests.py`` under the harness.

``settings`` is passed as ``--settings``; it names :class:`runner.RecordingRunner` as the
test runner. ``control`` and ``signalkit_on`` are the two apps the comparison installs (one
per run, through ``$DJANGO_SUITE_APPS``).
"""
