"""How a connected receiver runs: its conditions, the re-entrancy guard, robustness and
after-commit delivery, compiled once per connection into one small wrapper function.

The common case (a strongly held receiver run at once, neither robust nor deferred) gets
a wrapper that does only what its options ask, each condition a test inlined in it; any
other gets the general one."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async
from django.db import transaction
from django.db.transaction import TransactionManagementError

from signalkit import frozen_changes, guard, outcomes, tracking
from signalkit.naming import callable_path, sender_label, signal_name
from signalkit.options import Options, TaskSpec

if TYPE_CHECKING:
    from signalkit.background import Scheduler

logger = logging.getLogger("signalkit")


def build(
    get_func: Callable[[], Any], ident: int, options: Options
) -> Callable[..., Any]:
    """Return the function to connect to Django for one receiver.

    ``get_func`` returns the user's function (or ``None`` once a weakly held one is gone);
    ``ident`` identifies the receiver for the re-entrancy guard.
    """
    func = get_func()
    if iscoroutinefunction(func):
        wrapper = _build_async(get_func, ident, options)
    else:
        wrapper = _build_sync(get_func, ident, options)
    # Keep the user's names so tracebacks, logs and debug tools show them; __dict__ is
    # not copied, so a coroutine marker on the user's function cannot leak onto a sync one.
    functools.update_wrapper(wrapper, func, updated=())
    # Marks it as reporting its own outcomes, and gives the user's function to report
    # it muted.
    setattr(wrapper, outcomes.WRAPPER, get_func)
    if options.weak:
        # __wrapped__ is a strong reference held by the connected wrapper: it would keep a
        # weakly connected function alive for ever.
        delattr(wrapper, "__wrapped__")
    return wrapper


def _swallowed(robust: bool, func: Any, signal: Any, sender: Any) -> bool:
    """For a robust receiver, log the exception being handled and return True; else
    return False, for the caller to re-raise it."""
    if not robust:
        return False
    logger.exception(
        "signalkit: robust receiver %s raised on %s from sender %s; the error was logged "
        "and swallowed.",
        callable_path(func),
        signal_name(signal),
        sender_label(sender),
    )
    return True


def _condition(
    get_func: Callable[[], Any], options: Options
) -> Callable[[Any, Any, dict[str, Any]], str | None] | None:
    """A test of ``created=``, ``changed=`` and ``when=`` (None when there is none): it
    returns the option that turns a call down, or None to let it run."""
    created, changed, when, robust = (
        options.created,
        options.changed,
        options.when,
        options.robust,
    )
    if created is None and changed is None and when is None:
        return None
    changed_in_save = None if changed is None else tracking.changed_test(changed)

    def refusal(signal: Any, sender: Any, kwargs: dict[str, Any]) -> str | None:
        if created is not None and bool(kwargs.get("created")) is not created:
            return "created"
        if changed_in_save is not None and not changed_in_save(
            kwargs["instance"], kwargs
        ):
            return "changed"
        if when is None:
            return None
        try:
            return None if when(signal=signal, sender=sender, **kwargs) else "when"
        except Exception:
            # A robust receiver promises the sender goes on, whichever part of it fails.
            if not _swallowed(robust, get_func(), signal, sender):
                raise
            return "when"

    return refusal


class _AfterCommit:
    """What an ``on_commit=True`` or ``task=`` receiver does about the transaction it is
    sent in: wait for its commit, or enqueue its event."""

    __slots__ = ("_scheduler", "get_func", "robust")

    def __init__(
        self, get_func: Callable[[], Any], robust: bool, task: TaskSpec | None
    ) -> None:
        self.get_func, self.robust = get_func, robust
        self._scheduler: Scheduler | None = None
        if task is not None:
            # Imported for the first task= receiver, not with signalkit: it loads the
            # JSON encoding and the transports, which a project without task=
            # receivers never needs.
            from signalkit import background

            self._scheduler = background.Scheduler(get_func(), task, robust)

    def impossible(
        self, signal: Any, sender: Any, connection: Any, option: str
    ) -> bool:
        """True if ``connection`` is in manual transaction management (autocommit off,
        outside ``atomic()``), where Django has no commit to run anything on.

        Such a receiver is never run (or enqueued) for data that is not committed: a
        robust one is skipped with an error logged, any other raises
        ``TransactionManagementError`` saying what to do.
        """
        if connection.in_atomic_block or connection.get_autocommit():
            return False
        message = (
            f"signalkit: receiver {callable_path(self.get_func())} on "
            f"{signal_name(signal)} (sender {sender_label(sender)}) runs after commit "
            f"({option}), but database {connection.alias!r} is in manual transaction "
            f"management (autocommit off, outside atomic()), where no commit can be "
            f"waited for. Wrap the write in transaction.atomic(), or turn autocommit "
            f"back on before it."
        )
        if not self.robust:
            raise TransactionManagementError(message)
        logger.error("%s The robust receiver was skipped.", message)
        return True

    def schedule(self, signal: Any, sender: Any, kwargs: dict[str, Any]) -> None:
        """Hand one send's event to the background path of ``task=``."""
        func = self.get_func()
        scheduler = self._scheduler
        if func is None or scheduler is None:
            return
        connection = transaction.get_connection(kwargs.get("using"))
        if self.impossible(signal, sender, connection, "task="):
            return
        # Failures are the scheduler's to raise or log: its log lines leave the event's
        # values out.
        scheduler.schedule(func, connection, signal, sender, kwargs)


