from django.urls import path

from archives import views

app_name = "archives"

urlpatterns = [
    path("communities/<int:pk>/", views.community, name="community"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/use/", views.unit_use, name="unit-use"),
    path("units/<int:pk>/transfer/", views.unit_transfer, name="unit-transfer"),
    path("search/", views.unit_search, name="search"),
]
