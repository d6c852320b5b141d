from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("member/", views.member_home, name="home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("member/link/", views.link_account, name="link"),
]
