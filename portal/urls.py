from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("home/no-role/", views.no_role, name="no_role"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/insurer/", views.insurer_edit, name="insurer_edit"),
    path("supervisor/", views.supervisor_home, name="supervisor_home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("eligibility.urls")),
    path("", include("notices.urls")),
]
