"""echo.py: generic routes for testing an HTTP client against the fake.

  * /echo            any method: {"method", "path", "query", "headers", "body"} of the request
  * GET /status/NNN  answers status NNN with a small JSON error body
  * GET /bytes/N     answers N bytes of "x" (progress callbacks, size limits)
"""
from server import Response


def echo(req, state):
    return Response.json({"method": req.method, "path": req.path, "query": req.raw_query,
                          "headers": req.headers, "body": req.body.decode("utf-8", "replace")})


def status(req, state):
    code = int(req.path.rsplit("/", 1)[1])
    return Response.json({"error": {"code": "Status%d" % code, "message": "asked for %d" % code}}, code)


def nbytes(req, state):
    return Response(200, b"x" * int(req.path.rsplit("/", 1)[1]), {"Content-Type": "application/octet-stream"})


def install(https, http):
    for srv in (https, http):
        srv.route("*", r"^/echo$", echo)
        srv.route("GET", r"^/status/\d{3}$", status)
        srv.route("GET", r"^/bytes/\d+$", nbytes)
