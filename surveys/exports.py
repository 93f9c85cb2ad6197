"""Excel files of owner visits (STYLE.md 24)."""

from collections.abc import Iterable, Iterator

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propsvc import export_jobs
from propsvc.exports import Progress, labels_of, local_naive, stream_file, write_sheet
from propsvc.roles import Perm
from surveys.models import Mode, Signature, Topic


def visits_headers() -> list[str]:
    return [
        _("Number"),
        _("Community"),
        _("Visited at"),
        _("Unit"),
        _("Owner"),
        _("Visit mode"),
        _("Topics"),
        _("The owner's opinions and needs"),
        _("Signature"),
        _("Appointment made at"),
        _("Appointment made with"),
        _("Visited by"),
    ]


def visits_rows(rows: Iterable[tuple]) -> Iterator[list]:
    modes, topics = labels_of(Mode.choices), labels_of(Topic.choices)
    signatures = labels_of(Signature.choices)
    local = local_naive()
    separator = "、"
    for (
        pk, community, visited_at, building, entrance, room, owner, mode, chosen, opinions, signature,
        appointment_made_at, appointment_with, first_name, username,
    ) in rows:  # fmt: skip
        yield [
            f"ZF{pk:06d}",
            community,
            local(visited_at),
            f"{building}栋{entrance}单元{room}室",
            owner or "",
            modes.get(mode, mode),
            separator.join(topics.get(t, t) for t in chosen or ()),
            opinions,
            signatures.get(signature, "") if signature else "",
            local(appointment_made_at),
            appointment_with,
            first_name or username,
        ]


def write_visits(rows: Iterable[tuple], handle, progress: Progress | None = None) -> int:
    """The owner visits' sheet, from visit_rows_for_export, written to the open binary `handle`;
    the inline response and the background job both call it."""
    return write_sheet(
        handle,
        title=_("Owner visits"),
        headers=visits_headers(),
        lines=lambda sheet: visits_rows(rows),
        progress=progress,
    )


def visits_response(rows: Iterable[tuple]) -> FileResponse:
    filename = _("owner-visits") + timezone.localtime().strftime("-%Y%m%d-%H%M.xlsx")
    return stream_file(lambda handle: write_visits(rows, handle), filename=filename)


export_jobs.register(
    export_jobs.Exporter(
        name="visits",
        title=gettext_lazy("Owner visit records"),
        permission=Perm.VIEW_VISITS,
        write=export_jobs.list_writer(
            "surveys.selectors.VisitFilter",
            "surveys.selectors.visit_rows_for_export",
            write_visits,
            # The list offers only the communities where the user may read visits: narrowed again.
            narrow=Perm.VIEW_VISITS,
        ),
    )
)
