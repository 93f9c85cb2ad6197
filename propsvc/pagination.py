"""Pages of long lists that stay fast however deep the page (docs/PERFORMANCE.md).

`KeysFirstPaginator` reads a page in two steps: first the page's primary keys alone (the list's
filters and order, no joins or subqueries in the select list, so the database skips to the
offset along an index), then the full rows of those keys only, with their select_related joins
and annotations. A plain OFFSET would compute every skipped row in full: each one's joins and
each one's "overdue" subquery, for all the rows before page 900.
"""

from django.core.paginator import Page, Paginator


class KeysFirstPaginator(Paginator):
    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset = self.object_list
        if not hasattr(queryset, "values_list") or getattr(queryset, "_fields", None) is not None:
            return super().page(number)  # a list, or rows as dicts: read as they are
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)} if keys else {}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
