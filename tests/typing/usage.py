"""signalkit as a user's type checker sees it: checked by mypy (strict) and pyright in
tox's ``type`` environment, never run nor collected by pytest.

Each line that must be rejected carries ``# type: ignore[<code>]``: with
``warn_unused_ignores`` (mypy) and ``reportUnnecessaryTypeIgnoreComment`` (pyright), the
check fails as soon as such a line is accepted.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import DEFERRED, Model
from django.db.models.signals import post_save, pre_delete
from typing_extensions import assert_type

import signalkit
from signalkit.testing import Call, Muted, Run, assert_sent, capture, mute, trace


def created_user(sender: type[User], instance: User, **kwargs: Any) -> None: ...


def is_active(instance: User, **kwargs: Any) -> bool:
    return instance.is_active


async def deleted_user(sender: type[Model], **kwargs: Any) -> int:
    return 1


async def decorators_keep_the_function_type(user: User) -> None:
    kept = signalkit.on_post_save(User, created=True)(created_user)
    assert_type(kept(User, user, raw=False), None)
    kept(User)  # type: ignore[call-arg]
    kept_async = signalkit.receiver(pre_delete, sender=User)(deleted_user)
    assert_type(await kept_async(User), int)


def options() -> None:
    # Every option, with a value of its type.
    signalkit.on_post_save(
        "auth.User",
        created=True,
        changed=["email", "username"],
        when=is_active,
        on_commit=True,
        task={
            "backend": "celery",
            "queue_name": "mail",
            "priority": 5,
            "fields": ["id"],
        },
        robust=True,
        reentrant=False,
        dispatch_uid="welcome",
        weak=False,
        subclasses=False,
    )(created_user)
    signalkit.on_pre_save([User, "auth.Group"], changed="name")(created_user)
    signalkit.on_post_save(User, when=None, created=None)(created_user)
    signalkit.on_post_delete("auth.*", task=True)(deleted_user)
    signalkit.on_post_update(User, task="default")(deleted_user)
    signalkit.receiver([post_save, pre_delete], sender=User, robust=True)(created_user)


def rejected_options() -> None:
    # A misspelled option.
    signalkit.on_post_save(User, craeted=True)  # type: ignore[call-arg]
    # An option of another signal: created= is post_save's, changed= pre_save's and post_save's.
    signalkit.on_pre_save(User, created=True)  # type: ignore[call-arg]
    signalkit.on_post_delete(User, changed="email")  # type: ignore[call-arg]
    signalkit.on_post_bulk_update(User, created=False)  # type: ignore[call-arg]
    # A value of the wrong type.
    signalkit.on_post_save(User, created="yes")  # type: ignore[arg-type]
    signalkit.on_post_save(User, robust=None)  # type: ignore[arg-type]
    signalkit.on_post_save(User, task={"queue": "mail"})  # type: ignore[arg-type]
    signalkit.on_post_save(User, task={"priority": "high"})  # type: ignore[arg-type]
    signalkit.receiver(post_save, craeted=True)  # type: ignore[call-arg]
    # A model shortcut's sender is a model, a label or a list of them.
    signalkit.on_post_save(42)  # type: ignore[arg-type]


def tracking(user: User) -> None:
    signalkit.track(User)
    signalkit.track("auth.User", fields=["email"])
    assert_type(signalkit.changes(user), dict[str, tuple[Any, Any]])
    assert_type(signalkit.has_changed(user, "email"), bool)
    if signalkit.previous(user, "email") is DEFERRED:
        pass
    signalkit.changes(User)  # type: ignore[arg-type]
    signalkit.has_changed(user)  # type: ignore[call-arg]
    signalkit.track(User, fields="email")
    signalkit.track(User, fields=[1])  # type: ignore[list-item]


def testing_helpers() -> None:
    with capture(post_save, sender=User) as calls:
        pass
    assert_type(calls, list[Call])
    with assert_sent(post_save, sender="auth.User", created=True) as sent:
        pass
    assert_type(sent, list[Call])
    with trace() as runs:
        pass
    assert_type(runs, list[Run])
    assert_type(mute(post_save), Muted)
    muted = mute(post_save, sender=User)(created_user)
    muted(User)  # type: ignore[call-arg]
    capture("post_save")  # type: ignore[arg-type]
    mute("post_save")  # type: ignore[arg-type]
