"""{% complaint_queues %}: the complaints waiting for the user, on the home page.

A template tag, so the home page (archives) shows them without archives importing complaints.
"""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints import selectors
from propsvc.roles import Perm

register = template.Library()


@register.inclusion_tag("complaints/_queues.html", takes_context=True)
def complaint_queues(context):
    request = context["request"]
    user = request.user
    if not user.has_perm(Perm.VIEW_COMPLAINTS):
        return {"queues": []}
    communities = request.workplace.current_ids
    url = reverse("complaints:list")
    queues = []
    wanted = []
    if user.has_perm(Perm.HANDLE_COMPLAINT):
        wanted += [("triage", _("Complaints to triage")), ("mine", _("Complaints I handle"))]
    if user.has_perm(Perm.SIGN_OFF_COMPLAINT):
        wanted.append(("sign_off", _("Results awaiting my sign-off")))
    for view, label in wanted:
        filters = selectors.ComplaintFilter(communities=communities, view=view)
        count = selectors.complaint_list(user=user, filters=filters).count()
        queues.append({"label": label, "count": count, "url": f"{url}?view={view}"})
    if user.has_perm(Perm.CALL_BACK):
        due = selectors.callback_list_due(user=user, communities=communities, mine=True).count()
        queues.append(
            {
                "label": _("My planned call-backs"),
                "count": due,
                "url": reverse("complaints:callbacks") + "?mine=1",
            }
        )
    return {"queues": queues}
