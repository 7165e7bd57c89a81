from django.conf import settings
from django.core.handlers.exception import get_exception_response
from django.http import Http404
from django.urls import Resolver404, get_resolver, get_urlconf, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response


class ChosenLanguageMiddleware:
    """Bahasa Indonesia unless the visitor chose English (language cookie).

    Unlike Django's LocaleMiddleware the browser's Accept-Language is not used: many phones in Indonesia are set
    to English, and an election commission's pages should not switch language behind their reader's back.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = dict(settings.LANGUAGES)

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class FriendlyNotFoundMiddleware:
    """The site's own 404 page also with DEBUG on (`make run`), where Django would show its English technical page
    to whoever opens a wrong or stale address. Does nothing with DEBUG off: Django renders 404.html itself then.
    403 needs nothing: Django renders 403.html whatever DEBUG says.

    The address that matches no route is answered here (after CommonMiddleware, which still redirects to the address
    with the slash); Http404 from a view in process_exception. Logged as Django logs a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return self._page(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return self._page(request, exception)
        return None

    def _page(self, request, exception):
        response = get_exception_response(request, get_resolver(get_urlconf()), 404, exception)
        log_response("Not Found: %s", request.path, response=response, request=request)
        return response
