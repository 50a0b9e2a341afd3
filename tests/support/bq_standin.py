"""A small stand-in for the BigQuery REST API, for the real ``google.cloud.bigquery.Client``.

It serves just enough of the API over HTTP on 127.0.0.1 (datasets and tables insert / get /
delete, tables.list, jobs.insert for queries, multipart upload for loads, jobs.get, jobs.getQueryResults,
jobs.query) and delegates storage and SQL to a :class:`DuckDBClient`. Every request is
RECORDED (method, path, query string, JSON body or multipart parts) so tests can check what
crosses the wire. Errors are returned as BigQuery error bodies with the HTTP status the real
service uses (404 NotFound, 400 BadRequest, 409 Conflict), so the real client raises the
same ``google.api_core.exceptions`` classes.

Example::

    with BigQueryStandIn() as standin:
        client = standin.make_client()
        client.create_dataset('ds')
        assert standin.requests[-1].path.endswith('/datasets')
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import email
import email.policy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.api_core import exceptions as gexc
from google.cloud import bigquery
from google.cloud.bigquery import SchemaField

from shared_services.bigquery.duckdb_client import DuckDBClient

__all__ = ["BigQueryStandIn", "RecordedRequest"]

_API = "/bigquery/v2"
_UPLOAD = "/upload/bigquery/v2"
_LOCATION = "US"


@dataclass
class RecordedRequest:
    """One HTTP request as received by the stand-in."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    #: For multipart uploads: the job metadata part and the raw data part.
    upload_metadata: dict[str, Any] | None = None
    upload_data: bytes | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _canonical_interval(value: Any) -> str:
    """An INTERVAL in BigQuery's canonical text ``[sign]Y-M [sign]D [sign]H:M:S[.F]`` (data
    types, "Interval type"), as the REST API sends it."""
    months = value.years * 12 + value.months
    micros = ((value.hours * 60 + value.minutes) * 60 + value.seconds) * 1_000_000 + value.microseconds
    calendar = f"{'-' if months < 0 else ''}{abs(months) // 12}-{abs(months) % 12}"
    seconds, fraction = divmod(abs(micros), 1_000_000)
    time = f"{'-' if micros < 0 else ''}{seconds // 3600}:{seconds // 60 % 60}:{seconds % 60}"
    if fraction:
        time += "." + f"{fraction:06d}".rstrip("0")
    return f"{calendar} {value.days} {time}"


