"""Takedown cases and sources."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.ground.errors import CaseError
from crawler.store.audit import record_action
from schoolwatch.cases import case_events, get_case, list_cases, update_case
from schoolwatch.web.shared import checked_form, login_required, scope_of, web_of


async def home(request: Request) -> Response:
    return RedirectResponse("/mentions", status_code=303)


@login_required
async def cases_page(request: Request) -> Response:
    web = web_of(request)
    user = request.scope["user"]

    def load() -> list[tuple[object, list[dict]]]:
        cases = [c for c in list_cases(web.store) if user.sees(c.school_id)]
        cases.sort(key=lambda c: (not c.unresolved, -c.opened_at.timestamp()))
        return [(case, case_events(web.store, case.id)) for case in cases]

    return web.render(request, "cases.html", {"cases": await web.db(load)})


@login_required
async def case_update(request: Request) -> Response:
    web = web_of(request)
    user = request.scope["user"]
    form = await checked_form(request)
    if form is None:
        return web.error(request, 403, "This form lacks its CSRF token: reload and try again.")
    if not user.can_act:
        return web.error(request, 403, "A viewer cannot change cases.")
    case_id = request.path_params["id"]
    status = str(form.get("status") or "")
    note = str(form.get("note") or "").strip() or None

    def change() -> None:
        before = get_case(web.store, case_id)
        if not user.sees(before.school_id):
            raise CaseError(f"no case with id {case_id}")
        after = update_case(web.store, case_id, status, note)
        with web.store.transaction(wait=15.0) as con:
            record_action(con, user.email, "case_status", mention_id=after.mention_id,
                          case_id=case_id, before={"status": before.status},
                          after={"status": after.status, "note": note})

    try:
        await web.db(change)
    except CaseError as exc:
        return web.error(request, 404 if "no case" in str(exc) else 400, str(exc))
    return RedirectResponse(f"/cases#case-{case_id}", status_code=303)


@login_required
async def sources_page(request: Request) -> Response:
    web = web_of(request)
    user = request.scope["user"]
    # A lead sees the sources about their schools (and those about every school), with only
    # their schools' mentions counted; an admin sees all, those no longer configured too.
    configured = {s.name: s for s in web.config.source
                  if user.is_admin or s.schools is None or any(map(user.sees, s.schools))}
    overview = await web.db(web.store.source_overview,
                            None if user.is_admin else list(configured), scope_of(user))
    return web.render(request, "sources.html", {"rows": overview.records(),
                                                "configured": configured})
