from django.urls import path

from demo import views
from demo.batch_guard import batch_guard

# No Django admin: no stack documented or needed it, and dev serves plain HTTP on a public address
# (a login form there would send passwords in clear). Operators use manage.py in a pod.
urlpatterns = [
    path("", views.index, name="index"),
    path("api/tasks/<str:task_id>", views.task_status, name="task-status"),
    path("api/batch", batch_guard(views.enqueue_batch), name="batch"),
]
