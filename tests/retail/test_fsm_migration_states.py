"""retail.fsm.fsm_migration_states_unhook: the FSM fields of migrations' historical models connect
no ``class_prepared`` receiver (a fresh ``migrate`` spent a quarter of its time calling them); every
other model's field still collects its transitions, its proxies' included."""

import gc

from django.db import models
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import StateApps
from django.db.models.signals import class_prepared
from django.test.utils import isolate_apps
from django_fsm import FSMField, FSMFieldMixin, can_proceed, transition

from orders.models import Order


def _fsm_receivers() -> list:
    """The FSM fields whose receiver is connected to ``class_prepared`` now."""
    fields = []
    for _key, reference, *_rest in class_prepared.receivers:
        method = reference()
        field = getattr(method, "__self__", None)
        if isinstance(field, FSMFieldMixin):
            fields.append(field)
    return fields


def test_rendering_the_migrations_models_connects_no_fsm_receiver():
    gc.collect()
    before = len(_fsm_receivers())
    states = []
    for _ in range(3):  # a migration run renders the models again at every state change
        state = MigrationLoader(None, ignore_no_migrations=True).project_state()
        states.append(state.apps)  # kept alive, as a run keeps its states until it ends
    order = states[-1].get_model("orders", "Order")
    assert isinstance(order._meta.apps, StateApps)
    assert len(_fsm_receivers()) == before
    assert not [f for f in _fsm_receivers() if isinstance(f.model._meta.apps, StateApps)]
    status = order._meta.get_field("status")
    assert isinstance(status, FSMField) and status.transitions == {order: {}}
    assert list(order(status="pending").get_all_status_transitions()) == []


def test_the_projects_models_keep_their_transitions():
    names = {t.name for t in Order(status=Order.Status.PENDING).get_all_status_transitions()}
    assert {"start_picking", "cancel", "ship", "deliver"} <= names
    available = {t.name for t in Order(status=Order.Status.PENDING).get_available_status_transitions()}
    assert "start_picking" in available and "deliver" not in available


@isolate_apps("retail")
def test_a_model_of_another_registry_and_its_proxy_collect_their_transitions():
    class Door(models.Model):
        state = FSMField(default="shut")

        class Meta:
            app_label = "retail"

        def __str__(self):
            return self.state

        @transition(field=state, source="shut", target="open")
        def open(self):
            pass

    class SideDoor(Door):
        class Meta:
            app_label = "retail"
            proxy = True

        def __str__(self):
            return self.state

        @transition(field="state", source="open", target="shut")
        def close(self):
            pass

    assert not isinstance(Door._meta.apps, StateApps)
    assert [t.name for t in Door().get_all_state_transitions()] == ["open"]
    assert sorted(t.name for t in SideDoor().get_all_state_transitions()) == ["close", "open"]
    door = SideDoor()
    assert can_proceed(door.open) and not can_proceed(door.close)