def _build_sync(
    get_func: Callable[[], Any], ident: int, options: Options
) -> Callable[..., Any]:
    if options.weak or options.robust or options.on_commit or options.task is not None:
        return _build_general(get_func, ident, options)
    return _build_direct(get_func(), ident, options)


def _build_direct(func: Any, ident: int, options: Options) -> Callable[..., Any]:
    """The wrapper of a strongly held receiver run at once, neither robust nor deferred:
    the hot path of every save. Each condition not asked for costs one test of a
    constant; the guard, while the receiver runs nowhere else, one list item."""
    created, when = options.created, options.when
    changed = (
        None if options.changed is None else tracking.changed_test(options.changed)
    )
    guarded = not options.reentrant
    calls = guard.calls_of(ident)

    # Only keywords: Django passes signal= and sender= with the others, and handing them
    # on in one dict spares building a second.
    def call(**kwargs: Any) -> Any:
        if created is not None and bool(kwargs.get("created")) is not created:
            if outcomes.ACTIVE:
                _report_skip(func, "created", kwargs)
            return None
        if changed is not None and not changed(kwargs["instance"], kwargs):
            if outcomes.ACTIVE:
                _report_skip(func, "changed", kwargs)
            return None
        if when is not None and not when(**kwargs):
            if outcomes.ACTIVE:
                _report_skip(func, "when", kwargs)
            return None
        instance = kwargs.get("instance")
        if not guarded or instance is None:
            # The guard is per instance: a call without one (a custom signal's) has
            # nothing to guard, and no guarded call could ever match it.
            return _observed(func, kwargs) if outcomes.ACTIVE else func(**kwargs)
        if calls and guard.running(calls, instance):
            if outcomes.ACTIVE:
                _report_skip(func, "reentrant", kwargs)
            return None
        calls.append(None)
        entered = True  # noqa: F841 - read by guard.running() from this frame
        try:
            return _observed(func, kwargs) if outcomes.ACTIVE else func(**kwargs)
        finally:
            calls.pop()

    guard.watch(call)
    if created is None and changed is None and when is None:
        # Without an instance the guard has nothing to do (above), and without a
        # condition nor a consumer of outcomes neither has the wrapper.
        setattr(call, outcomes.DIRECT, func)
    return call


def _report_skip(func: Any, reason: str, kwargs: dict[str, Any]) -> None:
    outcomes.skipped(func, reason, kwargs.get("signal"), kwargs.get("sender"), kwargs)


def _observed(func: Any, kwargs: dict[str, Any]) -> Any:
    # The wrapper's own dict, made for this call: signal and sender can be taken out.
    signal, sender = kwargs.pop("signal", None), kwargs.pop("sender", None)
    return outcomes.run(func, signal, sender, kwargs)


