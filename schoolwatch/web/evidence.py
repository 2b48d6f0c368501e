"""Screen prints and evidence packs in the inbox: take one now (from a mention or a case), show
the files, download a case's pack. The browser runs with no store connection held."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.ground.errors import CaseError
from crawler.store.screenprints import FILE_KINDS
from schoolwatch.evidence import evidence_pack, shoot
from schoolwatch.web.shared import checked_form, login_required, scope_of, web_of

MEDIA_TYPES = {"png": "image/png", "pdf": "application/pdf"}


@login_required
async def take(request: Request) -> Response:
    """POST /mentions/{id}/screenprint (optionally with the case it was asked from)."""
    web = web_of(request)
    user = request.scope["user"]
    form = await checked_form(request)
    if form is None:
        return web.error(request, 403, "This form lacks its CSRF token: reload and try again.")
    if not user.can_act:
        return web.error(request, 403, "A viewer cannot take screen prints.")
    mention_id = request.path_params["id"]
    mention = await web.db(web.store.mention, mention_id, scope_of(user))
    if mention is None:
        return web.error(request, 404, "No such mention.")
    try:
        case_id = int(form.get("case_id") or 0) or None
    except ValueError:
        case_id = None
    shot, error = await run_in_threadpool(shoot, web.config, mention["url"])
    await web.db(web.store.record_screen_print, mention_id, mention["url"], user.email,
                 shot=shot, error=error, case_id=case_id)
    if case_id:
        return RedirectResponse(f"/cases#case-{case_id}", status_code=303)
    return RedirectResponse(f"/mentions/{mention_id}?done=screen print#evidence", status_code=303)


@login_required
async def print_file(request: Request) -> Response:
    """GET /screenprints/{id}.png or .pdf: a screen print's file, to whoever may see its school."""
    web = web_of(request)
    kind = request.path_params["kind"]
    if kind not in FILE_KINDS:
        return web.error(request, 404, "Not found.")
    found = await web.db(web.store.screen_print_file, request.path_params["id"], kind)
    if found is None:
        return web.error(request, 404, "No such screen print.")
    mention_id, body = found
    if await web.db(web.store.mention, mention_id, scope_of(request.scope["user"])) is None:
        return web.error(request, 404, "No such screen print.")
    name = f"screen-print-{request.path_params['id']}-mention-{mention_id}.{kind}"
    disposition = "inline" if kind == "png" else "attachment"
    return Response(body, media_type=MEDIA_TYPES[kind], headers={
        "content-disposition": f'{disposition}; filename="{name}"',
        "content-security-policy": "sandbox; default-src 'none'",
    })


@login_required
async def pack(request: Request) -> Response:
    """GET /cases/{id}/pack.zip: the case's evidence pack (who made it is audited)."""
    web = web_of(request)
    user = request.scope["user"]
    case_id = request.path_params["id"]
    try:
        body = await web.db(evidence_pack, web.store, case_id, user.email, scope_of(user))
    except CaseError:
        return web.error(request, 404, "No such case.")
    return Response(body, media_type="application/zip", headers={
        "content-disposition": f'attachment; filename="case-{case_id}-evidence.zip"'})
