"""factory_boy factories. Build state that matters through services (STYLE.md 21)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from archives.models import Building, Owner, Ownership, Unit
from propsvc.models import Community, Department, Membership, Notification
from propsvc.roles import Role

PASSWORD = "Zy8#desk-Pw"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试小区{n}")
    code = factory.Sequence(lambda n: f"c{n}")
    address = factory.Sequence(lambda n: f"测试市测试路{n}号")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("community", "kind")

    community = factory.SubFactory(CommunityFactory)
    kind = Department.Kind.CUSTOMER_SERVICE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    role = Role.RECEPTIONIST


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("community", "number")

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: str(n + 1))


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    community = factory.SelfAttribute("building.community")
    entrance = 1
    floor = 11
    room = factory.Sequence(lambda n: f"{11 + n // 4}{n % 4 + 1:02d}")
    area = Decimal("98.50")
    handover_date = datetime.date(2020, 6, 1)
    use = Unit.Use.OCCUPIED


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"业主{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ownership

    unit = factory.SubFactory(UnitFactory)
    community = factory.SelfAttribute("unit.community")
    owner = factory.SubFactory(OwnerFactory, community=factory.SelfAttribute("..unit.community"))
    start_date = datetime.date(2020, 6, 1)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"通知{n}")
    link = "/"


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    """A stored monthly complaint report as the archive page lists it (the file is a name only: build
    real ones with complaints.services.monthly_report_build)."""

    class Meta:
        model = "complaints.MonthlyReport"

    community = factory.SubFactory(CommunityFactory)
    month = datetime.date(2026, 1, 1)
    file = factory.LazyAttribute(lambda r: f"reports/{r.month:%Y-%m}/complaint-statistics.xlsx")
    complaints = 0


class ChargeListFactory(factory.django.DjangoModelFactory):
    """A month's charges to collect as the finance page lists it (the file is a name only: build real
    ones with violations.services.charge_list_build)."""

    class Meta:
        model = "violations.ChargeList"

    community = factory.SubFactory(CommunityFactory)
    month = datetime.date(2026, 1, 1)
    file = factory.LazyAttribute(lambda c: f"charges/{c.month:%Y-%m}/charges.xlsx")
    count = 0
    total = Decimal("0.00")


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A background export as the worker leaves it (the page tests set status and counts; the flow
    itself is built through propsvc.export_jobs)."""

    class Meta:
        model = "propsvc.ExportJob"

    requested_by = factory.SubFactory(UserFactory)
    kind = "complaints"
    params = factory.LazyFunction(dict)
    language = "zh-hans"
    total_rows = 100_000
    file_name = "投诉记录_20261123.xlsx"
    stored_path = factory.Sequence(lambda n: f"exports/test{n:032d}.xlsx")
