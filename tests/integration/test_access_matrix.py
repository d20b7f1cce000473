"""The authorization matrix over HTTP on a real database: every route of the app declares
what it needs, and each role (and an anonymous visitor) gets exactly that at every route.

Routes are walked as the app dispatches them: FastAPI 0.165 keeps `app.routes` as one
`_IncludedRouter` per `include_router` call, so a loop over `app.routes` looking for
`APIRoute` finds none and would pass having checked nothing. `app_routes` goes through
`fastapi.routing.iter_route_contexts` (the effective routes, with the include's prefix and
dependencies) where it exists and through the flat `app.routes` of older FastAPI, and the
number walked is checked against the OpenAPI schema plus the page routers, counted
independently. At the time of writing the walk covers 114 (method, path) pairs: 54 JSON
API operations and 60 page routes, one of which (POST /sign-out) is not requested, so
each role makes 113 requests.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount, Route

import kefu.web.pages
from kefu.bootstrap import Kefu
from kefu.domain.permissions import Access, Need, Permission, allowed
from kefu.web.app import create_app
from kefu.web.security import Require
from tests.web import sign_in

# Not FastAPI routes, so they cannot declare a need: static files, the demo's marketplace
# sandbox (a stand-in for the marketplace, not part of kefu's API) and the API docs.
UNDECLARED = {"/static", "/sandbox", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# The walk may never shrink to nothing again; the app serves 114 (method, path) pairs.
AT_LEAST = 90
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def app(kefu: Kefu) -> FastAPI:
    return create_app(kefu=kefu, sandbox=True)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


# --- the routes as the app serves them -------------------------------------------------------


@dataclass(frozen=True)
class ServedRoute:
    """One route with the path and dependencies it has in the app (prefix included)."""

    path: str
    methods: frozenset[str]  # without HEAD, which Starlette adds to every GET
    dependant: Dependant | None  # None: not a FastAPI route (a mount, a plain Starlette route)


def app_routes(app: FastAPI) -> list[ServedRoute]:
    """Every route the app dispatches to, flattened through included routers."""
    routes: list[Any]
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI ≥ 0.16x
    except ImportError:  # older FastAPI copies included routes into a flat app.routes
        routes = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    served = []
    for route in routes:
        original: BaseRoute = getattr(route, "original_route", route)
        if isinstance(original, APIRoute):
            # The effective route's dependant holds the include's dependencies too.
            served.append(
                ServedRoute(route.path, frozenset(route.methods - {"HEAD"}), route.dependant)
            )
        elif isinstance(original, Mount | Route):
            methods = frozenset((getattr(route, "methods", None) or set()) - {"HEAD"})
            served.append(ServedRoute(route.path, methods, None))
        else:
            raise AssertionError(f"unexpected route {route!r}")
    return served


def served_pairs_counted_independently(app: FastAPI) -> int:
    """(method, path) pairs: the JSON API's operations in the OpenAPI schema, plus the
    routes of every router in kefu.web.pages (left out of the schema)."""
    api = sum(
        len(HTTP_METHODS.intersection(operations)) for operations in app.openapi()["paths"].values()
    )
    routers: dict[int, APIRouter] = {}  # a page module may hold more than one router
    for info in pkgutil.iter_modules(kefu.web.pages.__path__):
        module = importlib.import_module(f"kefu.web.pages.{info.name}")
        routers.update((id(v), v) for v in vars(module).values() if isinstance(v, APIRouter))
    pages = sum(
        len(route.methods - {"HEAD"})
        for router in routers.values()
        for route in router.routes
        if isinstance(route, APIRoute)
    )
    return api + pages


def need_of(dependant: Dependant) -> Need | None:
    stack = list(dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Require):
            return dep.call.need
        stack.extend(dep.dependencies)
    return None


def test_the_walk_sees_every_route_the_app_serves(app: FastAPI) -> None:
    walked = sum(len(r.methods) for r in app_routes(app) if r.dependant is not None)
    assert walked == served_pairs_counted_independently(app)
    assert walked > AT_LEAST


def test_every_route_declares_what_it_needs(app: FastAPI) -> None:
    missing = []
    for route in app_routes(app):
        if route.dependant is None:
            assert route.path in UNDECLARED, f"{route.path} is not a FastAPI route"
        elif need_of(route.dependant) is None:
            missing.append(f"{sorted(route.methods)} {route.path}")
    assert missing == []


# --- the authorization matrix -------------------------------------------------------------

ROLE_USER = {
    "owner": "owner",
    "lead": "lena",
    "pre_sale": "lina",
    "after_sale": "wangwei",
    "analyst": "ana",
}
SKIP = {("POST", "/sign-out")}  # would end the session the walk uses; tested on its own


def concrete(path: str, team: dict[str, int]) -> str:
    """The path with real values: ids are typed `Id` (1 to 2^63 - 1), so each is a row
    that exists (a conversation lina may see, her account, message 1 in it) or at least
    a valid id (token 1)."""
    values = {
        "conversation_id": team["ali"],
        "message_id": 1,
        "store": "ali-global",
        "code": "ali-global",
        "key": "greeting",
        "language": "en",
        "account_id": team["lina"],
        "token_id": 1,
        "run_id": 1,
        "kind": "orders",
        "token": "0" * 32,
        "digest": "0" * 64,
        "number": "123-1234567-1234567",  # an Amazon order number
        "action": "unexpectedProblem",  # an Amazon Messaging action
        "view_id": 1,  # a saved inbox view
        "case_id": 1,  # a valid id; most roles get 404 or 422, never 401/403 when allowed
        "evidence_id": 1,
        "task_id": 1,  # an internal task (docs/logistics.md)
        "version_id": "20261207-000000-abcdef",  # a model version (none stored: 404)
    }
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(values[m[1]]), path)


def walk(app: FastAPI, team: dict[str, int]) -> list[tuple[str, str, Need]]:
    out = []
    for route in app_routes(app):
        if route.dependant is None:
            continue
        need = need_of(route.dependant)
        assert need is not None, route.path
        for method in sorted(route.methods):
            if (method, route.path) not in SKIP:
                out.append((method, concrete(route.path, team), need))
    return out


def test_the_matrix_walks_every_route(app: FastAPI, team: dict[str, int]) -> None:
    walked = walk(app, team)
    assert len(walked) + len(SKIP) == served_pairs_counted_independently(app) > AT_LEAST


@pytest.mark.parametrize("role", [*ROLE_USER, "anonymous"])
def test_each_role_against_every_route(
    role: str, app: FastAPI, client: TestClient, kefu: Kefu, team: dict[str, int]
) -> None:
    """Anonymous: 401 (API) or to the sign-in page; a role without the permission: 403;
    with it: anything but 401/403 (the empty bodies are refused later, as 422)."""
    if role != "anonymous":
        sign_in(client, kefu, ROLE_USER[role])
    is_main = role == "owner"
    wrong = []
    walked = walk(app, team)
    assert len(walked) > AT_LEAST
    for method, path, need in walked:
        try:
            response = client.request(method, path, follow_redirects=False)
        except Exception as error:  # a handler that fails is reported with the rest
            wrong.append(f"{method} {path} ({need.value}): raised {error!r}")
            continue
        status = response.status_code
        if need is Access.PUBLIC:
            ok, expected = status not in (401, 403), "not 401/403"
        elif role == "anonymous":
            if path.startswith("/api/"):
                ok, expected = status == 401, "401"
            else:
                ok, expected = _to_sign_in(response), "to /sign-in"
        elif isinstance(need, Permission) and not allowed(role, need, is_main=is_main):
            ok, expected = status == 403, "403"
        else:
            ok, expected = status not in (401, 403), "not 401/403"
        if not ok:
            wrong.append(f"{method} {path} ({need.value}): {status}, expected {expected}")
    assert wrong == []


def _to_sign_in(response: Any) -> bool:
    return response.status_code in (303, 401) and "/sign-in" in (
        response.headers.get("location", "") + response.headers.get("HX-Redirect", "")
    )
