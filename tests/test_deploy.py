"""deploy/: the systemd units, the user and folders they need, and the config they run with
(docs/deploy.md). Each unit must start a real schoolwatch command with options it accepts, all
of them as the same user with the same config and secrets, hardened without breaking what the
process does (Chromium for screen prints), and pass `systemd-analyze verify`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from crawler.ground.config import load_config
from schoolwatch.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/schoolwatch/.venv/bin/schoolwatch"
CONFIG = "/etc/schoolwatch/schoolwatch.toml"
ENV_FILE = "/etc/schoolwatch/schoolwatch.env"
STATE = Path("/var/lib/schoolwatch")
BACKUPS = "/var/backups/schoolwatch"
USER = "schoolwatch"

# The command each service runs; every *.service in deploy/ must be listed here.
COMMANDS = {
    "schoolwatch-run.service": "run",
    "schoolwatch-serve.service": "serve",
    "schoolwatch-worker@.service": "worker",
    "schoolwatch-ingest.service": "ingest",
    "schoolwatch-backup.service": "backup",
}
LONG_RUNNING = ("run", "serve", "worker", "ingest")
# These start Chromium for screen prints (schoolwatch.jobs.after_crawl after a crawl or an
# ingest; the inbox's "Take a screen print now"): its sandbox needs user namespaces and chroot,
# its JIT writable code.
SCREEN_PRINTING = ("run", "serve", "ingest")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "CapabilityBoundingSet": "",
    "SystemCallArchitectures": "native",
    "UMask": "0027",
}
BREAKS_CHROMIUM = ("RestrictNamespaces", "PrivateUsers", "MemoryDenyWriteExecute")


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value given, as systemd reads a unit file (no continuations
    are used in deploy/)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(name: str) -> dict[str, str]:
    """The [Service] section of a deploy/ unit, each key's last value."""
    return {key: values[-1] for key, values in unit_settings(DEPLOY / name)["Service"].items()}


def schoolwatch_argv(exec_start: str) -> list[str]:
    """The schoolwatch command line an ExecStart runs (through `/bin/sh -c '...'` too), with
    systemd's $$ and %% read as the shell receives them."""
    argv = shlex.split(exec_start)
    if argv[:2] == ["/bin/sh", "-c"]:
        argv = shlex.split(argv[2].replace("$$", "$").replace("%%", "%"))
    assert INSTALLED in argv, f"{exec_start!r} does not run {INSTALLED}"
    return argv[argv.index(INSTALLED) + 1:]


def test_every_service_in_deploy_is_checked_here() -> None:
    assert sorted(p.name for p in DEPLOY.glob("*.service")) == sorted(COMMANDS)
    assert (DEPLOY / "schoolwatch-backup.timer").is_file()


@pytest.mark.parametrize("unit", sorted(COMMANDS))
def test_each_service_runs_a_real_command_with_options_it_accepts(unit: str) -> None:
    argv = schoolwatch_argv(service(unit)["ExecStart"])
    name, args = argv[0], argv[1:]
    assert name == COMMANDS[unit]
    with click.Context(cli) as ctx:
        command = cli.get_command(ctx, name)
    assert command is not None, f"{unit}: schoolwatch has no command {name!r}"
    # Parse the unit's arguments as the command would (unknown options, bad values and
    # missing arguments raise), against the shipped config instead of /etc's.
    args = [str(DEPLOY / "schoolwatch.toml") if arg == CONFIG else arg for arg in args]
    parsed = command.make_context(name, args)
    assert parsed.params["config_path"] == DEPLOY / "schoolwatch.toml"


@pytest.mark.parametrize("unit", sorted(COMMANDS))
def test_services_share_the_user_config_secrets_and_data_folder(unit: str) -> None:
    settings = service(unit)
    argv = schoolwatch_argv(settings["ExecStart"])
    assert argv[argv.index("--config") + 1] == CONFIG
    assert (settings["User"], settings["Group"]) == (USER, USER)
    assert settings["StateDirectory"] == STATE.name
    assert settings["WorkingDirectory"] == str(STATE)
    if COMMANDS[unit] in LONG_RUNNING:
        assert settings["EnvironmentFile"] == ENV_FILE
        assert settings["Restart"] == "on-failure"
        assert settings["KillMode"] == "mixed"  # SIGTERM to schoolwatch, which stops its crawls
        assert settings["RestartPreventExitStatus"] == "2"  # a config error: restarts cannot help
    else:
        assert "EnvironmentFile" not in settings  # the backup needs no secrets


