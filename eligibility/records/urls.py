from django.urls import path

from eligibility.records import views

urlpatterns = [
    path("member/people/<int:pk>/smartphone/", views.set_smartphone, name="smartphone"),
    path(
        "staff/members/<int:pk>/registration/",
        views.staff_registration,
        name="staff_registration",
    ),
    path("staff/members/<int:pk>/legacy-card/", views.staff_legacy_card, name="staff_legacy_card"),
    path(
        "staff/members/<int:pk>/certificates/new/",
        views.staff_certificate_add,
        name="staff_certificate_add",
    ),
    path(
        "staff/certificates/<int:pk>/", views.staff_certificate_edit, name="staff_certificate_edit"
    ),
]
