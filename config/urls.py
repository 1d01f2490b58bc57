from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.upload_gate import UploadGateView
from jobs.api import download_views as job_download_api
from jobs.api import views as jobs_api
from leaderboard import analysis_views, owner_views, views
from leaderboard.api import compare_views as compare_api
from leaderboard.api import download_views as board_download_api
from leaderboard.api import entry_views as board_entry_api
from leaderboard.api import suite_views as suite_api
from leaderboard.api import views as board_api
from site_wide import views as site_views
from site_wide.api_root import ApiRootView
from submissions.api import views as submissions_api

# The Swagger UI page: its script and styles come from drf-spectacular's CDN (SWAGGER_UI_DIST);
# its init script is served from this origin (the split view, ?script), not inline; the page
# itself has one inline <style> without a nonce.
_SWAGGER_CDN = "https://cdn.jsdelivr.net"
_SWAGGER_CSP = csp_update(
    {"script-src": [_SWAGGER_CDN], "style-src": [_SWAGGER_CDN, "'unsafe-inline'"], "img-src": [_SWAGGER_CDN]}
)

api = [
    path("api/", ApiRootView.as_view(), name="api-root"),
    path("api/benchmarks", board_api.BenchmarkListView.as_view(), name="api-benchmarks"),
    path("api/benchmarks/<slug:slug>/finals.zip", board_download_api.FinalsZipView.as_view(), name="api-finals-zip"),
    path("api/leaderboard", board_api.LeaderboardView.as_view(), name="api-leaderboard"),
    path("api/suites/<slug:suite>", suite_api.SuiteBoardView.as_view(), name="api-suite"),
    path("api/compare", compare_api.CompareView.as_view(), name="api-compare"),
    path("api/me", site_views.MeView.as_view(), name="api-me"),
    path("api/entries/<int:pk>", board_entry_api.EntryView.as_view(), name="api-entry"),
    path("api/entries/<int:pk>/final", board_api.EntryFinalView.as_view(), name="api-entry-final"),
    path("api/seed-groups/<uuid:group>", board_api.SeedGroupView.as_view(), name="api-seed-group"),
    path("api/submissions", submissions_api.SubmissionListCreateView.as_view(), name="api-submissions"),
    path("api/upload-gate", UploadGateView.as_view(), name="api-upload-gate"),  # nginx's auth_request
    path("api/submissions/<str:pk>", submissions_api.SubmissionDetailView.as_view(), name="api-submission"),
    path("api/jobs", jobs_api.JobListCreateView.as_view(), name="api-jobs"),
    path("api/jobs/<str:pk>/status", jobs_api.JobStatusView.as_view(), name="api-job-status"),
    path("api/jobs/<str:pk>/logs", jobs_api.JobLogsView.as_view(), name="api-job-logs"),
    path("api/jobs/<str:pk>/results", jobs_api.JobResultsView.as_view(), name="api-job-results"),
    path("api/jobs/<str:pk>/archive", job_download_api.JobArchiveView.as_view(), name="api-job-archive"),
    path("api/jobs/<str:pk>/cancel", jobs_api.JobCancelView.as_view(), name="api-job-cancel"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", _SWAGGER_CSP(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="swagger-ui"),
]

pages = [
    path("", views.index, name="index"),
    path("leaderboard/<slug:slug>/", views.board_page, name="board"),
    path("suites/<slug:suite>/", analysis_views.suite_page, name="suite"),
    path("compare/", analysis_views.compare_pick, name="compare-pick"),
    path("compare/<str:a>/<str:b>/", analysis_views.compare_page, name="compare"),
    path("leaderboard/<slug:slug>/pareto", views.pareto_page, name="pareto"),
    path("entries/<int:pk>/", views.entry_page, name="entry"),
    path("entries/<int:pk>/final", views.entry_final, name="entry-final"),
    path("entries/<int:pk>/card", owner_views.entry_card, name="entry-card"),
    path("entries/<int:pk>/listing", owner_views.entry_listing, name="entry-listing"),
    path("me/", views.my_page, name="me"),
    path("health", site_views.HealthAliasView.as_view(), name="health"),  # alias of /health/ready
    path("api/health", site_views.HealthAliasView.as_view(), name="api-health"),  # the maze seed's §15.2 path
    path("health/ready", site_views.HealthView.as_view(), name="health-ready"),
    path("health/live", site_views.LiveView.as_view(), name="health-live"),
    path("admin/", admin.site.urls),
    # No DRF session login (api-auth/): the one sign-in door is allauth's /accounts/login/, with its
    # rate limits and e-mail verification; the browsable API links there (templates/rest_framework/api.html).
]

if settings.LB_BENCH_VIEWS:  # bench/api_latency.py's yardstick; check --deploy refuses it (lb.E002)
    from site_wide.bench_views import BareView

    api.append(path("api/bench/bare", BareView.as_view(), name="api-bench-bare"))

urlpatterns = (
    api
    + pages
    + [
        path("", include("accounts.urls")),
        path("", include("teams.urls")),
        path("", include("jobs.urls")),
        path("", include("agents.urls")),
        path("", include("notifications.urls")),
        path("", include("fleet.urls")),
        path("", include("remote_workers.urls")),
    ]
)
