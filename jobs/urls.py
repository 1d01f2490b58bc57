from django.urls import path

from jobs import views

urlpatterns = [
    path("benchmarks/<slug:slug>/submit", views.submit_page, name="submit"),
    path("jobs/", views.my_jobs_page, name="my-jobs"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("jobs/<uuid:pk>/pictures", views.job_pictures, name="job-pictures"),
    path("jobs/<uuid:pk>/pictures/<path:path>", views.job_picture, name="job-picture"),
    path("jobs/<uuid:pk>/cancel", views.job_cancel_page, name="job-cancel"),
    path("jobs/<uuid:pk>/rerun", views.job_rerun_page, name="job-rerun"),
]
