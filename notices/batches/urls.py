from django.urls import path

from notices.batches import views

urlpatterns = [
    path("staff/notice-batches/", views.batch_list, name="batches"),
    path("staff/notice-batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("staff/notice-batches/<int:pk>/resume/", views.batch_resume, name="batch_resume"),
    path("staff/notice-batches/<int:pk>/print/", views.batch_print, name="batch_print"),
]
