"""A round's statistics (问卷结果统计表), its Excel file, the publication and the quality copy
(R-SUR-2 … R-SUR-7)."""

urlpatterns: list = []
