from django.urls import path

from notices import views
from notices.batches import urls as batch_urls

urlpatterns = [
    path("member/notices/<int:pk>/", views.member_notice, name="member_notice"),
    path("member/notices/<int:pk>/pdf/", views.member_notice_pdf, name="member_notice_pdf"),
    path(
        "member/notices/<int:pk>/explanation/",
        views.member_notice_explanation,
        name="member_notice_explanation",
    ),
    path("staff/notices/<int:pk>/pdf/", views.staff_notice_pdf, name="staff_notice_pdf"),
    path("staff/members/<int:pk>/notices/issue/", views.staff_issue, name="staff_issue"),
    path("verify/<str:token>/", views.verify, name="verify"),
    *batch_urls.urlpatterns,
]
