from django.urls import path

from eligibility.applications import employer_views, review_views

urlpatterns = [
    # Employers (事業所担当者)
    path("employer/people/", employer_views.people, name="employer_people"),
    path("employer/people/<int:pk>/", employer_views.person, name="employer_person"),
    path("employer/people/<int:pk>/apply/", employer_views.apply, name="employer_apply"),
    path("employer/applications/", employer_views.application_list, name="employer_applications"),
    path("employer/applications/upload/", employer_views.upload, name="employer_upload"),
    path(
        "employer/applications/<int:pk>/",
        employer_views.application_detail,
        name="employer_application",
    ),
    path(
        "employer/applications/<int:pk>/withdraw/",
        employer_views.withdraw,
        name="employer_withdraw",
    ),
    # Staff review
    path("staff/certificate-applications/", review_views.queue, name="staff_queue"),
    path(
        "staff/certificate-applications/<int:pk>/",
        review_views.application_detail,
        name="staff_application",
    ),
    path(
        "staff/certificate-applications/<int:pk>/approve/",
        review_views.approve,
        name="staff_approve",
    ),
    path(
        "staff/certificate-applications/<int:pk>/return/",
        review_views.return_application,
        name="staff_return",
    ),
]
