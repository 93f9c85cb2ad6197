from django.conf import settings
from django.utils.functional import SimpleLazyObject

from propsvc.selectors import notification_unread_count


def workplace(request):
    user = getattr(request, "user", None)
    return {
        "workplace": getattr(request, "workplace", None),
        "company_name": settings.PROPSVC_COMPANY_NAME,
        "unread_notifications": SimpleLazyObject(
            lambda: notification_unread_count(user=user) if user and user.is_authenticated else 0
        ),
    }
