from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from events.models import Event

#: The permission that shows every event, as it does in the admin: superusers have it,
#: and staff users who are given "Can view event".
VIEW_ALL = "events.view_event"


class EventListView(LoginRequiredMixin, ListView):
    """The most recent events, newest first: a user's own, or all of them for staff.

    Events name users and their e-mail addresses, so an anonymous visitor is sent to the
    login page, a user sees the events about them, and a user with ``events.view_event``
    sees every event, including the logged errors, which are about nobody in particular
    and may quote anything.
    """

    model = Event
    paginate_by = 50

    def sees_all(self) -> bool:
        return self.request.user.has_perm(VIEW_ALL)

    def get_queryset(self):
        events = super().get_queryset().select_related("user")
        if self.sees_all():
            return events
        return events.filter(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(sees_all=self.sees_all(), **kwargs)
