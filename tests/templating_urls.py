"""An address book with the member's home moved (tests/test_templating.py): folded addresses
must follow a changed ROOT_URLCONF."""

from django.http import HttpResponse
from django.urls import include, path


def _home(request):
    return HttpResponse()


members = ([path("home/", _home, name="home")], "members")
urlpatterns = [path("moved/", include(members))]