@pytest.mark.parametrize("unit", sorted(COMMANDS))
def test_services_are_hardened_without_breaking_screen_prints(unit: str) -> None:
    settings = service(unit)
    missing = {key: value for key, value in HARDENING.items() if settings.get(key) != value}
    assert missing == {}, f"{unit} lacks {missing}"
    if COMMANDS[unit] in SCREEN_PRINTING:
        assert [key for key in BREAKS_CHROMIUM if key in settings] == []
        # A deny-list only: an allow-list such as @system-service lacks chroot, which
        # Chromium's namespace sandbox calls.
        assert settings["SystemCallFilter"].startswith("~")
        assert "AF_NETLINK" in settings["RestrictAddressFamilies"]
    else:
        assert settings["RestrictNamespaces"] == "yes"
        assert settings["SystemCallFilter"] == "@system-service"


def test_the_backup_runs_nightly_into_a_folder_it_may_write() -> None:
    timer = unit_settings(DEPLOY / "schoolwatch-backup.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Timer"]["Persistent"] == ["true"]
    backup = service("schoolwatch-backup.service")
    folder = schoolwatch_argv(backup["ExecStart"])[-1]
    assert folder.startswith(f'{BACKUPS}/$(date ')  # a new folder each run, as backup demands
    assert backup["ReadWritePaths"] == BACKUPS
    tmpfiles = (DEPLOY / "tmpfiles.d" / "schoolwatch.conf").read_text(encoding="utf-8")
    assert re.search(rf"^d {re.escape(BACKUPS)}\s+0750 {USER}\s+{USER}\b", tmpfiles, re.M)


def test_the_user_lives_in_the_data_folder_and_secrets_are_root_only() -> None:
    sysusers = (DEPLOY / "sysusers.d" / "schoolwatch.conf").read_text(encoding="utf-8")
    assert re.search(rf'^u {USER} - "[^"]+" {STATE} /usr/sbin/nologin$', sysusers, re.M)
    tmpfiles = (DEPLOY / "tmpfiles.d" / "schoolwatch.conf").read_text(encoding="utf-8")
    assert re.search(rf"^f {re.escape(ENV_FILE)}\s+0600 root\s+root\b", tmpfiles, re.M)
    assert re.search(rf"^d /etc/schoolwatch\s+0750 root\s+{USER}\b", tmpfiles, re.M)
    example = (DEPLOY / "schoolwatch.env.example").read_text(encoding="utf-8")
    assert re.findall(r"^#?([A-Z_]+)=$", example, re.M) == [
        "SCHOOLWATCH_SMTP_PASSWORD", "SCHOOLWATCH_REDIS_PASSWORD", "SCHOOLWATCH_TEAMS_DSL_URL",
        "SCHOOLWATCH_SECRET_KEY"]


def test_the_shipped_config_keeps_everything_it_writes_in_the_data_folder(
    tmp_path: Path,
) -> None:
    # As `schoolwatch school add` leaves it: the shipped file has no school yet.
    copy = tmp_path / "schoolwatch.toml"
    school = '[[school]]\nid = "hollins-green"\nname = "Hollins Green Primary School"\n'
    shipped = (DEPLOY / "schoolwatch.toml").read_text(encoding="utf-8")
    copy.write_text(f"{shipped}\n{school}", encoding="utf-8")
    config = load_config(copy)
    assert config.email is not None and config.web.secret_file is not None
    for path in (config.store.path, config.email.outbox, config.web.secret_file):
        assert path.is_relative_to(STATE), f"{path} is outside {STATE}, read-only to the units"
    assert config.web.secure_cookies and (config.web.base_url or "").startswith("https://")
    redis = config.queue.password_env if config.queue else "SCHOOLWATCH_REDIS_PASSWORD"
    assert redis in (DEPLOY / "schoolwatch.env.example").read_text(encoding="utf-8")


DOC = ROOT / "docs" / "deploy.md"
# A schoolwatch command in the page: through the `sw` helper, `$S`, or the installed program.
PROGRAM = re.compile(r"(?:^|\s)(?:sw|\$S|/opt/schoolwatch/\.venv/bin/schoolwatch)\s+(\S.*)$")


def documented_commands() -> list[str]:
    """Each schoolwatch command line in docs/deploy.md's shell blocks."""
    text = DOC.read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#\s.*$", "", line)  # a comment after the command
            match = PROGRAM.search(line)
            if match and not line.startswith("sw()"):
                found.append(match.group(1))
    found += re.findall(r"`sw ([^`]+)`", text)  # in the prose and the tables
    return found


