"""Communities, their departments, the staff and their memberships — through the ORM (a few thousand
rows), before the bulk load.

Usernames: `<code>_<role>` per community (sc001_desk1, sc001_manager, sc001_enghead …) and
`scale_<role>` at company level; every seeded user's password is STAFF_PASSWORD. Users survive a
`--force` reseed (their memberships are written again), so a benchmark's logins keep working.
"""

import math

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from archives.scale import texts
from archives.scale.world import Company, Place, person_name
from propsvc.models import Community, Department, Membership
from propsvc.roles import Role

STAFF_PASSWORD = "propsvc-bench"  # noqa: S105 — published in the command's help, generated data only

COMMUNITY_DEPARTMENTS = {
    Department.Kind.CUSTOMER_SERVICE: "kf",
    Department.Kind.ENGINEERING: "eng",
    Department.Kind.SECURITY: "sec",
    Department.Kind.CLEANING: "clean",
    Department.Kind.GREENING: "green",
}
COMPANY_USERS = [
    ("scale_leader", Role.LEADERSHIP),
    ("scale_gm", Role.LEADERSHIP),
    ("scale_quality", Role.QUALITY),
    ("scale_finance", Role.FINANCE),
    ("scale_admin", Role.ADMIN),
]
QUALITY_HEAD = "scale_qhead"


def community_names(rng, n: int) -> list[str]:
    """Unique names in the style of 锦绣华庭 / 翠湖雅苑二期."""
    names: list[str] = []
    seen: set[str] = set()
    combos = [h + t for h in texts.NAME_HEADS for t in texts.NAME_TAILS]
    rng.shuffle(combos)
    for combo in combos:
        for name in [combo] + [combo + phase for phase in texts.PHASES]:
            if len(names) == n:
                return names
            if name not in seen and (name == combo or rng.random() < 0.3):
                seen.add(name)
                names.append(name)
                if name == combo and rng.random() < 0.75:
                    break  # most names have one phase only
    while len(names) < n:  # more communities than the lists give: number them
        names.append(f"{combos[len(names) % len(combos)]}{len(names) + 1}号院")
    return names


def unit_counts(rng, n: int, total: int) -> list[int]:
    """Units per community: a handful of large ones (3,000–5,000 at the large size), most
    500–1,200 — a log-normal body plus a few big estates, scaled to the total."""
    big = max(1, round(0.03 * n)) if n >= 10 else 0
    weights = [rng.uniform(3_000, 5_000) for _ in range(big)]
    weights += [min(2_400, max(250, rng.lognormvariate(math.log(850), 0.3))) for _ in range(n - big)]
    rng.shuffle(weights)
    scale = total / sum(weights)
    counts = [max(10, int(w * scale)) for w in weights]
    # largest remainder to hit the total exactly
    i = 0
    while sum(counts) != total:
        step = 1 if sum(counts) < total else -1
        if counts[i % n] + step >= 10:
            counts[i % n] += step
        i += 1
    return counts


def create_places(rng, sizes, clock) -> list[Place]:
    names = community_names(rng, sizes.communities)
    counts = unit_counts(rng, sizes.communities, sizes.units)
    rows = []
    for i, name in enumerate(names):
        city, districts = texts.CITIES[i % len(texts.CITIES)]
        address = f"{city}{rng.choice(districts)}{rng.choice(texts.ROADS)} {rng.randrange(18, 3_600, 2)} 号"
        rows.append(Community(name=name, code=f"sc{i + 1:03d}", address=address))
    Community.objects.bulk_create(rows)
    places = []
    for i, community in enumerate(Community.objects.filter(code__in=[r.code for r in rows]).order_by("code")):
        # Most communities were under management before the window; about one in seven joined during it.
        since = rng.randrange(int(clock.days * 0.8)) if rng.random() < 0.15 else 0
        places.append(
            Place(
                index=i,
                pk=community.pk,
                code=community.code,
                name=community.name,
                units=counts[i],
                since=since,
            )
        )
    return places


def create_departments(places) -> Company:
    company = [Department(community=None, kind=k) for k in (Department.Kind.QUALITY, Department.Kind.FINANCE)]
    Department.objects.bulk_create(company)
    rows = [Department(community_id=p.pk, kind=k) for p in places for k in COMMUNITY_DEPARTMENTS]
    Department.objects.bulk_create(rows)
    by_place = {p.pk: p for p in places}
    for dept in Department.objects.filter(community__isnull=False).values("pk", "community_id", "kind"):
        by_place[dept["community_id"]].departments[dept["kind"]] = dept["pk"]
    kinds = dict(Department.objects.filter(community__isnull=True).values_list("kind", "pk"))
    return Company(
        leaders=[],
        quality=[],
        quality_head=0,
        quality_dept=kinds[Department.Kind.QUALITY],
        finance_dept=kinds[Department.Kind.FINANCE],
    )


