"""Questionnaire rounds: the delivery list, the paper returns and the printed forms (R-SUR-1), and the
company's questionnaire templates. Included under /surveys/rounds/ in the "surveys" namespace; the
owner's online link is public, in propsvc/urls.py (/q/<token>/)."""

from django.urls import path

from surveys import round_views as views

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("new/", views.round_new, name="round-new"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_new, name="template-new"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/send/", views.round_send, name="round-send"),
    path("<int:pk>/close/", views.round_close, name="round-close"),
    path("<int:pk>/returns/", views.round_grid, name="round-grid"),
    path("<int:pk>/forms/", views.round_forms, name="round-forms"),
]
