from django.urls import path

from portal.pages import access_log_views, views

urlpatterns = [
    path("member/", views.member_home, name="home"),
    path("member/access-log/", access_log_views.access_log, name="access_log"),
    path("member/access-log/csv/", access_log_views.access_log_csv, name="access_log_csv"),
    path("member/access-log/pdf/", access_log_views.access_log_pdf, name="access_log_pdf"),
    path("employer/", views.employer_home, name="employer_home"),
    path("staff/members/<int:pk>/", views.staff_member, name="staff_member"),
]
