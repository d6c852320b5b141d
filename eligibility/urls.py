from eligibility.applications import urls as application_urls
from eligibility.certificates import urls as certificate_urls
from eligibility.employers import urls as employer_urls
from eligibility.followup import urls as followup_urls
from eligibility.guide import urls as guide_urls
from eligibility.records import urls as record_urls

urlpatterns = [
    *guide_urls.urlpatterns,
    *record_urls.urlpatterns,
    *followup_urls.urlpatterns,
    *application_urls.urlpatterns,
    *employer_urls.urlpatterns,
    *certificate_urls.urlpatterns,
]
