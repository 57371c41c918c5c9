"""Senders resolved into models: now, or as soon as the model exists.

Every receiver is connected with Django's own per-sender dispatch, never through a
catch-all receiver that filters in Python, so ``Signal.has_listeners()`` and the sender
cache of model signals keep working.

A lazy string resolves when Django registers its model, through Django's own
``Apps.lazy_model_operation()``: that comes after the model's ``class_prepared`` signal,
so a receiver connected from a ``class_prepared`` receiver for the model being prepared
(as django-simple-history and audit-log apps do) is attached too. Wildcards and
``subclasses=True`` take each model registered later at the same moment: signalkit
listens to ``class_prepared`` from the first subscription that needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.db.models.signals import class_prepared

from signalkit import _django
from signalkit.naming import sender_label
from signalkit.senders import Target, subclasses_of

Attach = Callable[[Any], None]


Owner = str | Callable[[], str]


class Subscription:
    """A target that needs watching, bound to the receiver it connects: a lazy string,
    a wildcard, or ``subclasses=True``. Alive until the receiver disconnects."""

    __slots__ = (
        "_owner",
        "abstract",
        "active",
        "attach",
        "queued",
        "resolved",
        "target",
        "watch",
    )

    def __init__(self, target: Target, attach: Attach, owner: Owner) -> None:
        self.target = target
        self.attach = attach
        self._owner = owner
        self.resolved = False
        # The model of a lazy string naming an abstract model without subclasses=True.
        self.abstract: type[Model] | None = None
        # With subclasses=True: the base whose subclasses registered later are attached.
        self.watch: type[Model] | None = None
        self.active = True
        # The callback queued with Django's lazy_model_operation(), while it waits there.
        self.queued: Callable[[type[Model]], None] | None = None

    def __repr__(self) -> str:
        shown = self.target.text or sender_label(self.target.value)
        return f"<signalkit {self.owner} for sender {shown!r}>"

    @property
    def owner(self) -> str:
        """What the subscription is for, e.g. ``receiver 'app.signals.f' on post_save``."""
        return self._owner if isinstance(self._owner, str) else self._owner()

    @property
    def key(self) -> tuple[str, str]:
        return (self.target.app_label, self.target.model_name)

    @property
    def failure(self) -> str | None:
        """Why the subscription attaches nothing, or ``None``: ``"app"`` for a wildcard
        naming no installed app, ``"model"`` for a lazy string naming no model (yet),
        ``"abstract"`` for one naming an abstract model without ``subclasses=True``."""
        target = self.target
        if target.kind == "app" and target.app_label not in apps.app_configs:
            return "app"
        if target.kind == "lazy" and not self.resolved:
            return "model"
        return None if self.abstract is None else "abstract"

    def resolve(self, model: type[Model]) -> None:
        """Attach the model a lazy string names; Django calls this once it is registered."""
        # Django cannot take back a queued operation: a receiver disconnected meanwhile
        # must not be attached by it.
        if not self.active or self.resolved:
            return
        self.queued = None
        self.resolved = True
        self.attach_model(model)

    def attach_model(self, model: type[Model]) -> None:
        if not model._meta.abstract:
            self.attach(model)
        if self.target.subclasses:
            for child in subclasses_of(model):
                if not child._meta.abstract:
                    self.attach(child)
            self.watch = model
            if self.active:
                _watch(self)

    def offer(self, model: type[Model]) -> None:
        """Attach a model that has just been registered, if this subscription covers it."""
        if not self.active:
            return
        if self.target.kind == "app":
            if (
                model._meta.apps is apps
                and model._meta.app_label == self.target.app_label
            ):
                self.attach(model)
        elif (
            self.watch is not None
            and issubclass(model, self.watch)
            and model is not self.watch
        ):
            self.attach(model)


# Lazy strings waiting for their model once every model module is imported, by
# (app_label, model_name). Before that they wait in Django's lazy_model_operation().
_waiting: dict[tuple[str, str], dict[Subscription, None]] = {}
# Subscriptions that take models registered later: wildcards and subclasses=True.
_watchers: dict[Subscription, None] = {}
# Lazy strings and wildcards, for the checks.
_checked: dict[Subscription, None] = {}


def subscribe(
    targets: list[Target], attach: Attach, owner: Owner
) -> list[Subscription]:
    """Connect each target through ``attach`` now, or as soon as its model exists.

    Returns the subscriptions of the targets that must be watched (lazy strings,
    wildcards, ``subclasses=True``); a sender given as an object is attached at once and
    needs none. ``owner`` (a string, or a callable returning one) names the receiver in
    check messages. If ``attach`` raises, the subscriptions made so far are forgotten
    before re-raising.
    """
    subs: list[Subscription] = []
    try:
        for target in targets:
            if target.kind == "any":
                attach(None)
            elif target.kind == "object" or (
                target.kind == "model" and not target.subclasses
            ):
                attach(target.value)
            else:
                sub = Subscription(target, attach, owner)
                subs.append(sub)
                _start(sub)
    except Exception:
        unsubscribe(subs)
        raise
    return subs


def _start(sub: Subscription) -> None:
    target = sub.target
    if target.kind == "model":
        sub.resolved = True
        sub.attach_model(target.value)
    elif target.kind == "app":
        sub.resolved = True
        _checked[sub] = None
        _watch(sub)
        for model in _django.registered_models(apps, target.app_label):
            sub.attach(model)
    else:
        _checked[sub] = None
        _start_lazy(sub)


def _start_lazy(sub: Subscription) -> None:
    try:
        model = apps.get_registered_model(*sub.key)
    except LookupError:
        pass
    else:
        sub.resolve(model)
        return
    if not apps.models_ready:
        # While models load, Django's own queue: it runs the callback when the model is
        # registered, which comes after its class_prepared signal (so a string naming
        # the model being prepared resolves), whatever imported signalkit when.
        sub.queued = sub.resolve
        apps.lazy_model_operation(sub.queued, sub.key)
    elif not _resolve_abstract(sub, _abstract_models()):
        # Every model module is imported: a model registered from now on is one
        # defined late, announced by _on_class_prepared below.
        _wait(sub)


def unsubscribe(subs: Sequence[Subscription]) -> None:
    """Forget subscriptions: nothing more is attached for them."""
    for sub in subs:
        sub.active = False
        _dequeue(sub)
        _watchers.pop(sub, None)
        _checked.pop(sub, None)


def _dequeue(sub: Subscription) -> None:
    """Take a lazy string out of whichever queue it waits in."""
    if sub.queued is not None:
        _django.cancel_lazy_operation(apps, sub.key, sub.queued)
        sub.queued = None
    waiting = _waiting.get(sub.key)
    if waiting is not None:
        waiting.pop(sub, None)
        if not waiting:
            del _waiting[sub.key]


def _abstract_models() -> dict[tuple[str, str], type[Model]]:
    """Abstract models of the project's app registry, by (app_label, model_name)."""
    return {
        (model._meta.app_label, model._meta.model_name or ""): model
        for model in subclasses_of(Model)
        if model._meta.abstract and model._meta.apps is apps
    }


