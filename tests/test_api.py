"""The HTTP API contracts of DESIGN.md, on the app in process."""


def test_search_contract(client):
    r = client.get("/api/v1/search", params={"q": "بدي اتعلم الماني", "kommune": "demo"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"query", "lang", "crisis", "confident", "results"}
    assert body["query"] == "بدي اتعلم الماني" and body["lang"] == "ar"
    assert isinstance(body["crisis"], bool) and isinstance(body["confident"], bool)
    assert body["results"]
    for hit in body["results"]:
        assert set(hit) >= {"id", "name", "categories", "kommune", "score"}
        assert isinstance(hit["score"], float)
        assert hit["kommune"] in ("demo", None)
    assert "sprache" in [c for h in body["results"][:3] for c in h["categories"]]


def test_search_options(client):
    r = client.get("/api/v1/search", params={"q": "Deutschkurs", "limit": 2, "lang": "en",
                                             "age": 30})
    assert r.status_code == 200
    assert len(r.json()["results"]) == 2 and r.json()["lang"] == "en"


def test_bad_input_gets_a_clear_4xx(client):
    assert client.get("/api/v1/search").status_code == 422
    r = client.get("/api/v1/search", params={"q": "x", "age": "abc"})
    assert r.status_code == 422 and r.json()["fields"] == ["age"]
    r = client.get("/api/v1/search", params={"q": "x", "kommune": "atlantis"})
    assert r.status_code == 404 and r.json()["detail"]
    r = client.get("/api/v1/search", params={"q": "x", "limit": 0, "lang": "de"})
    assert r.status_code == 422 and "ungültig" in r.json()["detail"]


def test_kommunen(client):
    body = client.get("/api/v1/kommunen").json()
    ids = {k["id"] for k in body}
    assert len(body) == 55 and "demo" in ids and "koeln" in ids
    demo = next(k for k in body if k["id"] == "demo")
    assert demo["sample"] is True and demo["gemeinden"]
    assert sum(len(k["gemeinden"]) for k in body if not k["sample"]) == 396


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "search": "semantic", "store": True, "index": True,
                        "model": True, "writes": True}


def test_security_headers_everywhere(client):
    for path in ("/", "/api/v1/kommunen", "/healthz", "/static/app.css"):
        h = client.get(path).headers
        assert h["content-security-policy"].startswith("default-src 'self'")
        assert "unsafe" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert "max-age" in h["strict-transport-security"]


def test_openapi_documents_the_search(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/search" in spec["paths"] and "/api/v1/kommunen" in spec["paths"]


def test_an_app_on_its_own_store_answers(make_client):
    with make_client(search_limit=2) as c:
        assert c.get("/readyz").json()["store"] is True
        page = c.get("/", params={"lang": "de", "kommune": "demo", "q": "Deutschkurs"})
        assert page.status_code == 200
        assert page.text.count('class="card"') == 2


def test_crisis_answer_leads_with_emergency_help(client):
    body = client.get("/api/v1/search", params={
        "q": "Mein Mann schlägt mich gerade und droht mich umzubringen", "kommune": "demo"}).json()
    assert body["crisis"] is True
    assert body["results"][0]["emergency"] is True
    assert body["results"][0]["kommune"] is None  # a nationwide line (110, 112, 116 016 ...)
