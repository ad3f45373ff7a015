from django.contrib import admin
from django.urls import path

from demo import views
from demo.batch_guard import batch_guard

urlpatterns = [
    path("", views.index, name="index"),
    path("api/tasks/<str:task_id>", views.task_status, name="task-status"),
    path("api/batch", batch_guard(views.enqueue_batch), name="batch"),
    path("admin/", admin.site.urls),
]
