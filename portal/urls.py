"""The site's URLs: the portal's own pages, allauth, and each app's pages.

URL namespaces name areas of the site, not packages: `members:` holds the member-record pages,
the composed home pages (portal.pages) and the mismatch cases (notices.mismatch), so that
templates and bookmarks kept their names when the code moved.
"""

from django.urls import include, path

from eligibility import urls as eligibility_urls
from members import urls as members_urls
from notices import urls as notices_urls
from notices.mismatch import urls as mismatch_urls
from portal import views
from portal.pages import staff as staff_pages
from portal.pages import urls as pages_urls

members_area = [
    *pages_urls.urlpatterns,
    *members_urls.urlpatterns,
    *mismatch_urls.urlpatterns,
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("language/", views.set_language, name="set_language"),
    path("home/no-role/", views.no_role, name="no_role"),
    path("staff/", staff_pages.staff_home, name="staff_home"),
    path("staff/insurer/", views.insurer_edit, name="insurer_edit"),
    path("supervisor/", staff_pages.supervisor_home, name="supervisor_home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("", include((members_area, "members"))),
    path("", include((eligibility_urls.urlpatterns, "eligibility"))),
    path("", include((notices_urls.urlpatterns, "notices"))),
]
