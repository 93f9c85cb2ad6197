from propsvc.tenancy import Workplace


class CurrentCommunityMiddleware:
    """Attach request.workplace: the user's communities and the one chosen in the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.workplace = Workplace(request)
        return self.get_response(request)
