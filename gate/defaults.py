"""Every default the gate has, in one place: the settings, the help texts and the README quote these."""

from __future__ import annotations

DEFAULT_ENDPOINT = "https://codecatalyst.global.api.aws"
FIPS_ENDPOINT = "https://codecatalyst-fips.global.api.aws"
DEFAULT_OUTPUT_PREFIX = "CODECATALYST_GATE_"  # of the dotenv's and Azure's output variables (gate.config.variables)

DEFAULT_TIMEOUT = 3600.0  # seconds the whole gate may take; 0 means no deadline
MIN_INTERVAL = 0.1  # the shortest fixed --interval; without one, the adaptive policy decides
DEFAULT_HEARTBEAT = 60.0  # seconds of silence before a log line says the gate is still there; 0 is off
MIN_HEARTBEAT = 1.0
MAX_RERUNS = 5  # --rerun-failed: a workflow that fails six times in a row is failing, not flaky
DEFAULT_SUCCESS_STATUSES = frozenset({"SUCCEEDED"})

# Retrying transient failures: capped exponential backoff with full jitter.
MAX_RETRIES = 8  # in a row, once the service has answered: about two minutes of backoff
BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
# Until the endpoint has answered once, refused connections, DNS and TLS failures are likelier a wrong --endpoint
# than an outage: they get this many retries (about 7 s of backoff at most), then the gate stops with a hint.
FIRST_CONTACT_RETRIES = 3
# Throttling (HTTP 429) is an answer, not an outage: it is retried until the deadline, never counted toward
# MAX_RETRIES. A Retry-After is honoured up to the deadline, and never beyond this without one.
MAX_RETRY_AFTER = 600.0
# A call that only labels the run (GetWorkflow, for the workflow's name) gives up after this many 429s in a row: a
# name never decides the gate, so it must never hold a verdict up.
LABEL_THROTTLE_RETRIES = 2

# One request: connect, headers and the whole body within this, and never past the deadline (plus the grace).
REQUEST_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
DEADLINE_GRACE = 1.0  # one last poll may start up to the deadline and take this long

# Picking a run through ListWorkflowRuns, whose order the API does not document: while the pages read do not prove
# newest-first order, the gate reads on, at most this many pages a look (5000 runs at the service's 50 a page);
# reaching the cap is logged, and the run is chosen from the pages read.
MAX_RUN_PAGES = 100
# In CI, --latest without --since takes the CI system's time for this pipeline (gate.pick.cisince) less this grace, so
# that a run the same push started is not missed when the two systems' clocks or triggers differ by a little.
CI_SINCE_GRACE = 60.0
# The token is masked in what the gate prints and writes only from this length on: masking a shorter one would
# alter every value that happens to contain it (`x` in "ExampleCorp") and hide nothing. A shorter token gets a
# one-line warning naming its source instead. CodeCatalyst's personal access tokens are far longer.
MIN_MASKED_TOKEN = 8
