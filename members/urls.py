from django.urls import path

from members import import_views, linking_views, staff_views, views

app_name = "members"
urlpatterns = [
    path("member/", views.member_home, name="home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("member/link/", views.link_account, name="link"),
    path("staff/members/", staff_views.staff_search, name="staff_search"),
    path("staff/members/<int:pk>/", staff_views.staff_member, name="staff_member"),
    path("staff/members/<int:pk>/registration-code/", linking_views.issue_code, name="issue_code"),
    path("staff/members/<int:pk>/unlink/", linking_views.unlink, name="unlink"),
    path("staff/registration-codes/", linking_views.mailing_list, name="mailing_list"),
    path("staff/imports/", import_views.imports, name="imports"),
    path("staff/imports/<int:pk>/", import_views.import_detail, name="import_detail"),
]
