"""Security headers and CORS, added in one place to every response (errors included)."""

from __future__ import annotations

from flask import Flask, Response, current_app, request


def frame_ancestors(extra: list[str]) -> str:
    if "*" in extra:
        return "frame-ancestors *"
    return " ".join(["frame-ancestors", "'self'", *extra])


def content_security_policy(embeddable: bool) -> str:
    """Our own scripts and styles only; only the widget frame may be framed by the allowed origins."""
    origins = current_app.config["ALLOWED_ORIGINS"] if embeddable else []
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; " + frame_ancestors(origins))


def cors_origin(origin: str | None) -> str | None:
    """The value of Access-Control-Allow-Origin for this request, or None when it is not allowed."""
    if not origin:
        return None
    allowed = current_app.config["ALLOWED_ORIGINS"]
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in allowed else None


def register(app: Flask) -> None:
    @app.before_request
    def preflight():
        # A browser on an allowed site asks before POSTing JSON to the API.
        if request.method == "OPTIONS" and request.path.startswith("/api/"):
            return Response(status=204)
        return None

    @app.after_request
    def add_headers(response: Response) -> Response:
        embeddable = request.path == "/widget/frame"
        response.headers["Content-Security-Policy"] = content_security_policy(embeddable)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not embeddable:
            response.headers["X-Frame-Options"] = "SAMEORIGIN"
        if request.path.startswith("/api/") or request.path == "/healthz":
            response.headers.add("Vary", "Origin")
            allowed = cors_origin(request.headers.get("Origin"))
            if allowed:
                response.headers["Access-Control-Allow-Origin"] = allowed
                # A 429 says how long to wait in Retry-After, which a browser hides from another site's script
                # unless it is exposed (it is no CORS-safelisted response header).
                response.headers["Access-Control-Expose-Headers"] = "Retry-After"
                if request.method == "OPTIONS":
                    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                    response.headers["Access-Control-Max-Age"] = "600"
        return response
