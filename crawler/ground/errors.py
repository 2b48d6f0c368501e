"""Domain errors. The library raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations

import errno


class SchoolwatchError(Exception):
    """Base class for every error schoolwatch reports to a user."""


class ConfigError(SchoolwatchError):
    """The config file is missing or invalid; the message names the file and the key path."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{path}: {key}: " if key else f"{path}: "
        super().__init__(f"{where}{problem}")


class StoreError(SchoolwatchError):
    """The DuckDB store cannot be used as asked."""


class StoreLockedError(StoreError):
    """Another process (a crawl) holds the write lock on the store file."""


class StoreMissingError(StoreError):
    """A command that only reads was pointed at a store file that does not exist."""


class StoreSchemaNewerError(StoreError):
    """The store was written by a newer schoolwatch: its schema has migrations this one lacks."""


class BackupError(StoreError):
    """A backup cannot be written, or a backup folder cannot be restored."""


class QueryError(StoreError):
    """An ad-hoc query failed (bad SQL, or an attempt to write through the read-only query path)."""


class UnknownNameError(SchoolwatchError):
    """A source or school named on the command line is not in the config."""


# One typed error per way a fetch can fail, so each source shows a readable "last error".
class FetchError(SchoolwatchError):
    """A source could not be fetched or read."""


class HttpStatusError(FetchError):
    def __init__(self, url: str, status: int) -> None:
        self.url = url
        self.status = status
        super().__init__(f"HTTP {status} from {url}")


class FetchTimeoutError(FetchError):
    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g}s from {url}")


class ConnectionFailedError(FetchError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot connect to {url}: {reason}")


class ShortBodyError(FetchError):
    def __init__(self, url: str) -> None:
        super().__init__(f"the response from {url} ended short of the length it announced "
                         "(Content-Length): the page arrived cut off")


class DnsLookupError(FetchError):
    def __init__(self, url: str) -> None:
        super().__init__(f"host name not found for {url}")


class RobotsDisallowedError(FetchError):
    def __init__(self, url: str) -> None:
        super().__init__(f"robots.txt forbids fetching {url}")


class RedirectError(FetchError):
    """A redirect loop, or more redirects than a fetch follows."""


class RetryAfterTooLongError(FetchError):
    """The site asked to come back later than [crawl] max_retry_after allows waiting."""


class NonPublicAddressError(FetchError):
    """A request would have reached this machine or a private network ([crawl] allow_private)."""


class ResponseTooLargeError(FetchError):
    def __init__(self, url: str, max_bytes: int) -> None:
        super().__init__(f"response from {url} is larger than the {max_bytes:,}-byte cap")


class UnreadableContentError(FetchError):
    """The response arrived but holds nothing this source kind can read."""


class CrawlProcessError(SchoolwatchError):
    """The child process that runs a crawl failed or ended without a result."""


class CrawlTimeoutError(CrawlProcessError):
    """A crawl ran past its hard time limit and was stopped."""


class BatchFormatError(SchoolwatchError):
    """A crawl's batch of documents (spool file or queue result) that cannot be read back."""


class CaseError(SchoolwatchError):
    """A takedown case cannot be opened or changed as asked."""


class SchedulerLockedError(SchoolwatchError):
    """Another `schoolwatch run` is already using this store."""


class ModelLoadError(SchoolwatchError):
    """The classifier's encoder or trained heads cannot be loaded, or do not fit together."""


class ModelVersionError(SchoolwatchError):
    """A model version that does not exist, or cannot be read or written."""


class ModelUpdateRefused(SchoolwatchError):
    """The refitted model misses the dev recall floor; the current model stays in use."""


class QueueError(SchoolwatchError):
    """The Redis queue of a multi-machine install cannot be used as asked."""


class TriageError(SchoolwatchError):
    """A status change, correction or assignment the inbox refuses."""


class AuthError(SchoolwatchError):
    """A user that cannot be added, or a login that is refused."""


class DeliveryFailedError(SchoolwatchError):
    """Some messages could not be sent; they stay queued for the next run."""


class GiasFileError(SchoolwatchError):
    """The GIAS file cannot be read, lacks a column schoolwatch needs, or has no such school."""


class KeyedProblems(ValueError):
    """Problems found by a whole-config check, each with the key path it belongs to (raised from
    a model validator; pydantic keeps it as the error's context)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(problem for _, problem in problems))
        self.problems = problems


class UnknownPlatformError(SchoolwatchError):
    """A source names a forum platform that schoolwatch has no description of."""


class BadLine(ValueError):
    """One line of a JSONL classify request is not a JSON object with a 'text' string."""


class MailSettingsError(SchoolwatchError):
    """The [email] settings cannot be used to send (e.g. the password variable is not set)."""


class ChannelSendError(Exception):
    """One delivery could not be made; it stays queued."""


class ChannelURLError(ValueError):
    """The URL in the environment does not fit the channel's type (the message omits it)."""


class WeekError(SchoolwatchError):
    """A --week value is not an ISO week like 2026-W47."""


class Refused(Exception):
    """The guard's answer for an address the browser may not reach (says why)."""


class Unresolvable(Exception):
    """The host name does not resolve: not a refusal, the page simply is not there."""


class OutboundRefused(PermissionError):
    """A connection the policy does not allow: an OSError with an errno, so every client
    (requests, Twisted) reports it as a failed connection rather than crashing."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class ScreenPrintError(SchoolwatchError):
    """No screen print could be taken; the message says why."""


class SentUnconfirmed(ChannelSendError):
    """The receiver had the whole message and did not answer: sending it again could make a
    second copy, so the delivery counts as made (with this note) and is not retried."""


class BrowserMissingError(ScreenPrintError):
    def __init__(self) -> None:
        super().__init__("screen prints need Chromium: apt-get install chromium")


class CaptureRefusedError(ScreenPrintError):
    """The page, or something it led to, is not a public address (or not http(s))."""


class CaptureTimeoutError(ScreenPrintError):
    def __init__(self, url: str, seconds: float) -> None:
        super().__init__(f"the page at {url} did not finish within {seconds:g}s")


class PageTooLargeError(ScreenPrintError):
    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"the page at {url} is larger than {limit:,} bytes")


class CaptureFailedError(ScreenPrintError):
    """The browser could not load or draw the page (connection refused, crash, download)."""
