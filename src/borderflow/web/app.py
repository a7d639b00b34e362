"""The FastAPI application: the JSON API (described by OpenAPI at /openapi.json, browsable at
/docs) and the page at / that uses it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from borderflow import __version__
from borderflow.scenario import BUILTIN
from borderflow.web import charting
from borderflow.web import compare as comparing
from borderflow.web.compose import BadRequest, info
from borderflow.web.models import (
    MAX_BODY_BYTES,
    RUN_EXAMPLE,
    RUN_EXAMPLE_ENSEMBLE,
    RUN_EXAMPLE_POLICY,
    Comparison,
    Id,
    Limits,
    Problem,
    RunInfo,
    RunList,
    RunRequest,
    ScenarioInfo,
)
from borderflow.web.page import PAGE
from borderflow.web.store import CHARTS_LOCK, RunStore, TooBusy, UnknownRun

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "no such run or scenario"},
    409: {"model": Problem, "description": "the run has not finished"},
}


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, before the application reads them
    (by the Content-Length header, and by counting for a body sent without one)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(self.limit, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # no Content-Length (a chunked body): read it here, counting, then hand it on
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                await _too_large(self.limit, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class NotFound(LookupError):
    """No such scenario (404)."""


class NotReady(RuntimeError):
    """The run has not finished (409)."""


async def _too_large(limit: int, send: Send) -> None:
    body = b'{"detail":"request body too large; expected at most %d bytes"}' % limit
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(runs_dir: str | Path, *, warm_up: bool = True, max_queued: int | None = None) -> FastAPI:
    """The application, keeping its runs in `runs_dir` (created if missing)."""
    root = Path(runs_dir)
    root.mkdir(parents=True, exist_ok=True)
    store = RunStore(root, warm_up=warm_up) if max_queued is None else RunStore(root, max_queued, warm_up)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()  # the run in progress finishes; queued ones are listed as failed on restart

    app = FastAPI(
        lifespan=lifespan,
        title="borderflow",
        version=__version__,
        description="Run borderflow's scenarios with their policy components switched on and off, as one run or "
        "a modest ensemble; follow their progress; read their summaries, reports and data; compare two runs.",
        responses={422: {"model": Problem, "description": "a request the server cannot take, and why"}},
    )
    app.state.store = store
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [str(x) for x in err.get("loc", ())], "msg": str(err.get("msg", ""))} for err in exc.errors()]
        line = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return JSONResponse({"detail": line or "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(BadRequest)
    async def _bad(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(UnknownRun)
    async def _unknown(_: Request, exc: UnknownRun) -> JSONResponse:
        return JSONResponse({"detail": f"no run {exc.args[0]!r}"}, status_code=404)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(NotReady)
    async def _not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(TooBusy)
    async def _busy(_: Request, exc: TooBusy) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/api/limits", summary="The limits on one request")
    def limits() -> Limits:
        return Limits(max_queued=store.max_queued)

    @app.get("/api/scenarios", summary="The scenarios served, with their policy packages and components")
    def scenarios() -> list[ScenarioInfo]:
        return [info(name) for name in BUILTIN]

    @app.get("/api/scenarios/{name}", summary="One scenario", responses=ERRORS)
    def scenario(
        name: Annotated[str, PathParam(max_length=200, openapi_examples={"built-in": {"value": "caravan-2023"}})],
    ) -> ScenarioInfo:
        if name not in BUILTIN:
            raise NotFound(f"no scenario {name!r}; expected one of: {', '.join(BUILTIN)}")
        return info(name)

    @app.post(
        "/api/runs",
        status_code=202,
        summary="Start a run or a modest ensemble",
        responses={
            400: {"model": Problem, "description": "the body is not JSON"},
            413: {"model": Problem, "description": "request body too large"},
            429: {"model": Problem, "description": "too many runs queued"},
        },
    )
    def start(
        req: Annotated[
            RunRequest,
            Body(
                openapi_examples={
                    "default": {"summary": "the default run of caravan-2023", "value": RUN_EXAMPLE},
                    "policy": {
                        "summary": "a package with one component changed and one switched off",
                        "value": RUN_EXAMPLE_POLICY,
                    },
                    "ensemble": {"summary": "three members, no policy, 30 days", "value": RUN_EXAMPLE_ENSEMBLE},
                }
            ),
        ],
    ) -> RunInfo:
        return _info(store.submit(req))

    @app.get("/api/runs", summary="Every run kept in the runs folder, newest first")
    def runs() -> RunList:
        return RunList(runs=[_info(r) for r in store.list()])

    @app.get("/api/runs/{run_id}", summary="A run's status, progress and summary", responses=ERRORS)
    def run(run_id: Annotated[Id, PathParam()]) -> RunInfo:
        return _info(store.get(run_id))

    @app.get(
        "/api/runs/{run_id}/report",
        response_class=HTMLResponse,
        summary="The run's offline HTML report",
        responses=ERRORS,
    )
    def report(run_id: Annotated[Id, PathParam()]) -> Response:
        _done(store, run_id)
        return FileResponse(store.results(run_id) / "report.html", media_type="text/html")

    @app.get(
        "/api/runs/{run_id}/data.zip",
        summary="The run's results folder as a zip file",
        responses={**ERRORS, 200: {"content": {"application/zip": {}}}},
        response_class=Response,
    )
    def data(run_id: Annotated[Id, PathParam()]) -> Response:
        _done(store, run_id)
        return Response(
            store.zip(run_id),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="borderflow-{run_id}.zip"'},
        )

    @app.get(
        "/api/runs/{run_id}/charts/{series}",
        summary="One series of a finished run as a chart, SVG or PNG (drawn by the server)",
        responses={**ERRORS, 200: {"content": {"image/svg+xml": {}, "image/png": {}}}},
        response_class=Response,
    )
    def chart(
        run_id: Annotated[Id, PathParam()],
        series: Annotated[str, PathParam(max_length=200, description="a series of the run's summary")],
        format: Annotated[Literal["svg", "png"], Query(description="svg or png")] = "svg",
    ) -> Response:
        _done(store, run_id)
        data = store.get(run_id)
        if series not in data["summary"]["series"]:
            known = ", ".join(data["summary"]["series"])
            raise NotFound(f"run {run_id} has no series {series!r}; expected one of: {known}")
        with CHARTS_LOCK:
            body, media = charting.export(store.results(run_id), data["summary"], series, format)
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{run_id}-{series}.{format}"'},
        )

    @app.get("/api/compare", summary="Compare two finished runs: totals and the change", responses=ERRORS)
    def compare(a: Annotated[Id, Query()], b: Annotated[Id, Query()]) -> Comparison:
        pair = _pair(store, a, b)
        table_rows = comparing.rows(*pair)
        return Comparison(a=a, b=b, rows=table_rows, verdict=comparing.verdict(a, b, table_rows))

    @app.get(
        "/api/compare/page",
        response_class=HTMLResponse,
        summary="Two finished runs compared, as a report page with charts",
        responses=ERRORS,
    )
    def compare_page(a: Annotated[Id, Query()], b: Annotated[Id, Query()]) -> Response:
        pair = _pair(store, a, b)
        with CHARTS_LOCK:
            return HTMLResponse(comparing.page(a, pair[0], b, pair[1]))

    return app


def _info(data: dict[str, Any]) -> RunInfo:
    run_id = data["id"]
    links = {"self": f"/api/runs/{run_id}"}
    if data["status"] == "done":
        links |= {"report": f"/api/runs/{run_id}/report", "data": f"/api/runs/{run_id}/data.zip"}
    return RunInfo.model_validate({**data, "links": links})


def _done(store: RunStore, run_id: str) -> None:
    status = store.get(run_id)["status"]
    if status != "done":
        raise NotReady(f"run {run_id} is {status}; expected a finished run")


def _pair(store: RunStore, a: str, b: str) -> tuple[dict[str, Any], dict[str, Any]]:
    _done(store, a)
    _done(store, b)
    return store.get(a)["summary"], store.get(b)["summary"]
