from django.urls import path

from eligibility import batch_views, employer_views, review_views, views

app_name = "eligibility"
urlpatterns = [
    path("guide/", views.guide, name="guide"),
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
    path("staff/no-valid-document/", views.no_valid_document, name="no_valid_document"),
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
    path(
        "employer/certificates/<int:pk>/pdf/",
        employer_views.certificate_pdf,
        name="employer_certificate_pdf",
    ),
    path(
        "employer/invitation/<str:uidb64>/<str:token>/",
        review_views.invitation,
        name="employer_invitation",
    ),
    # Members
    path(
        "member/certificates/<int:pk>/pdf/",
        review_views.member_certificate_pdf,
        name="member_certificate_pdf",
    ),
    # Staff: review, employer accounts, bulk issues
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
    path(
        "staff/certificates/<int:pk>/pdf/",
        review_views.staff_certificate_pdf,
        name="staff_certificate_pdf",
    ),
    path("staff/employer-users/", review_views.employer_users, name="employer_users"),
    path(
        "staff/employer-users/<int:pk>/deactivate/",
        review_views.deactivate_employer_user,
        name="deactivate_employer_user",
    ),
    path("staff/certificate-batches/", batch_views.batch_list, name="certificate_batches"),
    path("staff/certificate-batches/<int:pk>/", batch_views.batch_detail, name="certificate_batch"),
    path(
        "staff/certificate-batches/<int:pk>/resume/",
        batch_views.batch_resume,
        name="certificate_batch_resume",
    ),
    path("staff/certificate-renewals/", batch_views.renewals, name="certificate_renewals"),
]
