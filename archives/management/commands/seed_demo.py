"""Demo data for `make run`: three communities, their register and one user per role.

Deterministic (a seeded Faker, zh_CN) and idempotent: running it again creates nothing new and
changes nothing — a community that already has units is left as it is, a user that exists keeps
their password. Later issues add their demo rows here (complaints, violations, surveys …).

    python manage.py seed_demo            # create what is missing
    python manage.py seed_demo --logins   # print the demo logins (creates nothing)
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from faker import Faker

from archives.models import Building, Owner, Ownership, Unit
from propsvc.models import Community, Department, Membership
from propsvc.roles import Role

DEMO_PASSWORD = "propsvc-demo"  # noqa: S105 — published in the README, demo data only
SEED = 20261122


@dataclass(frozen=True)
class DemoCommunity:
    code: str  # also the username prefix
    name: str
    address: str
    buildings: int
    entrances: int
    floors: int
    doors: int  # units per floor per entrance

    @property
    def unit_count(self) -> int:
        return self.buildings * self.entrances * self.floors * self.doors


COMMUNITIES = [
    DemoCommunity("yangguang", "阳光花园", "杭州市西湖区文一西路 588 号", 5, 2, 14, 2),  # 280
    DemoCommunity("cuihu", "翠湖苑", "杭州市拱墅区湖墅南路 120 号", 5, 3, 15, 2),  # 450
    DemoCommunity("jinxiu", "锦绣华庭", "杭州市滨江区江南大道 3300 号", 10, 3, 15, 2),  # 900
]

COMMUNITY_ORDER = {spec.name: i for i, spec in enumerate(COMMUNITIES)} | {"全公司": -1}

COMMUNITY_DEPARTMENTS = [
    Department.Kind.CUSTOMER_SERVICE,
    Department.Kind.ENGINEERING,
    Department.Kind.SECURITY,
    Department.Kind.CLEANING,
    Department.Kind.GREENING,
]
COMPANY_DEPARTMENTS = [Department.Kind.QUALITY, Department.Kind.FINANCE]

# username suffix, role, department kind (for department roles)
COMMUNITY_USERS = [
    ("desk", Role.RECEPTIONIST, None),
    ("steward", Role.AREA_STEWARD, None),
    ("supervisor", Role.PROPERTY_SUPERVISOR, None),
    ("cs", Role.CS_SUPERVISOR, None),
    ("manager", Role.CS_MANAGER, None),
    ("eng", Role.DEPARTMENT_STAFF, Department.Kind.ENGINEERING),
    ("enghead", Role.DEPARTMENT_HEAD, Department.Kind.ENGINEERING),
    ("archive", Role.ARCHIVIST, None),
]
COMPANY_USERS = [
    ("quality", Role.QUALITY),
    ("leader", Role.LEADERSHIP),
    ("finance", Role.FINANCE),
    ("sysadmin", Role.ADMIN),
]

# Use of the units: most are lived in by the owner, some rented, some empty or being fitted out.
USE_WEIGHTS = [
    (Unit.Use.OCCUPIED, 70),
    (Unit.Use.RENTED, 15),
    (Unit.Use.VACANT, 10),
    (Unit.Use.RENOVATING, 5),
]
CO_OWNER_SHARE = 0.10
PAST_OWNER_SHARE = 0.05
MOBILE_PREFIXES = ["133", "135", "136", "137", "138", "139", "150", "151", "158", "159", "177", "186", "189"]
DOOR_AREAS = [Decimal("128.56"), Decimal("89.32"), Decimal("105.70"), Decimal("143.18")]


class Command(BaseCommand):
    help = "Load the demo communities, register and users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="Print the demo logins and exit.")

    def handle(self, *args, logins=False, **options):
        if logins:
            self.print_logins()
            return
        fake = Faker("zh_CN")
        fake.seed_instance(SEED)
        rng = random.Random(SEED)
        used_mobiles = set(Owner.objects.values_list("mobile", flat=True))
        with transaction.atomic():
            communities = [self.seed_community(spec, fake, rng, used_mobiles) for spec in COMMUNITIES]
            self.seed_company(communities)
            self.seed_apps()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    # -- the register ------------------------------------------------------------------------

    def seed_community(self, spec, fake, rng, used_mobiles) -> Community:
        community, _ = Community.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "address": spec.address}
        )
        for kind in COMMUNITY_DEPARTMENTS:
            Department.objects.get_or_create(community=community, kind=kind)
        if not Unit.objects.filter(community=community).exists():
            self.seed_register(community, spec, fake, rng, used_mobiles)
            self.stdout.write(f"{spec.name}: {spec.unit_count} units")
        return community

    def seed_register(self, community, spec, fake, rng, used_mobiles):
        uses, weights = zip(*USE_WEIGHTS, strict=True)
        units = []
        for number in range(1, spec.buildings + 1):
            building = Building.objects.create(community=community, number=str(number))
            handover = datetime.date(2015 + number % 7, 1 + (number * 5) % 12, 1 + number * 3 % 28)
            for entrance in range(1, spec.entrances + 1):
                for floor in range(1, spec.floors + 1):
                    for door in range(1, spec.doors + 1):
                        units.append(
                            Unit(
                                community=community,
                                building=building,
                                entrance=entrance,
                                floor=floor,
                                room=f"{floor}{door:02d}",
                                area=DOOR_AREAS[(door - 1 + entrance - 1) % len(DOOR_AREAS)],
                                handover_date=handover,
                                use=rng.choices(uses, weights)[0],
                            )
                        )
        units = Unit.objects.bulk_create(units)

        owners, ownerships = [], []

        def new_owner():
            owner = Owner(
                community=community,
                name=fake.name(),
                mobile=self.unique_mobile(rng, used_mobiles),
                wechat=fake.user_name() if rng.random() < 0.6 else "",
            )
            owner.mobile_tail = owner.mobile[-4:]
            owners.append(owner)
            return owner

        for unit in units:
            since = unit.handover_date
            if rng.random() < PAST_OWNER_SHARE:
                changed = since + datetime.timedelta(days=rng.randint(400, 2500))
                ownerships.append((unit, new_owner(), since, changed, "二手房过户"))
                since = changed
            ownerships.append((unit, new_owner(), since, None, ""))
            if rng.random() < CO_OWNER_SHARE:
                ownerships.append((unit, new_owner(), since, None, ""))
        Owner.objects.bulk_create(owners)
        Ownership.objects.bulk_create(
            Ownership(
                community=community,
                unit=unit,
                owner=owner,
                start_date=start,
                end_date=end,
                end_reason=reason,
            )
            for unit, owner, start, end, reason in ownerships
        )

    @staticmethod
    def unique_mobile(rng, used_mobiles) -> str:
        while True:
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if mobile not in used_mobiles:
                used_mobiles.add(mobile)
                return mobile

    def seed_apps(self):
        """Each later app adds its demo rows in `<app>/demo.py` (`seed(stdout=, seed=)`).

        Found by name so that archives imports no app above it (DESIGN.md: imports run one way).
        """
        for config in apps.get_app_configs():
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.seed(stdout=self.stdout, seed=SEED)

    # -- the staff ---------------------------------------------------------------------------

    def seed_company(self, communities):
        for kind in COMPANY_DEPARTMENTS:
            Department.objects.get_or_create(community=None, kind=kind)
        names = Faker("zh_CN")
        names.seed_instance(SEED + 1)
        for community in communities:
            for suffix, role, department_kind in COMMUNITY_USERS:
                user = self.user(f"{community.code}_{suffix}", names.name())
                department = (
                    Department.objects.get(community=community, kind=department_kind)
                    if department_kind
                    else None
                )
                Membership.objects.get_or_create(
                    user=user, community=community, role=role, defaults={"department": department}
                )
        for username, role in COMPANY_USERS:
            user = self.user(username, names.name())
            Membership.objects.get_or_create(user=user, community=None, role=role)
        area_manager = self.user("area_manager", names.name())
        for community in communities:
            Membership.objects.get_or_create(user=area_manager, community=community, role=Role.CS_MANAGER)
        admin = self.user("admin", "系统管理员")
        if not admin.is_superuser:
            admin.is_superuser = admin.is_staff = True
            admin.save(update_fields=["is_superuser", "is_staff"])

    @staticmethod
    def user(username: str, full_name: str):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            # A Chinese name is written whole, family name first: it goes into first_name and
            # get_full_name() shows it as written (docs/ARCHITECTURE.md).
            defaults={"first_name": full_name, "email": f"{username}@demo.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    # -- --logins ----------------------------------------------------------------------------

    def print_logins(self):
        usernames = self.demo_usernames()
        by_user: dict[str, list[tuple[str, str]]] = {name: [] for name in usernames}
        memberships = Membership.objects.select_related("user", "community", "department").filter(
            user__username__in=usernames
        )
        for membership in memberships:
            role = str(membership.get_role_display())
            if membership.department_id:
                role = f"{role}（{membership.department.get_kind_display()}）"
            where = membership.community.name if membership.community_id else "全公司"
            by_user[membership.user.username].append((role, where))
        rows = []
        for username, held in by_user.items():
            if held:
                roles = "、".join(sorted({role for role, _ in held}))
                places = "、".join(sorted({where for _, where in held}, key=COMMUNITY_ORDER.get))
                rows.append((username, roles, places))
        rows.append(("admin", "超级用户（后台 /admin/）", "全公司"))
        width = max(len(username) for username, _, _ in rows)
        self.stdout.write(f"Demo logins — password for every user: {DEMO_PASSWORD}")
        for username, roles, places in rows:
            self.stdout.write(f"  {username.ljust(width)}  {roles} · {places}")

    @staticmethod
    def demo_usernames() -> list[str]:
        names = [f"{spec.code}_{suffix}" for spec in COMMUNITIES for suffix, _, _ in COMMUNITY_USERS]
        return [*names, "area_manager", *(username for username, _ in COMPANY_USERS)]