def _community_staff(place: Place) -> list[tuple[str, str, str | None]]:
    """(username, role, department kind) of one community, scaled to its size."""
    code, units = place.code, place.units
    staff = [(f"{code}_desk{i}", Role.RECEPTIONIST, None) for i in range(1, min(3, 1 + units // 2_000) + 1)]
    staff += [
        (f"{code}_steward{i}", Role.AREA_STEWARD, None) for i in range(1, min(4, 1 + units // 1_500) + 1)
    ]
    staff += [
        (f"{code}_supervisor", Role.PROPERTY_SUPERVISOR, None),
        (f"{code}_cs", Role.CS_SUPERVISOR, None),
        (f"{code}_manager", Role.CS_MANAGER, None),
        (f"{code}_archive", Role.ARCHIVIST, None),
    ]
    for kind, short in COMMUNITY_DEPARTMENTS.items():
        staff.append((f"{code}_{short}head", Role.DEPARTMENT_HEAD, kind))
        staff += [
            (f"{code}_{short}{i}", Role.DEPARTMENT_STAFF, kind)
            for i in range(1, min(3, 1 + units // 2_500) + 1)
        ]
    return staff


def create_staff(
    rng, places: list[Place], company: Company, *, keep: list[tuple[int, str, str | None]]
) -> int:
    """Users (reused when they exist), their memberships, and `keep`: company-level memberships of
    other users (user id, role, department kind) that the reseed emptied and puts back."""
    User = get_user_model()
    plan = {p.pk: _community_staff(p) for p in places}
    company_users = [*COMPANY_USERS, (QUALITY_HEAD, Role.DEPARTMENT_HEAD)]
    usernames = [u for rows in plan.values() for u, _, _ in rows] + [u for u, _ in company_users]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(STAFF_PASSWORD)  # hashed once: PBKDF2 per user would take minutes
    User.objects.bulk_create(
        User(username=u, first_name=person_name(rng), email=f"{u}@bench.invalid", password=password)
        for u in usernames
        if u not in existing
    )
    User.objects.filter(username__in=existing).update(password=password, is_active=True)
    ids = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    memberships = []
    for place in places:
        for username, role, kind in plan[place.pk]:
            user = ids[username]
            department = place.departments[kind] if kind else None
            memberships.append(
                Membership(user_id=user, community_id=place.pk, role=role, department_id=department)
            )
            _assign(place, role, kind, user)
        memberships.append(
            Membership(
                user_id=ids[QUALITY_HEAD],
                community_id=place.pk,
                role=Role.DEPARTMENT_HEAD,
                department_id=company.quality_dept,
            )
        )
    for username, role in COMPANY_USERS:
        memberships.append(Membership(user_id=ids[username], community=None, role=role))
    seeded = {ids[u] for u, _ in COMPANY_USERS}
    departments = {
        Department.Kind.QUALITY: company.quality_dept,
        Department.Kind.FINANCE: company.finance_dept,
    }
    for user, role, kind in keep:
        if user not in seeded:
            memberships.append(
                Membership(user_id=user, community=None, role=role, department_id=departments.get(kind))
            )
    Membership.objects.bulk_create(memberships)
    company.leaders = [ids["scale_leader"], ids["scale_gm"]]
    company.quality = [ids["scale_quality"]]
    company.quality_head = ids[QUALITY_HEAD]
    return len(memberships)


def _assign(place: Place, role: str, kind: str | None, user: int) -> None:
    if role == Role.RECEPTIONIST:
        place.desk.append(user)
    elif role == Role.AREA_STEWARD:
        place.stewards.append(user)
    elif role == Role.PROPERTY_SUPERVISOR:
        place.supervisor = user
    elif role == Role.CS_SUPERVISOR:
        place.cs = user
    elif role == Role.CS_MANAGER:
        place.manager = user
    elif role == Role.ARCHIVIST:
        place.archivist = user
    elif role == Role.DEPARTMENT_HEAD:
        place.heads[kind] = user
    elif role == Role.DEPARTMENT_STAFF:
        place.dept_staff.setdefault(kind, []).append(user)


def company_memberships_to_keep() -> list[tuple[int, str, str | None]]:
    """Company-level memberships (community empty) of users the seed does not create: the reseed
    empties the membership table with the communities, and puts these back."""
    rows = Membership.objects.filter(community__isnull=True).exclude(user__username__startswith="scale_")
    return [
        (m.user_id, m.role, m.department.kind if m.department_id else None)
        for m in rows.select_related("department")
    ]


def seeded_here() -> bool:
    """Whether seed_scale filled this database: its company leader account exists."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="scale_leader").exists()
