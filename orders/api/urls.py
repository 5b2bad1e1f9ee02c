from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CustomerOrdersView, OrderViewSet, PaymentNotifyView

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("payments/notify/<str:provider>/", PaymentNotifyView.as_view(), name="payment-notify"),
    path(
        "crm/customers/<int:customer_id>/orders/",
        CustomerOrdersView.as_view({"get": "list"}),
        name="customer-orders",
    ),
    *router.urls,
]
