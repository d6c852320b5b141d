from django.urls import path

from notices import batch_views, views

app_name = "notices"
urlpatterns = [
    path("member/notices/<int:pk>/", views.member_notice, name="member_notice"),
    path("member/notices/<int:pk>/pdf/", views.member_notice_pdf, name="member_notice_pdf"),
    path("staff/notices/<int:pk>/pdf/", views.staff_notice_pdf, name="staff_notice_pdf"),
    path("staff/members/<int:pk>/notices/issue/", views.staff_issue, name="staff_issue"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("staff/notice-batches/", batch_views.batch_list, name="batches"),
    path("staff/notice-batches/<int:pk>/", batch_views.batch_detail, name="batch_detail"),
    path("staff/notice-batches/<int:pk>/resume/", batch_views.batch_resume, name="batch_resume"),
    path("staff/notice-batches/<int:pk>/print/", batch_views.batch_print, name="batch_print"),
]
