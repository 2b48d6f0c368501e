"""The evidence pack of a takedown case: one zip a governor, a police officer or a platform's
report form can take as it is.

    summary.html          one page in plain words: what, where, when, what was done
    metadata.json         URLs, times, hashes, the case's events and who did what (audit log)
    SHA256SUMS            `sha256sum -c SHA256SUMS` checks every file
    screen-prints/        each screen print as PNG and PDF
    page-as-fetched/      the exact bytes the crawler received, under their SHA-256

Crawled text is escaped in the summary (Jinja autoescape), never rendered as markup.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from crawler.ground.history import describe_action
from crawler.ground.vocab import LONDON, CaseStatus, Risk, now
from digest import policy
from digest.render import html_environment

SUMS_NAME = "SHA256SUMS"
METADATA_NAME = "metadata.json"
SUMMARY_NAME = "summary.html"
# A fixed time for every zip entry: the same evidence gives the same bytes inside the zip.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackFile:
    path: str
    what: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _stamp(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %B %Y at %H:%M:%S %Z") if moment else "unknown"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return None
    return value


def _extension(content_type: str | None) -> str:
    base = (content_type or "").split(";")[0].strip().lower()
    return {"text/html": ".html", "application/xhtml+xml": ".html"}.get(
        base, mimetypes.guess_extension(base) or ".bin")


def pack_files(evidence: dict[str, Any], generated_by: str) -> list[PackFile]:
    """Every file of the pack but the sums, the metadata and the summary last (they name the
    files before them)."""
    files: list[PackFile] = []
    mention = evidence["mention"]
    if evidence["raw"] is not None:
        content_type, body = evidence["raw"]
        files.append(PackFile(
            f"page-as-fetched/{mention['raw_sha256']}{_extension(content_type)}",
            f"the exact bytes received from {mention['final_url'] or mention['url']}", body))
    for shot in evidence["screen_prints"]:
        stem = (f"screen-prints/{shot['captured_at'].astimezone(LONDON):%Y-%m-%d-%H%M%S}"
                f"-print-{shot['id']}")
        files.append(PackFile(f"{stem}.png", f"screen print of {shot['final_url']}",
                              bytes(shot["png"])))
        files.append(PackFile(f"{stem}.pdf", "the same page printed to PDF",
                              bytes(shot["pdf"])))
    generated_at = now()
    metadata = _metadata(evidence, files, generated_at, generated_by)
    files.append(PackFile(METADATA_NAME, "URLs, times, hashes and who did what",
                          json.dumps(metadata, indent=2, ensure_ascii=False).encode()))
    summary = _summary(evidence, files, generated_at, generated_by)
    files.append(PackFile(SUMMARY_NAME, "a one-page summary", summary.encode()))
    return files


def build_pack(evidence: dict[str, Any], generated_by: str) -> bytes:
    """The zip's bytes."""
    files = pack_files(evidence, generated_by)
    sums = "".join(f"{f.sha256}  {f.path}\n" for f in files).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in [*files, PackFile(SUMS_NAME, "checksums", sums)]:
            info = zipfile.ZipInfo(item.path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, item.body)
    return buffer.getvalue()


def _metadata(evidence: dict[str, Any], files: list[PackFile], generated_at: datetime,
              generated_by: str) -> dict[str, Any]:
    mention = evidence["mention"]
    return {
        "generated_at": generated_at.isoformat(),
        "generated_by": generated_by,
        "case": {k: _json_value(v) for k, v in evidence["case"].items()},
        "mention": {k: _json_value(v) for k, v in mention.items()},
        "screen_prints": [
            {k: _json_value(v) for k, v in shot.items() if k not in ("png", "pdf")}
            for shot in evidence["screen_prints"]
        ],
        "case_events": [{k: _json_value(v) for k, v in e.items()} for e in evidence["events"]],
        "audit": [
            {**{k: _json_value(v) for k, v in entry.items()},
             "sentence": _sentence(entry)}
            for entry in evidence["audit"]
        ],
        "files": [{"path": f.path, "sha256": f.sha256, "bytes": len(f.body), "what": f.what}
                  for f in files],
    }


def _sentence(entry: dict[str, Any]) -> str:
    return describe_action(entry["actor"], entry["action"], entry["before"], entry["after"],
                           entry["case_id"])


def _summary(evidence: dict[str, Any], files: list[PackFile], generated_at: datetime,
             generated_by: str) -> str:
    mention, case = evidence["mention"], evidence["case"]
    try:
        risk = Risk(mention["risk"]).label if mention["risk"] else "Not yet classified"
    except ValueError:
        risk = str(mention["risk"])
    context = {
        "case": case,
        "case_status": CaseStatus(case["status"]).label,
        "mention": mention,
        "risk": risk,
        "categories": [policy.label(c) for c in policy.ordered(mention["categories"])],
        "actions": policy.actions(mention["categories"]),
        "prints": evidence["screen_prints"],
        "print_files": {f.path: f for f in files},
        "timeline": sorted(
            [(entry["acted_at"], _sentence(entry)) for entry in evidence["audit"]]
            + [(event["event_at"], f"re-check: {event['note']}") for event in evidence["events"]
               if event["kind"] == "check" and event["note"]],
            key=lambda pair: pair[0]),
        "files": files,
        "generated_at": generated_at,
        "generated_by": generated_by,
        "stamp": _stamp,
    }
    return html_environment().get_template("evidence_summary.html.j2").render(context)
