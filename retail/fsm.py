"""Shared state-machine helpers: one audit mechanism (django-fsm-log's StateLog) for every FSM."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.migrations.state import StateApps
from django.db.models.signals import class_prepared
from django.utils.translation import gettext as _
from django_fsm import FSMFieldMixin, can_proceed
from django_fsm_log.models import StateLog

from retail.errors import TransitionNotAllowed


def transition_check(obj, method_name: str, *, by=None, conditions: bool = True) -> None:
    """Raise ``TransitionNotAllowed`` unless ``obj.method_name`` may run now (state, guards, permission).

    ``by=None`` is the system itself (periodic tasks, carrier callbacks), which holds every permission.
    ``conditions=False`` checks only the state and the permission (a service about to satisfy the guards)."""
    method = getattr(obj, method_name)
    if not can_proceed(method, check_conditions=conditions):
        raise TransitionNotAllowed(
            _("%(model)s %(object)s：当前状态“%(status)s”不允许执行“%(transition)s”。")
            % {
                "model": obj._meta.verbose_name,
                "object": obj,
                "status": obj.status,
                "transition": method_name,
            },
            details={"status": obj.status, "transition": method_name},
        )
    if by is not None and not _may(method, by):
        from retail.errors import PermissionDenied

        raise PermissionDenied(_("你没有执行“%(transition)s”的权限。") % {"transition": method_name})


def _may(method, user) -> bool:
    """The transition's permission alone (django-fsm's ``has_transition_perm`` also checks the guards,
    which a service may be about to satisfy, e.g. reserving the lines of a backordered order)."""
    meta = method._django_fsm
    instance = method.__self__
    return meta.has_transition_perm(instance, meta.field.get_state(instance), user)


def transition_run(obj, method_name: str, *, by=None, description: str = "", **kwargs):
    """Check, run and save one transition of ``obj`` with its audit row, atomically.

    The caller holds the row lock (``select_for_update``) when it matters."""
    transition_check(obj, method_name, by=by)
    with transaction.atomic():
        getattr(obj, method_name)(by=by, description=description or None, **kwargs)
        obj.save()
    return obj


def state_log_for(obj):
    return StateLog.objects.for_(obj).select_related("by").order_by("timestamp", "pk")


def state_log_rows(obj, *fields: str):
    """``state_log_for(obj)`` as plain tuples of ``fields``, oldest first: no instances, no user
    join (for readers that show neither, e.g. the public tracking answer)."""
    content_type = ContentType.objects.get_for_model(obj)
    return (
        StateLog.objects.filter(content_type_id=content_type.pk, object_id=obj.pk)
        .order_by("timestamp", "pk")
        .values_list(*fields)
    )


def fsm_set_initial_state(obj, field: str, value: str) -> None:
    """Give a new, unsaved row its first state directly (an order placed straight into 待处理 or 缺货).

    Creation is not a transition: there is no earlier state to leave, and the service writes the
    audit rows for the steps it took itself. A ``protected`` FSMField refuses plain assignment, so
    the value goes into the instance's ``__dict__`` under the descriptor. That is safe only while the
    row is not in the database: on a saved row it would skip the guards, the permission, the audit
    row and ``order_transitioned``, so a saved row raises ``ValueError`` here; use a transition."""
    if not obj._state.adding:
        raise ValueError(f"{obj._meta.label} {obj.pk}: the state of a saved row changes by a transition")
    obj.__dict__[field] = value


_fsm_contribute_to_class = FSMFieldMixin.contribute_to_class


def _contribute_to_class(self, cls, name, *args, **kwargs):
    _fsm_contribute_to_class(self, cls, name, *args, **kwargs)
    if isinstance(cls._meta.apps, StateApps):  # a migration's historical model
        class_prepared.disconnect(self._collect_transitions)
        self.transitions.setdefault(cls, {})  # what the receiver would have found: no methods


def fsm_migration_states_unhook() -> None:
    """FSM fields of migrations' historical models stop listening for every model class made.

    django-fsm-2's field connects a ``class_prepared`` receiver in ``contribute_to_class`` to
    collect its model's transition methods. A migration run renders the project's models again and
    again (each state change re-renders the models it touches), so a copy of every FSM field
    connects again each time, and the copies stay connected until the garbage collector frees the
    old renderings: some 150 receivers by the end of a fresh ``migrate``, each called for every
    model class made after it. That dispatch was a quarter of a fresh ``migrate`` (about 16 s to
    12 s on SQLite here). A historical model has no methods, so its field never had transitions
    to collect: it gets the empty table the receiver would have built, and no receiver. The
    project's models, and those of any other registry (``isolate_apps`` in a test), are untouched.
    Called once, from the ``retail`` app's ``ready()``."""
    FSMFieldMixin.contribute_to_class = _contribute_to_class
