from django.urls import path

from archives import privacy_views, views
from archives.views import archive, catalogue, roster

app_name = "archives"

urlpatterns = [
    path("communities/<int:pk>/", views.community, name="community"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("units/<int:pk>/use/", views.unit_use, name="unit-use"),
    path("units/<int:pk>/transfer/", views.unit_transfer, name="unit-transfer"),
    path("search/", views.unit_search, name="search"),
    path("roster/", roster.roster_import, name="roster-import"),
    path("roster/template/", roster.roster_template, name="roster-template"),
    # The catalogue (业户档案目录, R-ARC-2): every unit by building, floor and room; print, Excel.
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("catalogue/export/", catalogue.catalogue_export, name="catalogue-export"),
    # The confidential archive (R-ARC-4): the page, writing into it, documents, look-ups, the access log.
    path("units/<int:pk>/archive/", archive.archive, name="archive"),
    path("units/<int:pk>/archive/<slug:step>/", archive.archive_change, name="archive-change"),
    path("units/<int:pk>/lookup/", archive.lookup_new, name="lookup-new"),
    path("documents/<int:pk>/", archive.document, name="document"),
    path("lookups/", archive.lookups, name="lookups"),
    path("lookups/<int:pk>/<slug:action>/", archive.lookup_action, name="lookup-action"),
    path("access-log/", archive.access_log, name="access-log"),
    path("access-log/staff/", archive.access_log_staff, name="access-log-staff"),
    path("access-log/export/", archive.access_log_export, name="access-log-export"),
    # Owners' data rights (PIPL, R-ARC-5): an owner's personal data and its export (inside a window),
    # and anonymising a non-owner's data (a visitor, a tenant, a complainant) when no longer needed.
    path("units/<int:pk>/owners/<int:owner_pk>/privacy/", privacy_views.owner_privacy, name="privacy-owner"),
    path(
        "units/<int:pk>/owners/<int:owner_pk>/privacy/export/",
        privacy_views.owner_export,
        name="privacy-owner-export",
    ),
    path("privacy/contacts/", privacy_views.contacts, name="privacy-contacts"),
    path(
        "privacy/contacts/<slug:kind>/<int:pk>/anonymise/",
        privacy_views.contact_anonymise,
        name="privacy-anonymise",
    ),
]
