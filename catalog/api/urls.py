from rest_framework.routers import SimpleRouter

from .views import CategoryViewSet, ProductViewSet, SKUViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("products", ProductViewSet, basename="product")
router.register("skus", SKUViewSet, basename="sku")

urlpatterns = router.urls