def _resolve_abstract(
    sub: Subscription, abstract: dict[tuple[str, str], type[Model]]
) -> bool:
    model = abstract.get(sub.key)
    if model is None:
        return False
    _dequeue(sub)
    sub.resolved = True
    if sub.target.subclasses:
        sub.attach_model(model)
    else:
        sub.abstract = model
    return True


def _settle(
    sub: Subscription, abstract: dict[tuple[str, str], type[Model]] | None = None
) -> None:
    """Resolve a lazy string still waiting whose model exists after all, and move the
    rest from Django's queue to signalkit's own, now that every model is imported."""
    try:
        model = apps.get_registered_model(*sub.key)
    except LookupError:
        if _resolve_abstract(sub, _abstract_models() if abstract is None else abstract):
            return
        if sub.queued is not None:
            # Left in Django's queue, a string that never resolves would also be
            # reported by Django's own check of lazy references (models.E022).
            _dequeue(sub)
            _wait(sub)
        return
    _dequeue(sub)
    sub.resolve(model)


def _on_class_prepared(sender: type[Model], **kwargs: Any) -> None:
    # Django sends class_prepared before it registers the model: wait for that, so that
    # receivers connected by other class_prepared receivers (which may run after this
    # one) are covered too.
    meta = sender._meta
    meta.apps.lazy_model_operation(_on_registered, (meta.app_label, meta.model_name))


def _on_registered(model: type[Model]) -> None:
    meta = model._meta
    if meta.apps is apps:
        for sub in list(_waiting.pop((meta.app_label, meta.model_name or ""), ())):
            sub.resolve(model)
    for sub in list(_watchers):
        sub.offer(model)


def _listen() -> None:
    """Hear of every model registered from now on (idempotent)."""
    class_prepared.connect(
        _on_class_prepared, weak=False, dispatch_uid="signalkit.senders"
    )


def _watch(sub: Subscription) -> None:
    _listen()
    _watchers[sub] = None


def _wait(sub: Subscription) -> None:
    _listen()
    _waiting.setdefault(sub.key, {})[sub] = None


def all_models_loaded() -> None:
    """Settle lazy strings once every model module is imported: those naming abstract
    models resolve, the others move to signalkit's own queue."""
    abstract = _abstract_models()
    for sub in list(_checked):
        if sub.target.kind == "lazy" and not sub.resolved:
            _settle(sub, abstract)
    for sub in list(_watchers):
        # One that started inside the class_prepared of the model being prepared, before
        # signalkit listened for models (_listen), heard nothing of that model.
        for model in _registered_candidates(sub):
            sub.offer(model)


def _registered_candidates(sub: Subscription) -> list[type[Model]]:
    """The registered models a wildcard or ``subclasses=True`` subscription may take."""
    if sub.target.kind == "app":
        return _django.registered_models(apps, sub.target.app_label)
    if sub.watch is None:
        return []
    return [
        model
        for model in subclasses_of(sub.watch)
        if not model._meta.abstract and model._meta.apps is apps
    ]


def string_subscriptions() -> list[Subscription]:
    """Every live subscription of a lazy string or a wildcard, for the checks.

    A lazy string still waiting is looked up again first, so that a model registered
    since is never reported missing.
    """
    abstract: dict[tuple[str, str], type[Model]] | None = None
    for sub in list(_checked):
        if sub.target.kind == "lazy" and not sub.resolved:
            abstract = _abstract_models() if abstract is None else abstract
            _settle(sub, abstract)
    return list(_checked)
