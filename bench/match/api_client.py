"""What the product latency scripts share (search_latency.py,
tracing_latency.py): a JSON call to a running SafePath, a demo sign-in, and
the p95 of a list of timings."""
import json
import urllib.request


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, token=None, body=None):
        req = urllib.request.Request(
            f"{self.base}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {token}"} if token else {})})
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, json.loads(r.read() or b"null")

    def login(self, username="demo-cm-a"):
        return self.call("POST", "/api/v1/auth/login",
                         body={"username": username, "password": "safepath-demo"})[1]["token"]


def p95(xs):
    """The nearest-rank 95th percentile."""
    return sorted(xs)[max(0, -(-len(xs) * 95 // 100) - 1)]
