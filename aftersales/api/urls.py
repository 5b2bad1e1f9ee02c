from rest_framework.routers import SimpleRouter

from .views import AftersalesRequestViewSet

router = SimpleRouter()
router.register("requests", AftersalesRequestViewSet, basename="aftersales-request")

urlpatterns = router.urls
