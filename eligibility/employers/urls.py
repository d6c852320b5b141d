from django.urls import path

from eligibility.employers import views

urlpatterns = [
    path(
        "employer/invitation/<str:uidb64>/<str:token>/",
        views.invitation,
        name="employer_invitation",
    ),
    path("staff/employer-users/", views.employer_users, name="employer_users"),
    path(
        "staff/employer-users/<int:pk>/deactivate/",
        views.deactivate_employer_user,
        name="deactivate_employer_user",
    ),
]
