from django.urls import path

from members.roster import views

urlpatterns = [
    path("staff/imports/", views.imports, name="imports"),
    path("staff/imports/<int:pk>/", views.import_detail, name="import_detail"),
]
