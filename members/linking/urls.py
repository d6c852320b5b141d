from django.urls import path

from members.linking import views

urlpatterns = [
    path("member/link/", views.link_account, name="link"),
    path("staff/members/<int:pk>/registration-code/", views.issue_code, name="issue_code"),
    path("staff/members/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("staff/registration-codes/", views.mailing_list, name="mailing_list"),
]
