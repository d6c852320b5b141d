from django.urls import path

from eligibility.guide import views

urlpatterns = [
    path("guide/", views.guide, name="guide"),
]
