"""Bulletin-board notices (R-COM-2)."""

urlpatterns: list = []
