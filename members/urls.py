from django.urls import path

from members import views
from members.linking import urls as linking_urls
from members.roster import urls as roster_urls

urlpatterns = [
    path("staff/members/", views.staff_search, name="staff_search"),
    path("staff/copay-missing/", views.copay_missing, name="copay_missing"),
    *linking_urls.urlpatterns,
    *roster_urls.urlpatterns,
]