def test_every_command_in_the_deploy_guide_parses() -> None:
    commands = documented_commands()
    assert len(commands) >= 15, commands  # the page's commands were found at all
    for line in commands:
        argv = shlex.split(re.sub(r"\$\([^)]*\)", "NOW", line))  # $(date ...) is one word
        command: click.Command = cli
        name = "schoolwatch"
        while isinstance(command, click.Group) and argv and not argv[0].startswith("-"):
            with click.Context(command) as ctx:
                found = command.get_command(ctx, argv[0])
            assert found is not None, f"{line!r}: no command {argv[0]!r} under {name!r}"
            command, name = found, argv.pop(0)
        try:
            command.make_context(name, argv)  # unknown options or bad values raise
        except click.BadParameter as exc:  # a backup folder that exists only on a server
            assert "does not exist" in exc.format_message(), f"{line!r}: {exc}"

# ---- systemd-analyze verify ----------------------------------------------------------------


def verify_findings(units: list[Path], folder: Path) -> str:
    """What `systemd-analyze verify` says about copies of these units whose ExecStart runs
    this venv's schoolwatch (it checks that the program exists). Unknown keys and bad values
    are only warnings to it (exit 0), so anything it prints is a finding."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (it comes with systemd)")
    here = Path(sys.executable).parent / "schoolwatch"
    if not here.exists():
        pytest.skip(f"no schoolwatch script beside {sys.executable} to point ExecStart at")
    copies = []
    for unit in units:
        copy = folder / unit.name
        copy.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED, str(here)),
                        encoding="utf-8")
        copies.append(str(copy))
    result = subprocess.run(
        [analyze, "verify", "--man=no", "--generators=no", *copies],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )
    return (result.stdout + result.stderr).strip() + (
        f"\n(exit {result.returncode})" if result.returncode else "")


def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    units = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
    assert verify_findings(units, tmp_path) == ""


@pytest.mark.parametrize(("good", "bad"), [
    ("ProtectSystem=strict", "ProtectSytem=strict"),  # a misspelt key: ignored by systemd
    ("ProtectHome=yes", "ProtectHome=strict"),  # a value the key does not take
    ("OnCalendar=", "OnCalender="),  # a timer left without a trigger
])
def test_verify_catches_a_broken_unit(tmp_path: Path, good: str, bad: str) -> None:
    """The check above can fail: the same check on a copy with one mistake finds it."""
    source = DEPLOY / ("schoolwatch-backup.timer" if good.startswith("OnCalendar")
                       else "schoolwatch-run.service")
    broken = tmp_path / "broken"
    broken.mkdir()
    text = source.read_text(encoding="utf-8")
    assert good in text
    (broken / source.name).write_text(text.replace(good, bad), encoding="utf-8")
    if source.suffix == ".timer":  # the timer is verified with the service it starts
        shutil.copy(DEPLOY / "schoolwatch-backup.service", broken)
    line = text[:text.index(good)].count("\n") + 1
    findings = verify_findings(sorted(broken.iterdir()), tmp_path)
    assert f"{source.name}:{line}: " in findings, findings  # the finding names the broken line


def test_systemd_reads_the_user_and_folders(tmp_path: Path) -> None:
    """systemd-sysusers and systemd-tmpfiles, run into a scratch root, make the user with its
    home and the folders with their modes."""
    sysusers, tmpfiles = shutil.which("systemd-sysusers"), shutil.which("systemd-tmpfiles")
    if sysusers is None or tmpfiles is None:
        pytest.skip("systemd-sysusers/systemd-tmpfiles are not installed (they come with systemd)")
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles can give folders to the schoolwatch user only as root")
    for kind in ("sysusers.d", "tmpfiles.d"):
        (tmp_path / "etc" / kind).mkdir(parents=True)
        shutil.copy(DEPLOY / kind / "schoolwatch.conf", tmp_path / "etc" / kind)
    for tool in (sysusers, tmpfiles):
        extra = ["--create"] if tool == tmpfiles else []
        subprocess.run([tool, f"--root={tmp_path}", *extra, "schoolwatch.conf"],
                       check=True, capture_output=True, timeout=60)
    passwd = (tmp_path / "etc" / "passwd").read_text(encoding="utf-8")
    entry = next(line.split(":") for line in passwd.splitlines() if line.startswith(f"{USER}:"))
    assert entry[5:] == [str(STATE), "/usr/sbin/nologin"]
    uid, gid = int(entry[2]), int(entry[3])
    env = (tmp_path / ENV_FILE.lstrip("/")).stat()
    assert (oct(env.st_mode & 0o777), env.st_uid) == ("0o600", 0)
    backups = (tmp_path / BACKUPS.lstrip("/")).stat()
    assert (oct(backups.st_mode & 0o777), backups.st_uid, backups.st_gid) == ("0o750", uid, gid)
    etc = (tmp_path / "etc" / "schoolwatch").stat()
    assert (oct(etc.st_mode & 0o777), etc.st_uid, etc.st_gid) == ("0o750", 0, gid)
