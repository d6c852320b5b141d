from django.urls import path

from members import (
    import_views,
    linking_views,
    mismatch_stats,
    mismatch_views,
    staff_views,
    views,
)

app_name = "members"
urlpatterns = [
    path("member/", views.member_home, name="home"),
    path("employer/", views.employer_home, name="employer_home"),
    path("member/link/", views.link_account, name="link"),
    path("staff/members/", staff_views.staff_search, name="staff_search"),
    path("staff/members/<int:pk>/", staff_views.staff_member, name="staff_member"),
    path("staff/members/<int:pk>/registration-code/", linking_views.issue_code, name="issue_code"),
    path("staff/members/<int:pk>/unlink/", linking_views.unlink, name="unlink"),
    path("staff/registration-codes/", linking_views.mailing_list, name="mailing_list"),
    path("staff/imports/", import_views.imports, name="imports"),
    path("staff/imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    # Last-four-digit mismatch cases (members.mismatch).
    path(
        "member/notices/<int:notice_pk>/mismatch/",
        mismatch_views.report,
        name="mismatch_report",
    ),
    path("member/mismatch/<int:pk>/", mismatch_views.member_case, name="mismatch_member_case"),
    path("staff/mismatch/", mismatch_views.queue, name="mismatch_queue"),
    path("staff/mismatch/report/", mismatch_stats.stats, name="mismatch_stats"),
    path("staff/mismatch/<int:pk>/", mismatch_views.case_page, name="mismatch_case"),
    path("staff/mismatch/<int:pk>/check/", mismatch_views.case_check, name="mismatch_check"),
    path("staff/mismatch/<int:pk>/close/", mismatch_views.case_close, name="mismatch_close"),
    path("staff/mismatch/<int:pk>/propose/", mismatch_views.case_propose, name="mismatch_propose"),
    path("staff/mismatch/<int:pk>/approve/", mismatch_views.case_approve, name="mismatch_approve"),
    path("staff/mismatch/<int:pk>/reject/", mismatch_views.case_reject, name="mismatch_reject"),
]
