from django.urls import path

from eligibility.followup import views

urlpatterns = [
    path("staff/no-valid-document/", views.no_valid_document, name="no_valid_document"),
]
