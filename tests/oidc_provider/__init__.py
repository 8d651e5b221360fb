"""A real OpenID Connect provider for the tests: a small Django project on
django-oauth-toolkit (OIDC, RS256, PKCE, discovery, userinfo, RP-initiated logout)
run as a subprocess on loopback with its own SQLite file. See `server.py`."""
