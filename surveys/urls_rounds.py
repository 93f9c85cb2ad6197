"""Questionnaire rounds: the delivery list, the paper returns and the printed forms (R-SUR-1)."""

urlpatterns: list = []
