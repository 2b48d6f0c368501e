"""One mention: the post with its highlights and evidence, and the actions on it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from crawler.engine.screenprint import screen_prints_off
from crawler.ground.errors import CaseError, TriageError
from crawler.ground.vocab import Risk, Sentiment
from digest import policy
from schoolwatch.cases import open_case
from schoolwatch.web.highlight import highlight, reason_phrases
from schoolwatch.web.shared import checked_form, login_required, scope_of, web_of

ACTIONS = ("status", "assign", "note", "correct", "case")


async def _mention_or_404(request: Request) -> dict | None:
    web = web_of(request)
    return await web.db(web.store.mention, request.path_params["id"],
                        scope_of(request.scope["user"]))


@login_required
async def mention_page(request: Request) -> Response:
    web = web_of(request)
    mention = await _mention_or_404(request)
    if mention is None:
        return web.error(request, 404, "No such mention.")
    reasons = reason_phrases(mention["risk_reasons"])
    users = await web.db(web.store.users)
    context = {
        "m": mention,
        "title_segments": highlight(mention["title"] or "", mention["matched_alias"],
                                    reasons.values()),
        "text_segments": highlight(mention["text"] or "", mention["matched_alias"],
                                   reasons.values()),
        "reasons": reasons,
        # the same policy text the alert and the digest give for these categories
        "what_to_do": policy.actions(mention["categories"]),
        "audit": await web.db(web.store.audit_entries, mention_id=mention["id"], limit=50),
        "assignable": [u.email for u in users if u.can_act and u.sees(mention["school_id"])],
        "risks": Risk.most_urgent_first(), "sentiments": tuple(Sentiment),
        "flash": request.query_params.get("done"),
        "screen_prints": await web.db(web.store.screen_prints, mention["id"]),
        "screen_prints_off": screen_prints_off(web.config.evidence),
    }
    return web.render(request, "mention.html", context)


async def _raw(request: Request) -> tuple[dict | None, bytes | None]:
    web = web_of(request)
    mention = await _mention_or_404(request)
    if mention is None:
        return None, None
    return mention, await web.db(web.store.raw_body, mention["raw_sha256"])


@login_required
async def raw_text(request: Request) -> Response:
    """The stored bytes shown as text inside our own page: never rendered as the site's HTML."""
    web = web_of(request)
    mention, body = await _raw(request)
    if mention is None or body is None:
        return web.error(request, 404, "No stored response for this mention.")
    return web.render(request, "raw.html", {
        "m": mention, "body": body.decode("utf-8", errors="replace"), "size": len(body)})


@login_required
async def raw_download(request: Request) -> Response:
    web = web_of(request)
    mention, body = await _raw(request)
    if mention is None or body is None:
        return web.error(request, 404, "No stored response for this mention.")
    name = f"mention-{mention['id']}-{mention['raw_sha256'][:12]}.raw"
    return Response(body, media_type="application/octet-stream", headers={
        "content-disposition": f'attachment; filename="{name}"',
        "content-security-policy": "sandbox; default-src 'none'",
    })


@login_required
async def act(request: Request) -> Response:
    """POST /mentions/{id}/{status|assign|note|correct|case}; every action is audited."""
    web = web_of(request)
    user = request.scope["user"]
    action = request.path_params["action"]
    form = await checked_form(request)
    if form is None:
        return web.error(request, 403, "This form lacks its CSRF token: reload and try again.")
    if action not in ACTIONS:
        return web.error(request, 404, "Not found.")
    if not user.can_act:
        return web.error(request, 403, "A viewer cannot change mentions.")
    mention_id = request.path_params["id"]
    scope = scope_of(user)
    if await _mention_or_404(request) is None:
        return web.error(request, 404, "No such mention.")
    store = web.store
    try:
        if action == "status":
            await web.db(store.set_status, [mention_id], str(form.get("status") or ""),
                         user.email, reason=str(form.get("reason") or ""), schools=scope)
        elif action == "assign":
            await web.db(store.assign, mention_id, str(form.get("email") or "") or None,
                         user.email, scope)
        elif action == "note":
            await web.db(store.add_note, mention_id, str(form.get("note") or ""), user.email,
                         scope)
        elif action == "correct":
            await web.db(store.correct, mention_id, str(form.get("field") or ""),
                         str(form.get("value") or ""), user.email, scope)
        else:
            note = str(form.get("note") or "").strip() or None
            case = await web.db(open_case, store, mention_id, note, user.email)
            return RedirectResponse(f"/cases#case-{case.id}", status_code=303)
    except (TriageError, CaseError) as exc:
        return web.error(request, 400, str(exc))
    return RedirectResponse(f"/mentions/{mention_id}?done={action}", status_code=303)
