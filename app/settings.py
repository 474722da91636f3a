"""Settings of KIM-Lotse: declared once here, read from the environment (prefix LOTSE_).

Every field is documented in README.md (a test keeps both in step).
"""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The public interface (gettext domain `messages`): BCP 47 tags, in the order of the
#: language switch. German in Einfache Sprache is `de-x-simple` (a private-use subtag,
#: valid BCP 47); its catalog folder is `locales/de_simple` (see `app.i18n.catalog_name`).
UI_LANGUAGES = (
    "de", "de-x-simple", "en", "ar", "fa", "tr", "uk", "ru", "ku", "ps", "ti", "ro", "bg",
    "fr", "so",
)
#: The staff area (gettext domain `staff`) is in German and English.
STAFF_LANGUAGES = ("de", "en")
RTL_LANGUAGES = frozenset({"ar", "fa", "ps", "ckb"})


#: what the production profile turns off (demo data, key creation, migration at start)
PRODUCTION_OFF = ("load_demo", "create_key", "auto_migrate")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOTSE_", extra="ignore")

    profile: Literal["development", "production"] = Field(
        "development", description="`production`: no demo data, no key creation, no "
        "migration at start (`lotse migrate` is a step of its own); setting any of "
        "LOAD_DEMO, CREATE_KEY, AUTO_MIGRATE to true beside it is an error.")
    data_dir: Path = Field(Path("./var"), description="Where the store and the index live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL of the store; empty = SQLite file lotse.db in the data dir."
    )
    model: str = Field(
        "",
        description="Sentence-transformers model folder (or hub name where a hub is reachable); "
        "empty = multilingual-e5-small written by `lotse model install` into the venv.",
    )
    host: str = Field("127.0.0.1", description="Address `lotse serve` listens on.")
    port: int = Field(8000, description="Port `lotse serve` listens on.")
    default_language: str = Field("de", description="UI language when none is chosen.")
    auto_migrate: bool = Field(
        True, description="Bring the database schema up to date on start (under the schema "
        "lock, so processes started together take turns); false = `lotse serve` and the "
        "other commands refuse to run on an outdated schema and name `lotse migrate`, the "
        "step that migrates. True suits development (`make run`); production runs "
        "`lotse migrate` before starting the new version.")
    load_demo: bool = Field(True, description="Load the demo directory into an empty store.")
    search_limit: int = Field(5, ge=1, le=50, description="Offers shown per answer.")
    torch_threads: int = Field(
        1, ge=0, description="CPU threads of torch per process (questions; index builds use "
        "as many workers); 0 = torch's default (all cores: 4-9x slower under load).")
    idle_threads: int = Field(
        0, ge=0, description="Torch threads a question may use while no other task of the "
        "machine wants a CPU (counted before each batch); 0 = the process's CPUs, 1 = never "
        "more than LOTSE_TORCH_THREADS.")
    key_file: str = Field(
        "", description="Key file (data keys for field encryption, audit HMAC key); "
        "empty = keyring.json in the data dir. Keep it outside the repository and the database.",
    )
    key_check_seconds: float = Field(
        2.0, ge=0, description="How often a running process looks whether the key file "
        "changed (`lotse keys rotate`), in seconds; SIGHUP makes it look at once.")
    create_key: bool = Field(
        True, description="Create the key file on the first start of a store without encrypted "
        "data; false = refuse to start without a key file.",
    )
    staff_idle_minutes: int = Field(30, ge=1, description="A staff session ends after this "
                                    "many minutes without a request.")
    staff_session_hours: int = Field(12, ge=1, description="A staff session ends this many "
                                     "hours after login, whatever happens.")
    login_limit_account: int = Field(5, ge=1, description="Failed logins per account in the "
                                     "login window before 429.")
    login_limit_ip: int = Field(30, ge=1, description="Failed logins per IP address in the "
                                "login window before 429.")
    login_window_seconds: int = Field(900, ge=10, description="Sliding window of the login "
                                      "rate limits, in seconds.")
    embedding_cache: Path | None = Field(
        None,
        description="Folder of the embedding cache (vectors of offer texts and prototypes, "
        "never of questions); empty = <data dir>/cache.",
    )
    quantize: bool = Field(
        True, description="Encode offer texts with an int8-quantised copy of the model "
        "(several times faster index builds); questions use the full-precision model.")
    max_seq_length: int = Field(
        40, ge=16, le=512, description="Tokens of an offer text the encoder reads at most.")
    encode_budget_ms: int = Field(
        3000, ge=0, description="Longest wait for a question's encoding; past it the answer "
        "comes from the lexical index (degraded). 0 = no limit.")
    privacy_dpo_contact: str = Field(
        "datenschutz@kreis-musterland.example (sample)",
        description="Data protection officer contact named in the referral's information text.",
    )
    retention_closed_days: int = Field(180, ge=0, description="Referrals closed, referred on "
                                       "or withdrawn are deleted this many days later.")
    retention_unreached_days: int = Field(90, ge=0, description="Referrals 'nicht erreicht' "
                                          "are deleted this many days later.")
    retention_open_days: int = Field(365, ge=1, description="Open referrals untouched this "
                                     "many days are deleted.")
    shred_delay_seconds: float = Field(
        600, ge=0, description="Crypto-shredding: this long after an erasure (withdrawal, "
        "retention) the background job rotates the data key and retires the old one, so "
        "the erased values' copies in PostgreSQL's dead rows and WAL and in earlier backups "
        "can no longer be decrypted; erasures within that time share one rotation. 0 = at "
        "the job's next run (every LOTSE_JOBS_INTERVAL_SECONDS).")
    changes_poll_seconds: float = Field(
        1.0, ge=0, description="How often a running process reads the change feed of "
        "offers and applies other processes' writes (editors, imports, `lotse import`, "
        "restores) to its search index; on PostgreSQL a NOTIFY also wakes it at once. "
        "0 = never (one process alone).")
    jobs_interval_seconds: float = Field(60, ge=0, description="How often the outbox and "
                                         "retention run in the background; 0 = never.")
    jobs_poll_seconds: float = Field(1.0, ge=0, description="How often this process looks "
                                     "for due background jobs (imports, outbox, retention), "
                                     "in seconds; 0 = this process runs no jobs.")
    smtp_host: str = Field("", description="SMTP server for notification mails; empty = mails "
                           "wait in the outbox.")
    smtp_port: int = Field(25, description="SMTP port.")
    smtp_from: str = Field("kim-lotse@localhost", description="Sender of notification mails.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS with the SMTP server.")
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL named in "
                            "notification mails.")
    accessibility_contact: str = Field(
        "barrierefreiheit@kreis-musterland.example",
        description="E-mail address for accessibility feedback named in the accessibility "
        "statement (BITV NRW).")
    referral_limit_ip: int = Field(10, ge=1, description="Referrals per IP address per "
                                   "hour before 429.")
    suggestion_limit_ip: int = Field(10, ge=1, description="Correction suggestions per IP "
                                     "address per hour before 429.")
    provider_link_days: int = Field(21, ge=1, le=90, description="Days a provider's personal "
                                    "link (confirm an offer or propose changes) stays valid.")
    status_limit_ip: int = Field(30, ge=1, description="Status lookups and withdrawals per "
                                 "IP address per hour before 429.")
    trusted_proxies: str = Field(
        "", description="Addresses or networks (comma-separated, e.g. 127.0.0.1,10.0.0.0/8) "
        "of reverse proxies whose Forwarded / X-Forwarded-For header names the client; "
        "the right-most address not in this list counts, and their X-Request-ID is taken "
        "over. Empty = the direct peer counts.")
    search_limit_ip: int = Field(60, ge=1, description="Questions (search API, answer page, "
                                 "conversation) per IP address per minute before 429.")
    conversation_hours: int = Field(
        24, ge=1, le=720, description="A newcomer's conversation (place, age band, status, "
        "questions) is deleted this many hours after its last step.")
    eval_file: Path = Field(
        Path("../shared/eval/queries.dev.jsonl"), description="Queries `lotse eval` runs."
    )
    analytics_enabled: bool = Field(
        True, description="Record anonymous search events (hour, Kommune, languages, topics)."
    )
    analytics_question_days: int = Field(
        90, ge=1, le=366,
        description="Days a scrubbed unanswered question (and its embedding) is kept.",
    )
    analytics_event_days: int = Field(
        731, ge=31, description="Days an anonymous search event is kept for the figures."
    )
    analytics_link_hours: int = Field(
        24, ge=1, le=72,
        description="Hours a per-answer id may still attach 'did this help?' or a referral.",
    )
    analytics_k: int = Field(
        5, ge=5, description="Smallest count shown in any figure; fewer are shown as '<k'."
    )
    analytics_stale_days: int = Field(
        365, ge=30, description="An offer not verified for this many days counts as stale."
    )
    analytics_maintenance_minutes: int = Field(
        60, ge=0,
        description="How often retention and embedding of questions run; 0 = never by itself.",
    )
    analytics_theme_similarity: float = Field(
        0.82, gt=0, lt=1, description="Cosine similarity that puts two questions in one theme."
    )

    import_max_bytes: int = Field(
        100_000_000, ge=1000, description="Largest file `lotse import` and the upload page "
        "accept, in bytes.")
    import_max_rows: int = Field(
        100_000, ge=1, description="Most offers (rows, entries) one import file may hold.")
    import_max_unpacked_bytes: int = Field(
        500_000_000, ge=1000, description="Largest unpacked size of a zip or XLSX file to "
        "import, in bytes (zip bombs).")
    import_reindex_above: int = Field(
        500, ge=1, description="An import changing more offers than this rebuilds the search "
        "index once instead of updating it offer by offer.")
    import_history_max: int = Field(
        2000, ge=0, description="An import touching at most this many offers writes each "
        "one's field-level change into the offer history (undo); larger imports only the "
        "audit entry.")
    body_max_api: int = Field(
        65_536, ge=1024, description="Largest request body of the JSON API (/api/...), in "
        "bytes; 413 past it (SEC-23).")
    body_max_form: int = Field(
        2_000_000, ge=1024, description="Largest request body of a page or form request, in "
        "bytes; 413 past it.")
    body_max_upload_extra: int = Field(
        1_000_000, ge=0, description="Bytes an upload (offers import, rules file) may carry "
        "beyond LOTSE_IMPORT_MAX_BYTES: the multipart form around the file.")
    metrics_networks: str = Field(
        "127.0.0.1/32,::1/128", description="Networks `/metrics` answers to, comma-separated "
        "(requests with forwarding headers never); empty = nobody.")
    hsds_max_per_page: int = Field(
        100, ge=1, le=1000, description="Largest `per_page` of the HSDS API.")

    @model_validator(mode="after")
    def _profile(self) -> Settings:
        """The production profile turns demo data, key creation and migration at start off;
        asking for one of them beside it explicitly is a contradiction, not a preference."""
        if self.profile == "production":
            for name in PRODUCTION_OFF:
                if name in self.model_fields_set and getattr(self, name):
                    raise ValueError(f"LOTSE_{name.upper()}=true contradicts "
                                     "LOTSE_PROFILE=production")
                setattr(self, name, False)
        return self

    def for_tools(self) -> Settings:
        """These settings for `lotse eval` and `lotse bench`: they record no anonymous events
        and ask many questions through the app, so the per-IP search limit is off."""
        return self.model_copy(update={"analytics_enabled": False, "search_limit_ip": 10**9})

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'lotse.db').resolve()}"

    @cached_property
    def resolved_model(self) -> str:
        return self.model or str(default_model_dir())

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def embedding_cache_dir(self) -> Path:
        return self.embedding_cache or self.data_dir / "cache"


def default_model_dir() -> Path:
    """Where `lotse model install` puts the default model (inside the virtualenv)."""
    return Path(sys.prefix) / "share" / "kim-lotse" / "models" / "multilingual-e5-small"


def redact_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
