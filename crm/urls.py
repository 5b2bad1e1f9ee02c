from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("<str:token>/", views.survey_page, name="survey"),
]
