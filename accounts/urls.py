from django.urls import include, path

from accounts import views
from accounts.api import views as api

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<int:pk>/revoke", views.token_revoke_page, name="token-revoke"),
    path("api/tokens", api.TokenListCreateView.as_view(), name="api-tokens"),
    path("api/tokens/<str:pk>", api.TokenRevokeView.as_view(), name="api-token"),
]
