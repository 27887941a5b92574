"""The benchmark floor for bench/web.py: the cheapest answer through the whole middleware stack.

Routed only when STARMAP_BENCH_FLOOR is true (settings.BENCH_FLOOR), which production refuses.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

FLOOR_BODY = b'{"ok": true}'


@require_GET
def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="application/json")
