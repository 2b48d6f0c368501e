"""`schoolwatch check`: the pre-inspection reputation report as one HTML file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crawler.ground.errors import SchoolwatchError
from digest.report import build_report, render_report
from digest.weekly import select_schools
from schoolwatch.ui import config_option, console, existing_store, load_from_option


@click.command("check")
@config_option
@click.option("--school", "school_id", metavar="ID", required=True, help="The school to report on.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              metavar="YYYY-MM-DD",
              help="Start of the period. Default: the school's last_inspection, else 12 months.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write the HTML. Default: report-<school>.html.")
def check_command(
    config_path: Path | None, school_id: str, since: datetime | None, out_path: Path | None
) -> None:
    """Write the pre-inspection report: what a parent or an inspector finds online now.

    Volume and sentiment by month, unresolved high- and medium-risk items, reviews and the
    rating trend, recurring negative themes (redacted excerpts), Wikipedia edits, the sources
    and any that failed, open takedown cases, and a checklist. One self-contained HTML file;
    print it to PDF from a browser.
    """
    config = load_from_option(config_path)
    (school,) = select_schools(config, school_id)
    if since is not None and since > datetime.now():
        raise SchoolwatchError(f"--since {since:%Y-%m-%d} is in the future")
    report = build_report(config, existing_store(config), school,
                          since.date() if since else None)
    target = out_path or Path(f"report-{school.id}.html")
    target.write_text(render_report(report), encoding="utf-8")
    console.print(
        f"Wrote [bold]{target}[/]: {report.mentions} mention(s) {report.since_reason}, "
        f"{len(report.action_items)} unresolved high/medium-risk, "
        f"{len(report.checklist)} checklist item(s).", highlight=False, soft_wrap=True,
    )
