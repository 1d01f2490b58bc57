from django.urls import path

from notifications import views

urlpatterns = [
    path("me/notifications/", views.settings_page, name="notification-settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe_page, name="notification-unsubscribe"),
]
