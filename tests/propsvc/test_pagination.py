"""propsvc.pagination.KeysFirstPaginator: the same pages as Django's Paginator, in two reads."""

import pytest
from django.core.paginator import Paginator
from django.db.models import Count

from propsvc.models import Community
from propsvc.pagination import KeysFirstPaginator
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def test_every_page_holds_the_rows_of_the_plain_paginator_in_order(django_assert_num_queries):
    for _ in range(22):
        CommunityFactory()
    rows = Community.objects.annotate(n=Count("departments")).order_by("-name", "pk")
    plain, keys_first = Paginator(rows, 5, orphans=2), KeysFirstPaginator(rows, 5, orphans=2)
    assert keys_first.num_pages == plain.num_pages == 4
    for number in plain.page_range:
        with django_assert_num_queries(2):  # the page's keys, then its rows
            page = keys_first.page(number)
            got = [(c.pk, c.n) for c in page]
        assert got == [(c.pk, c.n) for c in plain.page(number)]
        assert page.has_next() == plain.page(number).has_next()
    assert len(keys_first.page(4)) == 7  # the two orphans join the last page


def test_a_list_or_rows_as_dicts_are_paged_as_they_are():
    CommunityFactory()
    assert len(KeysFirstPaginator([1, 2, 3], 2).page(2)) == 1
    page = KeysFirstPaginator(Community.objects.values("name"), 10).page(1)
    assert next(iter(page)).keys() == {"name"}
