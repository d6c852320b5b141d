from django.urls import path

from eligibility.certificates import batch_views, views

urlpatterns = [
    path(
        "member/certificates/<int:pk>/pdf/",
        views.member_certificate_pdf,
        name="member_certificate_pdf",
    ),
    path(
        "employer/certificates/<int:pk>/pdf/",
        views.certificate_pdf,
        name="employer_certificate_pdf",
    ),
    path(
        "staff/certificates/<int:pk>/pdf/",
        views.staff_certificate_pdf,
        name="staff_certificate_pdf",
    ),
    # Bulk issues: 職権交付 and renewals
    path("staff/certificate-batches/", batch_views.batch_list, name="certificate_batches"),
    path("staff/certificate-batches/<int:pk>/", batch_views.batch_detail, name="certificate_batch"),
    path(
        "staff/certificate-batches/<int:pk>/resume/",
        batch_views.batch_resume,
        name="certificate_batch_resume",
    ),
    path("staff/certificate-renewals/", batch_views.renewals, name="certificate_renewals"),
]
