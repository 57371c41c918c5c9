"""The test suite's package ``tests``, importable without the repository root on sys.path.

The root holds the source tree's ``signalkit/``: on sys.path, it would shadow the installed
package the suite is meant to test (tox installs the built wheel). So pytest's
``pythonpath`` names this folder, which holds nothing but this module, and the processes
the tests start run in it (:mod:`tests.interpreter`).

A module with a ``__path__`` is a package: its submodules (``tests.settings``,
``tests.testapp``...) are looked up in the real ``tests/`` folder, next to this one.
"""

from __future__ import annotations

import os

__path__ = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
