"""Make signalkit's ``SignalQuerySet`` the queryset of every model's default manager.

Done as a user would do it by hand, one model at a time, without editing Django's test
apps: when a model class is prepared (``class_prepared``), the manager object its default
manager is copied from (its own, or an abstract or concrete parent's) gets a subclass of
its class whose ``_queryset_class`` mixes in ``SignalQuerySetMixin``. A plain ``Manager``
becomes ``signalkit.models.SignalManager`` itself. The subclass keeps the name and module
of the class it extends, as a user's ``class FooQuerySet(SignalQuerySetMixin, QuerySet)``
would, so ``deconstruct()`` and ``repr()`` read as before.

Changing the class (not the instance's ``_queryset_class``) matters: Django builds related
managers (``author.book_set``) from the default manager's class, and copies managers to
subclasses and on every ``_meta`` cache reset.

Nothing else is touched: base managers, other managers, and ``QuerySet`` itself stay
Django's.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Manager, Model, QuerySet
from django.db.models.signals import class_prepared

from signalkit.models import SignalManager, SignalQuerySet, SignalQuerySetMixin

_made: dict[type[Any], type[Any]] = {}


def _signal_queryset(queryset_class: type[QuerySet[Any]]) -> type[QuerySet[Any]]:
    if queryset_class is QuerySet:
        return SignalQuerySet
    return type(
        queryset_class.__name__,
        (SignalQuerySetMixin, queryset_class),
        {
            "__module__": queryset_class.__module__,
            "__qualname__": queryset_class.__qualname__,
        },
    )


def _signal_manager_class(manager_class: type[Any]) -> type[Any]:
    if manager_class is Manager:
        return SignalManager
    made = _made.get(manager_class)
    if made is None:
        made = _made[manager_class] = type(
            manager_class.__name__,
            (manager_class,),
            {
                "_queryset_class": _signal_queryset(manager_class._queryset_class),
                "__module__": manager_class.__module__,
                "__qualname__": manager_class.__qualname__,
            },
        )
    return made


def _source(model: type[Model], name: str) -> Any:
    # The local manager Django copies ``model``'s manager ``name`` from: the first one so
    # named along the MRO, as Options.managers finds it.
    for base in model.__mro__:
        opts = getattr(base, "_meta", None)
        if opts is not None:
            for manager in opts.local_managers:
                if manager.name == name:
                    return manager
    return None


def signalize(model: type[Model]) -> None:
    """Give ``model``'s default manager a ``SignalQuerySet`` (idempotent)."""
    default = model._meta.default_manager
    if default is None or issubclass(default._queryset_class, SignalQuerySetMixin):
        return
    source = _source(model, default.name)
    if source is None:
        return
    if not issubclass(source._queryset_class, SignalQuerySetMixin):
        source.__class__ = _signal_manager_class(type(source))
    # Django copied the managers when it prepared the class: copy them again.
    model._meta._expire_cache(reverse=False)


def _on_class_prepared(sender: type[Model], **kwargs: Any) -> None:
    signalize(sender)


def install() -> None:
    """Signalize every model prepared from now on, and those already registered."""
    class_prepared.connect(
        _on_class_prepared, weak=False, dispatch_uid="django-suite-signal-manager"
    )
    for models in list(apps.all_models.values()):
        for model in list(models.values()):
            signalize(model)
