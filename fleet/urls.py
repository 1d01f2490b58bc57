from django.urls import path

from fleet import views

urlpatterns = [
    path("fleet/", views.fleet_page, name="fleet"),
    path("metrics", views.metrics, name="metrics"),
]
