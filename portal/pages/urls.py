from django.urls import path

from portal.pages import views

urlpatterns = [
    path("member/", views.member_home, name="home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("staff/members/<int:pk>/", views.staff_member, name="staff_member"),
]
