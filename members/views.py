from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.roles import Role, role_required


@role_required(Role.MEMBER)
def member_home(request: HttpRequest) -> HttpResponse:
    return render(request, "members/member_home.html")


@role_required(Role.EMPLOYER)
def employer_home(request: HttpRequest) -> HttpResponse:
    return render(request, "members/employer_home.html")