def _encode_cell(value: Any, f: SchemaField) -> Any:
    if f.mode == "REPEATED":
        scalar = SchemaField(f.name, f.field_type, fields=f.fields)
        return [{"v": _encode_cell(v, scalar)} for v in (value or [])]
    if value is None:
        return None
    ftype = f.field_type
    if ftype == "RECORD":
        return {"f": [{"v": _encode_cell(value.get(sub.name), sub)} for sub in f.fields]}
    if ftype == "BOOLEAN":
        return "true" if value else "false"
    if ftype == "TIMESTAMP":
        delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return str(delta // dt.timedelta(microseconds=1))
    if ftype == "DATETIME":
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if ftype in ("DATE", "TIME"):
        return value.isoformat()
    if ftype == "JSON":
        return json.dumps(value, separators=(",", ":"))
    if ftype == "BYTES":
        return base64.b64encode(value).decode()
    if ftype == "INTERVAL":
        return _canonical_interval(value)
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value.to_integral_value() else format(value, "f")
    return str(value)


class BigQueryStandIn:
    """Threaded HTTP server speaking a subset of BigQuery REST v2, backed by DuckDB.

    Example::

        standin = BigQueryStandIn().start()
        client = standin.make_client()
        ...
        standin.stop()
    """

    def __init__(self, project: str = "test-project"):
        self.project = project
        self.backend = DuckDBClient(":memory:", project=project)
        self.requests: list[RecordedRequest] = []
        self._jobs: dict[str, dict[str, Any]] = {}
        self._results: dict[str, tuple[list[SchemaField], list[Any]]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BigQueryStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY: the headers and the body go out as two writes; with Nagle's algorithm
            # the body waited for the client's delayed ACK (about 40 ms per request)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # silence the default stderr log
                return

            def _handle(self) -> None:
                standin._dispatch(self)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.backend.close()

    def __enter__(self) -> BigQueryStandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def make_client(self, **kwargs: Any) -> bigquery.Client:
        """A real ``bigquery.Client`` pointed at this stand-in (anonymous credentials);
        ``kwargs`` go to the client (``default_query_job_config``, ...)."""
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(
            project=self.project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.url},
            **kwargs,
        )

    # ----------------------------------------------------------------- helpers
    def find(self, method: str, path_contains: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path contains ``path_contains``."""
        return [r for r in self.requests if r.method == method and path_contains in r.path]

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=UTF-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def _error(handler: BaseHTTPRequestHandler, exc: gexc.GoogleAPICallError) -> None:
        status = int(exc.code or 500)
        # The backend's own reason when it gives one (a quota's "quotaExceeded"), else the
        # status's usual one.
        given = [e for e in (getattr(exc, "errors", None) or []) if isinstance(e, dict) and e.get("reason")]
        reason = str(given[0]["reason"]) if given else \
            {404: "notFound", 409: "duplicate", 400: "invalid", 403: "accessDenied"}.get(status, "backendError")
        payload = {
            "error": {
                "code": status,
                "message": exc.message,
                "errors": [{"message": exc.message, "domain": "global", "reason": reason}],
                "status": {404: "NOT_FOUND", 409: "ALREADY_EXISTS", 400: "INVALID_ARGUMENT",
                           403: "PERMISSION_DENIED"}.get(status, "INTERNAL"),
            }
        }
        BigQueryStandIn._send(handler, status, payload)

    # ----------------------------------------------------------------- dispatch
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        record = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
        )
        content_type = record.headers.get("content-type", "")
        if body and content_type.startswith("application/json"):
            record.json = json.loads(body)
        elif body and content_type.startswith("multipart/related"):
            message = email.message_from_bytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP
            )
            payloads = [p.get_payload(decode=True) for p in message.iter_parts()]
            record.upload_metadata = json.loads(payloads[0])
            record.upload_data = payloads[1]
        with self._lock:
            self.requests.append(record)
        try:
            status, payload = self._route(record)
        except gexc.GoogleAPICallError as exc:
            self._error(handler, exc)
            return
        except (ValueError, TypeError) as exc:
            self._error(handler, gexc.BadRequest(str(exc)))
            return
        if status == 204:
            handler.send_response(204)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        self._send(handler, status, payload)

    def _route(self, req: RecordedRequest) -> tuple[int, Any]:
        path = req.path
        if path.startswith(_UPLOAD):
            segments = path[len(_UPLOAD):].strip("/").split("/")
            if req.method == "POST" and segments[2:] == ["jobs"] and req.query.get("uploadType") == ["multipart"]:
                return 200, self._load(req)
            raise gexc.BadRequest(f"stand-in: unsupported upload {req.method} {path} {req.query}")
        if not path.startswith(_API):
            raise gexc.NotFound(f"stand-in: unknown path {path}")
        seg = path[len(_API):].strip("/").split("/")
        # seg: projects/{p}/...
        rest = seg[2:]
        if rest == ["datasets"] and req.method == "POST":
            ref = req.json["datasetReference"]
            ds = self.backend.create_dataset(ref["datasetId"])
            return 200, self._dataset_resource(ds.dataset_id)
        if len(rest) == 2 and rest[0] == "datasets":
            if req.method == "GET":
                ds = self.backend.get_dataset(rest[1])
                return 200, self._dataset_resource(ds.dataset_id)
            if req.method == "DELETE":
                contents = req.query.get("deleteContents", ["false"])[0].lower() == "true"
                self.backend.delete_dataset(rest[1], delete_contents=contents)
                return 204, None
        if len(rest) == 3 and rest[0] == "datasets" and rest[2] == "tables" and req.method == "GET":
            limit = req.query.get("maxResults", [None])[0]
            refs = self.backend.list_tables(rest[1], max_results=None if limit is None else int(limit))
            return 200, {"kind": "bigquery#tableList", "totalItems": len(refs), "tables": [
                {"kind": "bigquery#table", "id": f"{self.project}:{r.dataset_id}.{r.table_id}",
                 "tableReference": {"projectId": self.project, "datasetId": r.dataset_id, "tableId": r.table_id},
                 "type": "TABLE"} for r in refs]}
        if len(rest) == 3 and rest[0] == "datasets" and rest[2] == "tables" and req.method == "POST":
            table = bigquery.Table.from_api_repr(req.json)
            created = self.backend.create_table(table)
            return 200, created.to_api_repr()
        if len(rest) == 4 and rest[0] == "datasets" and rest[2] == "tables":
            table_id = f"{rest[1]}.{rest[3]}"
            if req.method == "GET":
                return 200, self.backend.get_table(table_id).to_api_repr()
            if req.method == "DELETE":
                self.backend.delete_table(table_id)
                return 204, None
        if rest == ["jobs"] and req.method == "POST":
            return 200, self._insert_query_job(req.json)
        if rest == ["queries"] and req.method == "POST":
            return 200, self._jobs_query(req.json)
        if len(rest) == 2 and rest[0] == "jobs" and req.method == "GET":
            return 200, self._job_resource(rest[1])
        if len(rest) == 2 and rest[0] == "queries" and req.method == "GET":
            return 200, self._query_results(rest[1], req.query)
        raise gexc.NotFound(f"stand-in: unsupported {req.method} {path}")

    # ----------------------------------------------------------------- resources
    def _dataset_resource(self, dataset_id: str) -> dict[str, Any]:
        return {
            "kind": "bigquery#dataset",
            "id": f"{self.project}:{dataset_id}",
            "datasetReference": {"projectId": self.project, "datasetId": dataset_id},
            "location": _LOCATION,
        }

    def _job_resource(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            resource = self._jobs.get(job_id)
        if resource is None:
            self.backend.get_job(job_id)  # raises NotFound
            raise gexc.NotFound(f"Not found: Job {self.project}:{_LOCATION}.{job_id}")
        return resource

    @staticmethod
    def _millis(when: dt.datetime) -> str:
        return str(int(when.timestamp() * 1000))

    def _insert_query_job(self, body: dict[str, Any]) -> dict[str, Any]:
        config = body["configuration"]
        job_id = body["jobReference"]["jobId"]
        query_config = bigquery.QueryJobConfig.from_api_repr(config)
        job = self.backend.query(config["query"]["query"], job_config=query_config, job_id=job_id)
        rows = list(job.result())
        schema = list(job.schema)
        statistics: dict[str, Any] = {"statementType": job.statement_type, "totalBytesProcessed": "0"}
        if job.num_dml_affected_rows is not None:
            statistics["numDmlAffectedRows"] = str(job.num_dml_affected_rows)
        resource = {
            "kind": "bigquery#job",
            "id": f"{self.project}:{_LOCATION}.{job_id}",
            "jobReference": {"projectId": self.project, "jobId": job_id, "location": _LOCATION},
            "configuration": config,
            "status": {"state": "DONE"},
            "statistics": {
                "creationTime": self._millis(job.created),
                "startTime": self._millis(job.created),
                "endTime": self._millis(job.created),
                "query": statistics,
            },
        }
        with self._lock:
            self._jobs[job_id] = resource
            self._results[job_id] = (schema, rows)
        return resource

    def _query_results(self, job_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        resource = self._job_resource(job_id)
        schema, rows = self._results[job_id]
        max_results = query.get("maxResults", [None])[0]
        start = int(query.get("startIndex", ["0"])[0])
        chosen = rows[start:] if max_results is None or int(max_results) > 0 else []
        if max_results is not None and int(max_results) > 0:
            chosen = chosen[: int(max_results)]
        out: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": resource["jobReference"],
            "jobComplete": True,
            "cacheHit": False,
        }
        if resource["statistics"]["query"]["statementType"] == "SELECT":
            out["totalRows"] = str(len(rows))
            out["schema"] = {"fields": [f.to_api_repr() for f in schema]}
            if max_results is None or int(max_results) > 0:
                # maxResults=0 is a status poll: no "rows" key, or the client stops early.
                out["rows"] = [
                    {"f": [{"v": _encode_cell(v, f)} for v, f in zip(row.values(), schema, strict=True)]}
                    for row in chosen
                ]
        dml = resource["statistics"]["query"].get("numDmlAffectedRows")
        if dml is not None:
            out["numDmlAffectedRows"] = dml
        return out

    #: QueryRequest fields (jobs.query) that shape the request, not the job: everything else
    #: is the job's configuration, passed on as jobs.insert would carry it, so a setting the
    #: backend refuses is refused on this path too.
    _REQUEST_ONLY = frozenset({"kind", "maxResults", "timeoutMs", "requestId", "location", "formatOptions",
                               "jobCreationMode"})
    _JOB_LEVEL = frozenset({"labels", "dryRun", "jobTimeoutMs"})

    def _jobs_query(self, body: dict[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"query": {k: v for k, v in body.items()
                                            if k not in self._REQUEST_ONLY and k not in self._JOB_LEVEL}}
        config.update({k: v for k, v in body.items() if k in self._JOB_LEVEL})
        job_id = body.get("requestId") or f"standin_{len(self._jobs)}"
        resource = self._insert_query_job({"jobReference": {"jobId": job_id}, "configuration": config})
        results = self._query_results(job_id, {})
        results["kind"] = "bigquery#queryResponse"
        results["jobReference"] = resource["jobReference"]
        return results

    def _load(self, req: RecordedRequest) -> dict[str, Any]:
        metadata = req.upload_metadata or {}
        config = metadata["configuration"]
        job_id = metadata["jobReference"]["jobId"]
        load = config["load"]
        if load.get("sourceFormat") != "NEWLINE_DELIMITED_JSON":
            raise gexc.BadRequest(f"stand-in: unsupported sourceFormat {load.get('sourceFormat')}")
        dest = load["destinationTable"]
        rows = [json.loads(line) for line in (req.upload_data or b"").decode().splitlines() if line.strip()]
        job_config = bigquery.LoadJobConfig.from_api_repr(config)
        job = self.backend.load_table_from_json(
            rows, f"{dest['datasetId']}.{dest['tableId']}", job_config=job_config, job_id=job_id
        )
        resource = {
            "kind": "bigquery#job",
            "id": f"{self.project}:{_LOCATION}.{job_id}",
            "jobReference": {"projectId": self.project, "jobId": job_id, "location": _LOCATION},
            "configuration": config,
            "status": {"state": "DONE"},
            "statistics": {
                "creationTime": self._millis(job.created),
                "startTime": self._millis(job.created),
                "endTime": self._millis(job.created),
                "load": {"outputRows": str(job.output_rows), "inputFiles": "1"},
            },
        }
        with self._lock:
            self._jobs[job_id] = resource
        return resource