def _build_general(
    get_func: Callable[[], Any], ident: int, options: Options
) -> Callable[..., Any]:
    robust, guarded, on_commit = (
        options.robust,
        not options.reentrant,
        options.on_commit,
    )
    refusal = _condition(get_func, options)
    task = options.task
    later = _AfterCommit(get_func, robust, options.task)
    calls = guard.calls_of(ident)
    # A strongly held function is called directly; only weak=True pays for the lookup.
    strong = None if options.weak else get_func()

    def run(signal: Any, sender: Any, kwargs: dict[str, Any], entered: bool) -> Any:
        # Calls the receiver, now or at commit; a guarded call while it runs if
        # ``entered`` (read by guard.running() from this frame).
        func = strong or get_func()
        if func is None:
            return None
        if entered:
            calls.append(None)
        try:
            if outcomes.ACTIVE:
                return outcomes.run(func, signal, sender, kwargs)
            return func(signal=signal, sender=sender, **kwargs)
        except Exception:
            if not _swallowed(robust, func, signal, sender):
                raise
            return None
        finally:
            if entered:
                calls.pop()

    guard.watch(run)

    def call(signal: Any = None, sender: Any = None, **kwargs: Any) -> Any:
        if refusal is not None and (reason := refusal(signal, sender, kwargs)):
            if outcomes.ACTIVE:
                outcomes.skipped(strong or get_func(), reason, signal, sender, kwargs)
            return None
        instance = kwargs.get("instance")
        entered = guarded and instance is not None
        if entered and calls and guard.running(calls, instance):
            if outcomes.ACTIVE:
                outcomes.skipped(
                    strong or get_func(), "reentrant", signal, sender, kwargs
                )
            return None
        if task is not None:
            later.schedule(signal, sender, kwargs)
            return None
        if on_commit and later.impossible(
            signal,
            sender,
            transaction.get_connection(kwargs.get("using")),
            "on_commit=True",
        ):
            return None
        if on_commit:
            # Answers changes() there as at send time, for a tracked instance.
            callback = frozen_changes.answering_later(
                functools.partial(run, signal, sender, kwargs, entered),
                instance,
            )
            if outcomes.ACTIVE:
                callback = outcomes.deferred(
                    callback, strong or get_func(), signal, sender, kwargs
                )
            transaction.on_commit(callback, using=kwargs.get("using"), robust=robust)
            return None
        return run(signal, sender, kwargs, entered)

    return call


def _build_async(
    get_func: Callable[[], Any], ident: int, options: Options
) -> Callable[..., Any]:
    robust = options.robust
    refusal = _condition(get_func, options)
    later = _AfterCommit(get_func, robust, options.task)
    task = options.task

    async def run(signal: Any, sender: Any, kwargs: dict[str, Any], key: Any) -> Any:
        func = get_func()
        if func is None:
            return None
        guard.aenter(key)
        try:
            if outcomes.ACTIVE:
                return await outcomes.arun(func, signal, sender, kwargs)
            return await func(signal=signal, sender=sender, **kwargs)
        except Exception:
            if not _swallowed(robust, func, signal, sender):
                raise
            return None
        finally:
            guard.aleave(key)

    def defer_if_in_transaction(
        callback: Callable[[], Any], signal: Any, sender: Any, kwargs: dict[str, Any]
    ) -> bool:
        # Runs in the thread that owns the database connection (sync_to_async is
        # thread-sensitive), so it sees the transaction the sender is in.
        using = kwargs.get("using")
        connection = transaction.get_connection(using)
        if not connection.in_atomic_block:
            # Autocommit: run now. Manual transaction management: skip (or raise).
            return later.impossible(signal, sender, connection, "on_commit=True")
        callback = frozen_changes.answering_later(callback, kwargs.get("instance"))
        if outcomes.ACTIVE:
            callback = outcomes.deferred(callback, get_func(), signal, sender, kwargs)
        transaction.on_commit(callback, using=using, robust=robust)
        return True

    async def acall(signal: Any = None, sender: Any = None, **kwargs: Any) -> Any:
        if refusal is not None and (reason := refusal(signal, sender, kwargs)):
            if outcomes.ACTIVE:
                outcomes.skipped(get_func(), reason, signal, sender, kwargs)
            return None
        key = None if options.reentrant else guard.akey(ident, kwargs)
        if key is not None and guard.aentered(key):
            if outcomes.ACTIVE:
                outcomes.skipped(get_func(), "reentrant", signal, sender, kwargs)
            return None
        if task is not None:
            await sync_to_async(later.schedule)(signal, sender, kwargs)
            return None
        if options.on_commit:
            callback = functools.partial(
                async_to_sync(run), signal, sender, kwargs, key
            )
            if await sync_to_async(defer_if_in_transaction)(
                callback, signal, sender, kwargs
            ):
                return None
        return await run(signal, sender, kwargs, key)

    return acall
