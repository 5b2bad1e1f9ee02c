from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CouponViewSet, CustomerViewSet, SurveyAnswerView, TicketViewSet

router = SimpleRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("coupons", CouponViewSet, basename="coupon")

urlpatterns = [
    path("surveys/<str:token>/", SurveyAnswerView.as_view(), name="survey-answer"),
    *router.urls,
]
