"""The ``django-suite`` harness: Django's own test apps run with signalkit switched on.

``scripts/django_suite.py`` is the command; this package holds one module per job:

- :mod:`djsuite.sdist`: fetch (and cache) the Django sdist, extract its ``tests/``;
- :mod:`djsuite.swap`: rewrite the ``dispatch`` and ``signals`` apps to use
  ``signalkit.Signal``/``signalkit.receiver``;
- :mod:`djsuite.runs`: run ``runtests.py`` once (a mode, a database) and read its results;
- :mod:`djsuite.report`: compare a control run with a signalkit-on run and print the result;
- :mod:`djsuite.child`: what runs inside ``runtests.py`` (settings, the recording test runner,
  the control and signalkit-on apps). It is imported there from ``PYTHONPATH``, never here.
"""
