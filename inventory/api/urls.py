from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AdjustmentView, MovementViewSet, ReceiptView, StockViewSet, WarehouseViewSet

router = SimpleRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock", StockViewSet, basename="stock")
router.register("movements", MovementViewSet, basename="movement")

urlpatterns = [
    path("receipts/", ReceiptView.as_view(), name="receipt"),
    path("adjustments/", AdjustmentView.as_view(), name="adjustment"),
    *router.urls,
]
