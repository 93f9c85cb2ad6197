"""The unit and owner register (业户档案的基础): buildings, units, owners, ownerships.

Every row carries its community (DESIGN.md "Scale": indexes lead with community_id)
and is read through `visible_to(user)`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propsvc.models import Community, CommunityScopedQuerySet, TimeStampedModel, scoped_manager
from propsvc.validators import mask_phone, normalize_mobile, validate_cn_mobile


class Building(TimeStampedModel):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(
        _("building number"), max_length=20, help_text=_('As written on the building, e.g. "3" for 3栋.')
    )
    sort_key = models.CharField(max_length=30, editable=False, default="")

    objects = scoped_manager()

    class Meta:
        ordering = ["community", "sort_key"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}栋"

    def save(self, *args, **kwargs):
        # Natural order: 2栋 before 10栋, letters after numbers.
        self.sort_key = self.number.zfill(10) if self.number.isdigit() else f"~{self.number}"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("archives:building", args=[self.pk])


class Unit(TimeStampedModel):
    """A unit (房屋), written 3栋2单元1101室: room 1101 is floor 11, door 01."""

    class Use(models.TextChoices):
        OCCUPIED = "occupied", pgettext_lazy("unit use", "Owner-occupied")
        RENTED = "rented", pgettext_lazy("unit use", "Rented")
        VACANT = "vacant", pgettext_lazy("unit use", "Vacant")
        RENOVATING = "renovating", pgettext_lazy("unit use", "Renovating")

    # Occupied households (入住户数) count the units someone lives in: the owner or a tenant.
    LIVED_IN = (Use.OCCUPIED, Use.RENTED)

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="units"
    )
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="units"
    )
    entrance = models.PositiveSmallIntegerField(_("entrance"))
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room number"), max_length=10)
    area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2)
    handover_date = models.DateField(_("handover date"), null=True, blank=True)
    use = models.CharField(_("use of the unit"), max_length=20, choices=Use.choices, default=Use.VACANT)

    objects = scoped_manager()

    class Meta:
        ordering = ["community", "building__sort_key", "entrance", "floor", "room"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "room"], name="unit_unique_room"),
            models.CheckConstraint(condition=Q(area__gt=0), name="unit_area_positive"),
        ]
        indexes = [models.Index(fields=["community", "room"], name="unit_community_room")]
        permissions = [
            ("view_register", _("Can view the unit and owner register")),
            ("change_unit_use", _("Can change the use of a unit")),
            ("transfer_ownership", _("Can record a change of owner")),
            ("import_roster", _("Can import a roster of buildings, units and owners")),
            ("request_lookup", _("Can request a look-up of an owner archive")),
            ("approve_lookup", _("Can approve archive look-ups")),
            ("register_lookup", _("Can register approved archive look-ups")),
            ("edit_archive", _("Can write into an owner archive")),
            ("view_access_log", _("Can view the archive access log")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.building.number}栋{self.entrance}单元{self.room}室"

    @property
    def is_lived_in(self) -> bool:
        return self.use in self.LIVED_IN

    def get_absolute_url(self) -> str:
        return reverse("archives:unit", args=[self.pk])


class Owner(TimeStampedModel):
    """A registered owner (业主) in one community. Full contact data lives in the archive."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="owners"
    )
    name = models.CharField(_("owner name"), max_length=50)
    mobile = models.CharField(_("mobile phone"), max_length=11, validators=[validate_cn_mobile])
    mobile_tail = models.CharField(max_length=4, editable=False, default="")
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        indexes = [
            models.Index(fields=["community", "mobile_tail"], name="owner_community_phone_tail"),
            models.Index(
                fields=["community", "name"],
                name="owner_community_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.mobile = normalize_mobile(self.mobile)
        self.mobile_tail = self.mobile[-4:]
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)


class OwnershipQuerySet(CommunityScopedQuerySet):
    def current(self):
        return self.filter(end_date__isnull=True)


class Ownership(TimeStampedModel):
    """Owner ↔ unit from a date; a change of owner closes it (end_date) and keeps it."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="ownerships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="ownerships"
    )
    owner = models.ForeignKey(
        Owner, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="ownerships"
    )
    start_date = models.DateField(_("owner since"))
    end_date = models.DateField(_("owner until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for the change"), max_length=200, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "owner"],
                name="ownership_one_open_per_owner",
                condition=Q(end_date__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="ownership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["unit", "end_date"], name="ownership_unit_open")]

    def __str__(self) -> str:
        return f"{self.owner} · {self.unit}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class UnitEvent(models.Model):
    """The unit's timeline: every change to the register, with who, when and why (R-ARC-3)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=50)  # dotted: "unit.use_changed", "unit.owner_changed"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="unitevent_unit_timeline")]

    def __str__(self):
        return f"{self.kind} @ {self.unit_id}"
