"""What just ran: a demo aid that shows, after an action, the receivers that ran for it.

This is the example site's code, not signalkit's, and it is on only while DEBUG is on
(``runserver``): it shows source code, which a site served to others has no reason to.

After a POST that redirects (signing up, creating, paying or shipping orders), the page it
redirects to shows a "What just ran" panel: each receiver of the project's apps that ran
for that request, with its signal, when it ran, how long it took, what it raised, the
events it recorded, and its source (decorator included). Receivers that ran at the commit
(``on_commit=True``) or in a task (``task=True``; the example's ``ImmediateBackend`` runs
the task right after the commit, in the same request) are shown too; with a worker
(``EXAMPLE_TASKS=db``) the task is shown as queued.

- ``recorder``: records what ran in a block, with ``signalkit.testing.trace()``;
- ``catalogue``: what ``manage.py signals --format json`` says about each receiver;
- ``source``: a receiver's or module's source code;
- ``report``: the panel's data, built from a recording, kept in the session;
- ``middleware`` and ``context_processors``: recording a POST, showing the next page.
"""
