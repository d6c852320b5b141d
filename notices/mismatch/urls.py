from django.urls import path

from notices.mismatch import member_views, stats, views

urlpatterns = [
    path("member/notices/<int:notice_pk>/mismatch/", member_views.report, name="mismatch_report"),
    path("member/mismatch/<int:pk>/", member_views.member_case, name="mismatch_member_case"),
    path("staff/mismatch/", views.queue, name="mismatch_queue"),
    path("staff/mismatch/report/", stats.stats, name="mismatch_stats"),
    path("staff/mismatch/<int:pk>/", views.case_page, name="mismatch_case"),
    path("staff/mismatch/<int:pk>/check/", views.case_check, name="mismatch_check"),
    path("staff/mismatch/<int:pk>/close/", views.case_close, name="mismatch_close"),
    path("staff/mismatch/<int:pk>/propose/", views.case_propose, name="mismatch_propose"),
    path("staff/mismatch/<int:pk>/approve/", views.case_approve, name="mismatch_approve"),
    path("staff/mismatch/<int:pk>/reject/", views.case_reject, name="mismatch_reject"),
    path(
        "staff/mismatch/conflicts/<int:pk>/resolve/",
        views.conflict_resolve,
        name="mismatch_conflict_resolve",
    ),
]
