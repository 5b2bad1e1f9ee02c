from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CarrierView, OrderFulfilmentViewSet, OutboundNoteViewSet, PickListViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("logistics/pick-lists", PickListViewSet, basename="pick-list")
router.register("logistics/outbound-notes", OutboundNoteViewSet, basename="outbound-note")
router.register("logistics/shipments", ShipmentViewSet, basename="shipment")
router.register("orders", OrderFulfilmentViewSet, basename="order-fulfilment")

urlpatterns = [
    path("logistics/carriers/", CarrierView.as_view(), name="carrier-list"),
    *router.urls,
]
