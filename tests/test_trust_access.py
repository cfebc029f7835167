"""Access (issue 7): a rate limit per client on /api/ask and /api/feedback (429 with Retry-After, in
the one error shape), CORS only for configured origins, security headers and a CSP without inline
script on every route of the URL map, and no personal data stored."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from bot.store import sqlite_path
from web import create_app
from web.ratelimit import RateLimiter, SharedRateLimiter, parse_rate

ANSWERABLE = "how many instruments does the lander carry"
SAMPLE_ARGS = {"explainer_id": "moon", "filename": "chat.css", "passage_id": "moon:papers:1", "run_id": "1", "action_id": "1"}


def assert_error(response, status, code):
    assert response.status_code == status, response.data[:300]
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# ------------------------------------------------------------------ rate limit
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_a_burst_then_one_per_interval():
    clock = Clock()
    limiter = RateLimiter(3, 60.0, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(20.0)  # 3/minute: a token every 20 s
    assert limiter.take("b") == 0.0  # another client has its own bucket
    clock.now += 20.0
    assert limiter.take("a") == 0.0 and limiter.take("a") > 0


def test_token_bucket_memory_is_bounded():
    limiter = RateLimiter(1, 1.0, max_clients=100)
    for number in range(1000):
        limiter.take(f"10.0.{number // 256}.{number % 256}")
    assert len(limiter) == 100


@pytest.mark.parametrize(("value", "expected"), [("60/minute", (60, 60.0)), ("5/second", (5, 1.0)),
                                                  ("1000 / hours", (1000, 3600.0)), ("off", None), ("", None)])
def test_rates_are_read_as_written(value, expected):
    assert parse_rate(value) == expected


@pytest.mark.parametrize("name", ["RATE_LIMIT_ASK", "RATE_LIMIT_FEEDBACK"])
@pytest.mark.parametrize("value", ["60", "sixty/minute", "0/minute", "-1/minute", "60/fortnight"])
def test_a_bad_rate_setting_is_refused_at_start(tiny_index_dir, tmp_path, name, value):
    with pytest.raises(ValueError, match=name):
        create_app({"INDEX_DIR": str(tiny_index_dir), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", name: value})


def test_ask_is_limited_per_client_with_429_and_retry_after(make_app):
    client = make_app(RATE_LIMIT_ASK="3/minute").test_client()
    for _ in range(3):
        assert client.post("/api/ask", json={"question": ANSWERABLE}).status_code == 200
    refused = client.post("/api/ask", json={"question": ANSWERABLE}, headers={"Origin": "https://news.example"})
    error = assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "20" and "20 seconds" in error["message"]
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    # Another address is not held back; reading routes are not limited.
    other = client.post("/api/ask", json={"question": ANSWERABLE}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200
    assert client.get("/api/explainers").status_code == 200
    assert client.options("/api/ask").status_code == 204


def test_feedback_has_its_own_limit(make_app):
    client = make_app(RATE_LIMIT_ASK="off", RATE_LIMIT_FEEDBACK="2/hour").test_client()
    answer_id = client.post("/api/ask", json={"question": ANSWERABLE}).get_json()["answer_id"]
    for _ in range(2):
        assert client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True}).status_code == 201
    refused = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True})
    assert_error(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == "1800"
    assert client.post("/api/ask", json={"question": ANSWERABLE}).status_code == 200


def test_the_pages_that_work_without_javascript_share_the_limits(make_app):
    # Asking through the chat page or the widget frame (?q=...) spends the same budget as /api/ask, and the
    # page's feedback form the same as /api/feedback: the pages are no way around the limits (issue 7).
    client = make_app(RATE_LIMIT_ASK="3/minute", RATE_LIMIT_FEEDBACK="1/hour").test_client()
    assert client.get("/", query_string={"q": ANSWERABLE}).status_code == 200
    assert client.get("/explainers/moon", query_string={"q": ANSWERABLE}).status_code == 200
    answer_id = client.post("/api/ask", json={"question": ANSWERABLE}).get_json()["answer_id"]
    for refused in (client.get("/widget/frame", query_string={"q": ANSWERABLE}),
                    client.post("/", data={"q": ANSWERABLE}), client.post("/api/ask", json={"question": ANSWERABLE})):
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
    page = client.get("/", query_string={"q": ANSWERABLE})
    assert page.mimetype == "text/html" and "Too many requests" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200 and client.get("/widget/frame").status_code == 200  # no question
    assert client.post("/feedback", data={"answer_id": answer_id, "helpful": "yes"}).status_code == 200
    refused = client.post("/api/feedback", json={"answer_id": answer_id, "helpful": True})
    assert_error(refused, 429, "rate_limited")


def test_x_forwarded_for_counts_only_behind_trusted_proxies(make_app):
    direct = make_app(RATE_LIMIT_ASK="1/minute").test_client()
    assert direct.post("/api/ask", json={"question": "why"}, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 200
    # A client cannot escape its limit by making up a forwarded address.
    spoofed = direct.post("/api/ask", json={"question": "why"}, headers={"X-Forwarded-For": "192.0.2.2"})
    assert spoofed.status_code == 429
    proxied = make_app(RATE_LIMIT_ASK="1/minute", TRUSTED_PROXIES=1).test_client()
    for address in ("192.0.2.1", "192.0.2.2"):
        assert proxied.post("/api/ask", json={"question": "why"}, headers={"X-Forwarded-For": address}).status_code == 200
    assert proxied.post("/api/ask", json={"question": "why"}, headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429


def test_an_ipv6_client_has_one_budget_for_its_whole_network(make_app):
    # Defect: each IPv6 address had a bucket of its own, and a client is given a whole /64 of them (a home
    # connection, a phone, a rented server), so it asked without limit by using a new address for each request.
    def asked(client, address, **headers):
        return client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers,
                           environ_base={"REMOTE_ADDR": address}).status_code

    direct = make_app(RATE_LIMIT_ASK="2/minute").test_client()
    assert [asked(direct, address) for address in ("2001:db8:1:2::1", "2001:db8:1:2::2",
                                                   "2001:db8:1:2:ffff:ffff:ffff:ffff")] == [200, 200, 429]
    assert asked(direct, "2001:db8:1:3::1") == 200  # the next network is another client
    # An IPv4 client written as IPv6 is the same client.
    assert [asked(direct, address) for address in ("192.0.2.7", "::ffff:192.0.2.7", "192.0.2.7")] == [200, 200, 429]
    assert asked(direct, "192.0.2.8") == 200
    proxied = make_app(RATE_LIMIT_ASK="1/minute", TRUSTED_PROXIES=1).test_client()
    assert asked(proxied, "10.0.0.1", **{"X-Forwarded-For": "2001:db8:9::1"}) == 200
    assert asked(proxied, "10.0.0.1", **{"X-Forwarded-For": "2001:db8:9::2"}) == 429


def test_workers_given_a_rate_limit_folder_share_one_budget_per_client(make_app, tmp_path):
    # Each gunicorn worker is its own app; with RATE_LIMIT_DIR they draw on one table, so a client gets the
    # setting, not the setting times the number of workers.
    folder = tmp_path / "limits"
    workers = [make_app(RATE_LIMIT_ASK="3/minute", RATE_LIMIT_DIR=str(folder)).test_client() for _ in range(2)]
    statuses = [workers[turn % 2].post("/api/ask", json={"question": ANSWERABLE}).status_code for turn in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]
    other = workers[1].post("/api/ask", json={"question": ANSWERABLE}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 200
    # Without the folder each worker keeps its own buckets (as documented): six questions all pass.
    alone = [make_app(RATE_LIMIT_ASK="3/minute").test_client() for _ in range(2)]
    assert [alone[turn % 2].post("/api/ask", json={"question": ANSWERABLE}).status_code for turn in range(6)] == [200] * 6


def _take_from_shared_table(path: str, tokens: int) -> int:
    limiter = SharedRateLimiter(10, 3600.0, path)
    return sum(limiter.take("203.0.113.7") == 0.0 for _ in range(tokens))


def test_processes_sharing_a_rate_limit_table_grant_the_budget_once(tmp_path):
    import multiprocessing

    path = str(tmp_path / "ask.table")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        granted = pool.starmap(_take_from_shared_table, [(path, 8), (path, 8)])
    assert sum(granted) == 10 and all(granted)  # 16 asked, 10 in the bucket, whoever asked first


def test_a_damaged_rate_limit_table_is_started_afresh(tmp_path):
    path = tmp_path / "ask.table"
    path.write_bytes(b"not a table")
    limiter = SharedRateLimiter(2, 60.0, path)
    assert [limiter.take("client") for _ in range(2)] == [0.0, 0.0] and limiter.take("client") > 0
    assert path.read_bytes()[:8] == SharedRateLimiter.MAGIC and len(limiter) == 1


def test_a_shared_table_keeps_many_clients_and_gives_way_to_new_ones(tmp_path):
    clock = [0.0]
    limiter = SharedRateLimiter(1, 60.0, tmp_path / "ask.table", clock=lambda: clock[0])
    limiter.SLOTS, limiter.PROBES = 64, 4  # a small table: clients must share probe windows
    limiter._slots = limiter._slots[:64]
    for number in range(200):
        clock[0] += 1.0
        assert limiter.take(f"198.51.100.{number}") == 0.0  # a new client always gets its token
    assert limiter.take("198.51.100.199") > 0  # a client just seen is still held to its budget


def test_a_rate_limit_folder_that_cannot_be_written_is_refused_at_start(tiny_index_dir, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="RATE_LIMIT_DIR"):
        create_app({"INDEX_DIR": str(tiny_index_dir), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                    "RATE_LIMIT_DIR": str(blocker / "limits")})


def test_rate_limit_is_documented_in_openapi(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "429" in paths["/api/ask"]["post"]["responses"] and "429" in paths["/api/feedback"]["post"]["responses"]


# ------------------------------------------------------------------ every route: headers and CSP
def routes(app):
    """(method, url) for every rule of the URL map and every method it takes, with sample arguments."""
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            args = {name: SAMPLE_ARGS.get(name, "x") for name in rule.arguments}
            url = app.url_for(rule.endpoint, **args) if rule.endpoint != "static" else f"/static/{args['filename']}"
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((method, url))
    return out


@pytest.fixture
def everything(make_app):
    # With the editor token set, so that the editor console's routes are walked too.
    return make_app(ALLOWED_ORIGINS="https://news.example", EDITOR_TOKEN="a-long-editor-token-for-tests",
                    RATE_LIMIT_ASK="off", RATE_LIMIT_FEEDBACK="off")


def test_the_url_map_is_walked_whole(everything):
    found = {url for _, url in routes(everything)}
    assert {"/", "/explainers/moon", "/widget/frame", "/widget.js", "/demo", "/api/ask", "/api/feedback",
            "/healthz", "/static/chat.css"} <= found


def script_sources(policy: str) -> str:
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip())
    return directives.get("script-src", directives.get("default-src", ""))


def test_every_route_sends_security_headers_and_a_csp_without_inline_script(everything):
    client = everything.test_client()
    html_routes = 0
    for method, url in routes(everything):
        for origin in (None, "https://news.example"):
            headers = {"Origin": origin} if origin else {}
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            with client.open(url, method=method, headers=headers, **kwargs) as response:
                body = response.get_data(as_text=True)
            where = f"{method} {url} -> {response.status_code}"
            assert response.status_code < 500, where
            policy = response.headers.get("Content-Security-Policy", "")
            assert "default-src 'self'" in policy and "object-src 'none'" in policy, where
            scripts = script_sources(policy)
            assert "'self'" in scripts and "unsafe-inline" not in scripts and "unsafe-eval" not in scripts, where
            assert "frame-ancestors" in policy, where
            assert response.headers["X-Content-Type-Options"] == "nosniff", where
            assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", where
            if url == "/widget/frame":
                assert policy.endswith("frame-ancestors 'self' https://news.example"), where
                assert "X-Frame-Options" not in response.headers, where
            else:
                assert policy.endswith("frame-ancestors 'self'"), where
            if response.mimetype == "text/html":
                html_routes += 1
                assert_no_inline_script(body, where)
    assert html_routes >= 6


def assert_no_inline_script(html: str, where: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
        assert "src=" in tag, f"{where}: inline script {tag}"
    assert not re.search(r"<script\b[^>]*>[^<]+</script>", html, flags=re.I), where
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I), f"{where}: an inline event handler"
    assert "javascript:" not in html.lower(), f"{where}: a javascript: URL"


# ------------------------------------------------------------------ CORS
def test_no_cors_without_configured_origins(client, app):
    for method, url in routes(app):
        if not (url.startswith("/api/") or url == "/healthz"):
            continue
        response = client.open(url, method=method, headers={"Origin": "https://news.example"},
                               **({"json": {}} if method == "POST" else {}))
        assert "Access-Control-Allow-Origin" not in response.headers, f"{method} {url}"
    preflight = client.options("/api/ask", headers={"Origin": "https://news.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers and "Access-Control-Allow-Methods" not in preflight.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "https://news.example.evil.example", "http://news.example",
                                    "https://news.example:8443", "null", "https://NEWS.example.com"])
def test_cors_refuses_origins_not_configured(make_app, origin):
    client = make_app(ALLOWED_ORIGINS="https://news.example").test_client()
    for response in (client.post("/api/ask", json={"question": ANSWERABLE}, headers={"Origin": origin}),
                     client.options("/api/feedback", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Origin" in response.headers.get("Vary", "")
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_reaches_errors_and_rate_limits_of_allowed_origins(make_app):
    client = make_app(ALLOWED_ORIGINS="https://news.example", RATE_LIMIT_ASK="1/minute").test_client()
    headers = {"Origin": "https://news.example"}
    assert client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers).headers[
        "Access-Control-Allow-Origin"] == "https://news.example"
    limited = client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers)
    assert limited.status_code == 429 and limited.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert client.get("/api/nothing", headers=headers).headers["Access-Control-Allow-Origin"] == "https://news.example"


# ------------------------------------------------------------------ no personal data
def test_no_personal_data_reaches_the_database(app, client, tmp_path):
    secrets = {"REMOTE_ADDR": "203.0.113.77", "User-Agent": "SecretBrowser/9.9", "Cookie": "sid=cookie-secret-42",
               "X-Forwarded-For": "198.51.100.23", "Referer": "https://reader-home.example/private"}
    environ = {"REMOTE_ADDR": secrets["REMOTE_ADDR"]}
    headers = {k: v for k, v in secrets.items() if k != "REMOTE_ADDR"}
    answer = client.post("/api/ask", json={"question": ANSWERABLE}, headers=headers, environ_base=environ).get_json()
    assert client.post("/api/feedback", json={"answer_id": answer["answer_id"], "helpful": True, "comment": "ok"},
                       headers=headers, environ_base=environ).status_code == 201
    client.get("/?q=who+is+anna+kovac", headers=headers, environ_base=environ)
    store = app.extensions["store"]
    store.flush()
    path = Path(sqlite_path(app.config["DATABASE_URL"]))
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {column[1].lower() for table in tables for column in connection.execute(f"PRAGMA table_info({table})")}
        dump = "\n".join(connection.iterdump())
    connection.close()
    assert not [c for c in columns if re.search(r"ip|addr|agent|cookie|session|referr?er|host|email|user", c)], columns
    for secret in ("203.0.113.77", "SecretBrowser", "cookie-secret-42", "198.51.100.23", "reader-home.example"):
        assert secret not in dump
        for file in path.parent.glob(path.name + "*"):  # the database, its WAL and shared memory
            assert secret.encode() not in file.read_bytes(), f"{secret} found in {file.name}"
